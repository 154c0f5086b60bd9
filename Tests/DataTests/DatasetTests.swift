import Foundation
import Testing
@testable import Data
import Regions

/// Dataset layouts, the validation split and the auto region cache.
struct DatasetTests {
    @Test func fnv1aKnownValues() {
        #expect(ValidationSplit.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(ValidationSplit.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(ValidationSplit.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func splitHoldsOutAboutTheFractionAndIsStable() {
        let paths = (0..<4000).map { String(format: "n%08d/img_%05d.JPEG", $0 % 10, $0) }
        let held = paths.filter { ValidationSplit.isValidation($0, fraction: 0.1) }
        #expect(abs(Double(held.count) / 4000 - 0.1) < 0.02)
        #expect(paths.filter { ValidationSplit.isValidation($0, fraction: 0) }.isEmpty)
        #expect(paths.allSatisfy { ValidationSplit.isValidation($0, fraction: 1) })
        // Nested: what is held out at 5% is also held out at 10%.
        #expect(paths.filter { ValidationSplit.isValidation($0, fraction: 0.05) }.allSatisfy { held.contains($0) })
    }

    @Test func walksFlatNestedAndClassFolders() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        let img = SyntheticData.noise(width: 8, height: 8, seed: 0)
        try data.write("a.png", image: img, maps: nil)
        try data.write("n01440764/b.png", image: img, maps: nil)
        try data.write("n01440764/deeper/c.png", image: img, maps: nil)
        try Foundation.Data("not an image".utf8).write(to: data.images.appendingPathComponent("notes.txt"))
        let set = try Dataset(images: data.images, validationFraction: 0.5)
        #expect(set.samples.map(\.path) == ["a.png", "n01440764/b.png", "n01440764/deeper/c.png"])
        #expect(Set(set.train.map(\.path)).union(set.validation.map(\.path)) == Set(set.samples.map(\.path)))
        #expect(Set(set.train.map(\.path)).isDisjoint(with: set.validation.map(\.path)))
        #expect(set.samples[1].image.path.hasSuffix("images/n01440764/b.png"))
    }

    @Test func emptyFolderIsAClearError() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        #expect(throws: DataError.self) { try Dataset(images: data.root) }
    }

    @Test func cocoLayoutPairsImagesWithFhFolder() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        let base = data.root.appendingPathComponent("image")
        try FileManager.default.createDirectory(at: base.appendingPathComponent("train2017"), withIntermediateDirectories: true)
        try Foundation.Data(PNG.encode(SyntheticData.noise(width: 8, height: 8, seed: 1)))
            .write(to: base.appendingPathComponent("train2017/000000000009.png"))
        for root in [data.root, base] {
            let set = try Dataset.coco(root: root)
            #expect(set.samples.map(\.path) == ["000000000009.png"])
            #expect(set.regions == .folder(base.appendingPathComponent("fh_train2017")))
        }
    }

    @Test func autoRegionsAreComputedCachedAndReused() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        let picture = SyntheticData.image(labels: SyntheticData.blocks(width: 48, height: 40, columns: 3, rows: 2), width: 48, height: 40)
        try data.write("sub/x.png", image: picture, maps: nil)
        let cache = data.root.appendingPathComponent("cache")
        let reader = SampleReader(source: .auto(cache: cache), needsRegions: true)
        let sample = DatasetSample(path: "sub/x.png", image: data.images.appendingPathComponent("sub/x.png"))
        let first = try reader.load(sample)
        let file = cache.appendingPathComponent("sub/x.npy")
        #expect(FileManager.default.fileExists(atPath: file.path))
        let expected = RegionMaps(scales: [500, 1000, 1500]).labelStack(picture).array
        #expect(first.maps?.array == expected)
        // Reused: a cached file with different (but valid) labels is read back as it is.
        let marked = NPYArray(shape: [3, 40, 48], uint8: [UInt8](repeating: 5, count: 3 * 40 * 48))
        try marked.write(to: file)
        #expect(try reader.load(sample).maps?.array == marked)
        // A map in the folder takes precedence over the cache.
        let folder = data.root.appendingPathComponent("fh")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let given = NPYArray(shape: [1, 40, 48], uint8: [UInt8](repeating: 1, count: 40 * 48))
        try given.write(to: folder.appendingPathComponent("sub/x.npy"))
        #expect(try SampleReader(source: .auto(cache: cache, folder: folder), needsRegions: true).load(sample).maps?.array == given)
    }

    @Test func regionFilesAreChecked() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        let picture = SyntheticData.noise(width: 20, height: 10, seed: 2)
        try data.write("ok.png", image: picture, maps: [[Int32](repeating: 0, count: 200)])
        try data.write("missing.png", image: picture, maps: nil)
        try data.write("small.png", image: picture, maps: nil)
        try NPYArray(shape: [1, 10, 19], uint8: [UInt8](repeating: 0, count: 190)).write(to: data.regions.appendingPathComponent("small.npy"))
        try data.write("bad.png", image: picture, maps: nil)
        try Foundation.Data("garbage".utf8).write(to: data.regions.appendingPathComponent("bad.npy"))
        try data.write("wide.png", image: picture, maps: nil)
        try NPYArray(shape: [2, 10, 20], uint16: (0..<400).map { UInt16($0 * 100) }).write(to: data.regions.appendingPathComponent("wide.npy"))
        let reader = SampleReader(source: .folder(data.regions), needsRegions: true)
        func sample(_ name: String) -> DatasetSample { DatasetSample(path: name, image: data.images.appendingPathComponent(name)) }
        #expect(try reader.load(sample("ok.png")).maps?.scales == 1)
        #expect(try reader.load(sample("wide.png")).maps?.resampled(rows: [0], columns: [1, 2]) == [100, 200, 20100, 20200])
        for name in ["missing", "small", "bad"] {
            #expect(throws: SampleFailure.self) { try reader.load(sample(name + ".png")) }
            do { _ = try reader.load(sample(name + ".png")) } catch {
                #expect(error.description.contains(name + ".npy"), "\(error.description)")
            }
        }
        // MAE needs no maps at all.
        #expect(try SampleReader(source: .folder(data.regions), needsRegions: false).load(sample("missing.png")).maps == nil)
    }
}
