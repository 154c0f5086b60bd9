import Foundation
import Testing
@testable import Data
import Regions

/// `rmae regions` logic on a folder that mixes good images, odd formats and broken files.
@Suite struct RegionMapsTests {
    /// A fresh temporary folder, removed by `cleanup`.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-regions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ bytes: [UInt8], _ relative: String, in root: URL) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Foundation.Data(bytes).write(to: url)
    }

    /// Blocks of colour with a little texture: a handful of segments at small scales.
    static func image(width: Int, height: Int, seed: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let block = (x / 8 + y / 8 + seed) % 4
                pixels += [UInt8(block * 60 + (x * 7 + y) % 5), UInt8(200 - block * 40), UInt8((block * 97 + seed) % 256)]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Pure noise: hundreds of segments at scale 1, min size 1.
    static func noise(width: Int, height: Int) -> RGBImage {
        var s: UInt64 = 99
        return RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: s >> 56)
        })
    }

    @Test func mixedFolder() throws {
        let images = try Self.folder(), output = try Self.folder()
        defer { try? FileManager.default.removeItem(at: images); try? FileManager.default.removeItem(at: output) }
        let a = Self.image(width: 24, height: 16, seed: 1), b = Self.image(width: 20, height: 30, seed: 2)
        try Self.write(PNG.encode(a), "a.png", in: images)
        try Self.write(JPEG.encode(pixels: b.pixels, width: 20, height: 30, channels: 3, quality: 95),
                       "nested/deeper/B.JPEG", in: images)
        let grey = (0..<(16 * 16)).map { UInt8($0 % 256) }
        try Self.write(PNG.encode(pixels: grey, width: 16, height: 16, channels: 1), "nested/grey.Png", in: images)
        try Self.write([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], "broken/corrupt.jpg", in: images)
        try Self.write(Array(PNG.encode(a).prefix(50)), "broken/truncated.png", in: images)
        try Self.write(Array("not an image".utf8), "notes.txt", in: images)
        try Self.write(PNG.encode(a), ".hidden/skip.png", in: images)

        #expect(RegionMaps.imagePaths(under: images) ==
                ["a.png", "broken/corrupt.jpg", "broken/truncated.png", "nested/deeper/B.JPEG", "nested/grey.Png"])

        let maps = RegionMaps(scales: [50, 100, 200], jobs: 2)
        let progress = Counter()
        let summary = maps.run(images: images, output: output, progress: { done, total in
            progress.record(done, total)
        })
        #expect(summary.total == 5 && summary.written == 3 && summary.skipped == 0 && summary.wide.isEmpty)
        #expect(summary.failures.map(\.0) == ["broken/corrupt.jpg", "broken/truncated.png"])
        #expect(summary.failures.allSatisfy { $0.1.contains(images.appendingPathComponent($0.0).path) })
        #expect(progress.values.sorted() == [1, 2, 3, 4, 5] && progress.totals == [5])

        // Layout: OUT/<relative path>.npy, [S, H, W] |u1, equal to segmenting the decoded image.
        let stack = try NPYArray.read(contentsOf: output.appendingPathComponent("a.npy"))
        #expect(stack.dtype == .uint8 && stack.shape == [3, 16, 24])
        let segmenter = FelzenszwalbSegmenter(image: a, sigma: 0.8)
        let expected = [50, 100, 200].flatMap { segmenter.segment(scale: Double($0), minSize: $0).labels }
        #expect(stack.integers == expected.map(Int64.init))
        let nested = try NPYArray.read(contentsOf: output.appendingPathComponent("nested/deeper/B.npy"))
        #expect(nested.shape == [3, 30, 20])
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("nested/grey.npy").path))
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)

        // Resume: everything valid is skipped; a damaged output is redone.
        let again = maps.run(images: images, output: output)
        #expect(again.written == 0 && again.skipped == 3 && again.failures.count == 2)
        let damaged = output.appendingPathComponent("a.npy")
        try Foundation.Data(Array(try Foundation.Data(contentsOf: damaged)).prefix(100)).write(to: damaged)
        let repaired = maps.run(images: images, output: output)
        #expect(repaired.written == 1 && repaired.skipped == 2)
        #expect(try NPYArray.read(contentsOf: damaged) == stack)

        // Different scales count makes old outputs invalid.
        let two = RegionMaps(scales: [100, 200], minSizes: [10, 20], jobs: 1).run(images: images, output: output)
        #expect(two.written == 3 && two.skipped == 0)
        #expect(try NPYArray.read(contentsOf: damaged).shape == [2, 16, 24])
    }

    @Test func moreThan256SegmentsIsWiderNotWrapped() throws {
        let images = try Self.folder(), output = try Self.folder()
        defer { try? FileManager.default.removeItem(at: images); try? FileManager.default.removeItem(at: output) }
        try Self.write(PNG.encode(Self.noise(width: 40, height: 40)), "noise.png", in: images)
        let summary = RegionMaps(scales: [1, 1000], minSizes: [1, 1000], sigma: 0).run(images: images, output: output)
        #expect(summary.written == 1 && summary.wide == ["noise.png"])
        let stack = try NPYArray.read(contentsOf: output.appendingPathComponent("noise.npy"))
        #expect(stack.dtype == .uint16 && stack.shape == [2, 40, 40])
        let labels = stack.integers
        #expect(labels[0..<1600].max()! > 255)
        #expect(Set(labels[1600...]) == [0])
    }

    @Test func outputURLReplacesTheExtension() {
        let out = URL(fileURLWithPath: "/out")
        #expect(RegionMaps.outputURL(for: "train2017/0001.JPG", in: out).path == "/out/train2017/0001.npy")
        #expect(RegionMaps.outputURL(for: "a.b.png", in: out).path == "/out/a.b.npy")
    }
}

/// Progress calls, recorded from worker threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Int] = []
    private(set) var totals: Set<Int> = []
    func record(_ done: Int, _ total: Int) {
        lock.lock(); defer { lock.unlock() }
        values.append(done)
        totals.insert(total)
    }
}
