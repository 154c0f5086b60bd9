import Foundation
import Testing
@testable import Data
import Engine

/// PNG instance maps: every bit of 8- and 16-bit labels kept, 0 no region, missing maps warned about.
struct InstanceMapTests {
    /// 16-bit grey rows, big-endian as PNG stores them.
    static func grey16(_ labels: [[UInt16]]) -> [UInt8] {
        TinyPNG.file(width: labels[0].count, height: labels.count, bitDepth: 16, color: .grey,
                     rows: labels.map { $0.flatMap { [UInt8($0 >> 8), UInt8($0 & 255)] } })
    }

    @Test func sixteenBitLabelsKeepEveryBit() throws {
        let labels: [[UInt16]] = [[0, 300, 300], [65535, 0, 2]]
        let array = try PNG.decodeLabels(Self.grey16(labels))
        #expect(array.shape == [1, 2, 3] && array.dtype == .uint16)
        #expect(array.integers == [0, 300, 300, 65535, 0, 2])
        let eight = try PNG.decodeLabels(TinyPNG.file(width: 3, height: 1, bitDepth: 8, color: .grey, rows: [[0, 7, 255]]))
        #expect(eight.integers == [0, 7, 255])
        let palette = try PNG.decodeLabels(TinyPNG.file(width: 2, height: 1, bitDepth: 4, color: .palette, rows: [[0x35]],
                                                        palette: [UInt8](repeating: 9, count: 3 * 16)))
        #expect(palette.integers == [3, 5])                                                  // the index, not the colour
        let panoptic = try PNG.decodeLabels(TinyPNG.file(width: 1, height: 1, bitDepth: 8, color: .rgb, rows: [[1, 2, 3]]))
        #expect(panoptic.integers == [1 + 2 * 256 + 3 * 65536] && panoptic.dtype == .int32)
        #expect(throws: CodecFailure.self) { try PNG.decodeLabels([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2]) }
    }

    @Test func zeroIsNoRegionAndMissingMapsTrainWithNone() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        let maps = data.root.appendingPathComponent("instances")
        try FileManager.default.createDirectory(at: maps.appendingPathComponent("sub"), withIntermediateDirectories: true)
        // 8 × 4 image, instances 1000 (left half, top) and 40000 (right column); the rest 0.
        var labels = [[UInt16]](repeating: [UInt16](repeating: 0, count: 8), count: 4)
        for y in 0..<2 { for x in 0..<4 { labels[y][x] = 1000 } }
        for y in 0..<4 { labels[y][7] = 40000 }
        try data.write("sub/a.png", image: SyntheticData.noise(width: 8, height: 4, seed: 1), maps: nil)
        try Foundation.Data(Self.grey16(labels)).write(to: maps.appendingPathComponent("sub/a.png"))
        try data.write("b.png", image: SyntheticData.noise(width: 8, height: 4, seed: 2), maps: nil)
        let set = try Dataset(images: data.images, regions: .instanceMaps(maps), validationFraction: 1)
        let options = LoaderOptions(imageSize: 8, patchSize: 4, numRegions: 3, globalBatchSize: 2, workers: 0, train: false)
        let loader = try DataLoader(dataset: set, options: options, seed: 0)
        let batch = try loader.next()
        #expect(batch.paths == ["b.png", "sub/a.png"])
        #expect(loader.regionWarnings.map(\.path) == ["b.png"] && loader.regionWarnings[0].reason.contains("no instance map"))
        let regions = try #require(batch.regions).scalars
        #expect(regions[0..<192].allSatisfy { $0 == 0 })
        // 4 rows → 8 rows: each source row twice. Instance maps as 0/1 planes.
        func plane(_ label: UInt16) -> [Float] {
            (0..<64).map { p in labels[(p / 8) / 2][p % 8] == label ? 1 : 0 }
        }
        let got = (0..<3).map { Array(regions[(192 + $0 * 64)..<(192 + ($0 + 1) * 64)]) }
        #expect(Set(got.map { $0.description }) == Set([plane(1000), plane(40000)].map { $0.description }))   // never label 0
        // A map of the wrong size skips the image like a bad .npy.
        try Foundation.Data(Self.grey16([[1, 2]])).write(to: maps.appendingPathComponent("b.png"))
        let reader = SampleReader(source: .instanceMaps(maps), needsRegions: true)
        #expect(throws: SampleFailure.self) { try reader.load(DatasetSample(path: "b.png", image: data.images.appendingPathComponent("b.png"))) }
    }
}
