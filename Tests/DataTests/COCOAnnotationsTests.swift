import Foundation
import Testing
@testable import Data
import Engine
import Regions

/// Reading annotation files leniently, matching images by file name, and bad input through the loader.
struct COCOAnnotationsTests {
    static func file(_ json: String) throws -> COCOAnnotations {
        try COCOAnnotations(json: Foundation.Data(json.utf8), name: "test.json")
    }

    @Test func malformedEntriesAreNamedCountedAndSkipped() throws {
        let file = try Self.file("""
        {"images": [{"id": 1, "file_name": "train/a.jpg", "width": 4, "height": 3},
                    {"id": 2, "file_name": "b.jpg"},
                    {"id": 3},
                    {"id": 4, "file_name": "train/a.jpg"}],
         "annotations": [
          {"id": 10, "image_id": 1, "segmentation": [[0, 0, 4, 0, 4, 3]]},
          {"id": 11, "image_id": 1, "segmentation": {"size": [3, 4], "counts": [5, 7]}},
          {"id": 12, "image_id": 1},
          {"id": 13, "image_id": 1, "segmentation": [[0, 0, 4, 0, 4]]},
          {"id": 14, "image_id": 1, "segmentation": {"size": [3, 4], "counts": [5, 8]}},
          {"id": 15, "image_id": 9, "segmentation": [[0, 0, 1, 0, 1, 1]]},
          {"id": 16, "image_id": 2, "segmentation": {"size": [3, 4], "counts": "P"}},
          {"id": 17, "image_id": 2, "segmentation": {"size": [3], "counts": "2"}},
          {"id": 18, "image_id": 2, "segmentation": "oops"},
          {"id": 19, "image_id": 2, "segmentation": {"size": [3, 4], "counts": [3, -1, 10]}}
         ]}
        """)
        #expect(file.imageCount == 2 && file.maskCount == 2 && file.problemCount == 10)
        for needle in ["image entry 2", "image entry 3", "annotation entry 2", "annotation 13", "annotation 14",
                       "annotation 15", "annotation 16", "annotation entry 7", "annotation entry 8", "annotation 19"] {
            #expect(file.problems.contains { $0.contains(needle) }, "no problem names \(needle): \(file.problems)")
        }
        #expect(file.problems.contains { $0.contains("given twice") })
        #expect(file.problems.contains { $0.contains("not 3×4 = 12") })
        #expect(try #require(file.entry(for: "train/a.jpg")).masks.map(\.id) == [10, 11])
        #expect(file.entry(for: "elsewhere/a.jpg")?.fileName == "train/a.jpg")       // by file name alone
        #expect(file.entry(for: "sub/b.jpg")?.masks.isEmpty == true)
        #expect(file.entry(for: "c.jpg") == nil)
        #expect(throws: DataError.self) { try Self.file("[1, 2]") }
        #expect(throws: DataError.self) { try Self.file("{\"annotations\": []}") }
        #expect(throws: DataError.self) { try COCOAnnotations(contentsOf: URL(fileURLWithPath: "/nonexistent/x.json")) }
    }

    @Test func fileNamesMatchByPathThenUniqueName() throws {
        let file = try Self.file("""
        {"images": [{"id": 1, "file_name": "x/a.jpg"}, {"id": 2, "file_name": "y/a.jpg"}, {"id": 3, "file_name": "./z/c.jpg"}],
         "annotations": []}
        """)
        #expect(file.entry(for: "x/a.jpg")?.fileName == "x/a.jpg" && file.entry(for: "y/a.jpg")?.fileName == "y/a.jpg")
        #expect(file.entry(for: "a.jpg") == nil)                                      // two entries are called a.jpg
        #expect(file.entry(for: "z/c.jpg")?.fileName == "./z/c.jpg" && file.entry(for: "q/c.jpg") != nil)
    }

    @Test func sa1bShapeNeedsNoImageId() throws {
        let file = try Self.file("""
        {"image": {"image_id": 5, "file_name": "sa_1.jpg", "width": 12, "height": 10},
         "annotations": [{"id": 1, "segmentation": {"size": [10, 12], "counts": "P146000000000l0"}, "predicted_iou": 0.9}]}
        """)
        #expect(file.imageCount == 1 && file.maskCount == 1 && file.problemCount == 0)
    }

    @Test func regionSourceParsing() throws {
        let cache = URL(fileURLWithPath: "/tmp/cache")
        #expect(try RegionSource(parsing: "auto", autoCache: cache) == .auto(cache: cache))
        #expect(try RegionSource(parsing: "png:/data/maps", autoCache: cache) == .instanceMaps(URL(fileURLWithPath: "/data/maps")))
        #expect(try RegionSource(parsing: "/data/fh", autoCache: cache) == .folder(URL(fileURLWithPath: "/data/fh")))
        for bad in ["coco:", "png:", "coco:/nonexistent/annotations.json"] {
            #expect(throws: DataError.self) { try RegionSource(parsing: bad, autoCache: cache) }
        }
        let data = try SyntheticData()
        defer { data.remove() }
        let url = data.root.appendingPathComponent("masks.json")
        try Foundation.Data(InstanceMaskTests.json.utf8).write(to: url)
        guard case .coco(let file) = try RegionSource(parsing: "coco:" + url.path, autoCache: cache) else {
            Issue.record("coco: did not give a COCO source"); return
        }
        #expect(file.maskCount == 3 && file.file == url.path)
    }

    /// Through the loader: an image without annotation trains with none, an RLE of the wrong size is
    /// dropped and the image keeps its other mask; both are named and counted once.
    @Test func badAnnotationsThroughTheLoader() throws {
        let data = try SyntheticData()
        defer { data.remove() }
        for name in ["a.png", "b.png", "c.png"] { try data.write(name, image: SyntheticData.noise(width: 12, height: 10, seed: 1), maps: nil) }
        let file = try Self.file("""
        {"images": [{"id": 1, "file_name": "a.png", "width": 12, "height": 10}, {"id": 2, "file_name": "b.png"}],
         "annotations": [
          {"id": 1, "image_id": 1, "segmentation": {"size": [10, 12], "counts": "P146000000000l0"}},
          {"id": 2, "image_id": 2, "segmentation": {"size": [10, 12], "counts": "P146000000000l0"}},
          {"id": 3, "image_id": 2, "segmentation": {"size": [12, 10], "counts": [120]}}
         ]}
        """)
        let set = try Dataset(images: data.images, regions: .coco(file), validationFraction: 1)
        let options = LoaderOptions(imageSize: 12, patchSize: 4, numRegions: 2, globalBatchSize: 3, workers: 0, train: false)
        let loader = try DataLoader(dataset: set, options: options, seed: 0)
        let batch = try loader.next()
        _ = try loader.next()
        #expect(batch.paths == ["a.png", "b.png", "c.png"] && loader.skipped.isEmpty)
        let warnings = loader.regionWarnings
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.contains { $0.path == "b.png" && $0.reason.contains("annotation 3") && $0.reason.contains("does not match") })
        #expect(warnings.contains { $0.path == "c.png" && $0.reason.contains("no annotation") })
        let regions = try #require(batch.regions).scalars
        let b = ReferenceMasks.augmented(InstanceMaskTests.maskB, crop: .whole(width: 12, height: 10), side: 12, flipped: false)
        #expect(Array(regions[0..<288]) == b + b && Array(regions[288..<576]) == b + b)   // one mask each, twice (n < k)
        #expect(regions[576...].allSatisfy { $0 == 0 })                                       // c.png: none
    }
}
