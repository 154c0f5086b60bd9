import Engine
import Foundation
import Testing
import TestSupport
@testable import Data

/// Sizes declared in headers are checked (overflow, file size, pixel budget) before anything is allocated:
/// each case here trapped or allocated gigabytes before.
struct HeaderSizeTests {
    static func temp(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-\(UUID().uuidString)-\(name)")
        try Foundation.Data(bytes).write(to: url)
        return url
    }

    static func safetensors(_ header: String) -> [UInt8] {
        var length = UInt64(header.utf8.count).littleEndian
        return withUnsafeBytes(of: &length) { Array($0) } + Array(header.utf8) + [UInt8](repeating: 0, count: 16)
    }

    @Test func checkedCountReportsOverflowAndNegativeDimensions() {
        #expect(Shape.checkedCount([2, 3, 4], elementBytes: 4) == 96)
        #expect(Shape.checkedCount([]) == 1)
        #expect(Shape.checkedCount([4611686018427387904, 4]) == nil)
        #expect(Shape.checkedCount([3037000500, 3037000500]) == nil)
        #expect(Shape.checkedCount([-1, 4]) == nil)
        #expect(Shape.checkedCount([0, Int.max], elementBytes: 8) == 0)
    }

    @Test func safetensorsShapeWhoseSizeOverflowsIsAnError() throws {
        for header in [#"{"t": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}"#,
                       #"{"t": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 16]}}"#,
                       #"{"t": {"dtype": "F32", "shape": [8], "data_offsets": [0, 9223372036854775807]}}"#] {
            let url = try Self.temp(Self.safetensors(header), "x.safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(url) }
            #expect(error.description.contains(url.path))
        }
    }

    @Test func npyShapeWhoseSizeOverflowsIsAnError() throws {
        for shape in ["4611686018427387904, 4", "3037000500, 3037000500, 4"] {
            var dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(shape)), }"
            dict += String(repeating: " ", count: (64 - (10 + dict.utf8.count + 1) % 64) % 64) + "\n"
            let n = dict.utf8.count
            let bytes = NPYArray.magic + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(dict.utf8) + [1, 2, 3, 4]
            let error = try #require(throws: NPYError.self) { try NPYArray.parse(bytes, name: "maps.npy") }
            #expect(error.reason.contains("overflows"), "\(error)")
            // `rmae regions`' resume check reads the same header: the file is simply not a valid output.
            let url = try Self.temp(bytes, "maps.npy")
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(!RegionMaps(scales: [100]).isValidOutput(url))
        }
    }

    @Test func runLengthsThatOverflowOrPassTheImageAreProblems() throws {
        let annotations = try COCOAnnotations(json: Foundation.Data("""
        {"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}],
         "annotations": [
          {"id": 1, "image_id": 1, "segmentation": {"size": [4611686018427387904, 4], "counts": [1]}},
          {"id": 2, "image_id": 1, "segmentation": {"size": [3, 4], "counts": [9223372036854775807, 9223372036854775807, 5]}},
          {"id": 3, "image_id": 1, "segmentation": {"size": [3, 4], "counts": [11, 9223372036854775807]}},
          {"id": 4, "image_id": 1, "segmentation": {"size": [3, 4], "counts": "\(String(repeating: "ooooooooooo0", count: 20))"}},
          {"id": 5, "image_id": 1, "segmentation": {"size": [20000, 20000], "counts": [400000000]}},
          {"id": 6, "image_id": 1, "segmentation": {"size": [3, 4], "counts": [5, 7]}}
         ]}
        """.utf8), name: "sam.json")
        #expect(annotations.maskCount == 1 && annotations.problemCount == 5, "\(annotations.problems)")
        #expect(annotations.problems.contains { $0.contains("RMAE_MAX_PIXELS") })
        #expect(annotations.problems.contains { $0.contains("annotation 2") && $0.contains("more than 12") })
        #expect(annotations.problems.contains { $0.contains("annotation 4") && $0.contains("more than 12") })
    }

    @Test func compressedCountsThatOverflowAreMalformed() {
        // each pair of runs adds 2^55 to the one two before: past Int.max after about 256 of them
        #expect(CompressedCounts.decode(Array(String(repeating: "ooooooooooo0", count: 600).utf8)) == nil)
        #expect(CompressedCounts.decode(Array("324O2".utf8)) == [3, 2, 4, 1, 6])
    }

    @Test func imagesDeclaringMorePixelsThanTheBudgetAreRefusedFromTheHeader() throws {
        let (w, h) = (8, 6)
        let rgb = [UInt8](repeating: 100, count: w * h * 3)
        let png = ImageAttacks.png(PNG.encode(pixels: rgb, width: w, height: h, channels: 3), width: 20000, height: 20000)
        let jpeg = ImageAttacks.jpeg(JPEG.encode(pixels: rgb, width: w, height: h, channels: 3), width: 20000, height: 20000)
        for (bytes, name) in [(png, "big.png"), (jpeg, "big.jpg")] {
            let error = try #require(throws: ImageDecodingError.self) { try ImageDecoder.decode(bytes, name: name) }
            #expect(error.file == name && error.reason.contains("20000×20000") && error.reason.contains("RMAE_MAX_PIXELS"), "\(error)")
        }
        // a smaller budget (as `rmae serve` uses) names its own variable
        let small = ImageLimits.Budget(pixels: 40, variable: "RMAE_SERVE_MAX_PIXELS")
        let error = try #require(throws: ImageDecodingError.self) {
            try ImageDecoder.decode(PNG.encode(pixels: rgb, width: w, height: h, channels: 3), name: "x.png", budget: small)
        }
        #expect(error.reason.contains("RMAE_SERVE_MAX_PIXELS"))
        #expect(try ImageDecoder.decode(PNG.encode(pixels: rgb, width: w, height: h, channels: 3), name: "x.png",
                                        budget: .init(pixels: 48, variable: "X")).width == 8)
        #expect(throws: CodecFailure.self) { try PNG.decodeLabels(png) }
        #expect(ImageLimits.files.pixels == ImageLimits.defaultMaxPixels || ProcessInfo.processInfo.environment["RMAE_MAX_PIXELS"] != nil)
    }
}

