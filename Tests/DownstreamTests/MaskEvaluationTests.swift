import Data
import Foundation
import Models
import Regions
import Testing
import TestSupport
@testable import Downstream
import Viz

@Suite struct MaskEvaluationTests {
    /// Two 40×40 images: one with two instances, one with one instance and a one-pixel instance that
    /// vanishes at model size.
    static func writeSet() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("viz-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let boxes: [[(Int, Int, Int, Int)]] = [[(4, 4, 14, 12), (22, 20, 14, 16)], [(10, 6, 20, 24), (2, 2, 1, 1)]]
        for (i, instances) in boxes.enumerated() {
            let photo = InferenceFixtures.photo(width: 40, height: 40, box: instances[0], seed: UInt64(i))
            var labels = [UInt8](repeating: 0, count: 40 * 40)
            for (l, b) in instances.enumerated() {
                for y in b.1..<(b.1 + b.3) { for x in b.0..<(b.0 + b.2) { labels[y * 40 + x] = UInt8(l + 1) } }
            }
            try Data(PNG.encode(photo)).write(to: folder.appendingPathComponent(String(format: "image_%03d.png", i)))
            try Data(PNG.encode(pixels: labels, width: 40, height: 40, channels: 1))
                .write(to: folder.appendingPathComponent(String(format: "mask_%03d.png", i)))
        }
        try Data(PNG.encode(InferenceFixtures.photo(width: 8, height: 8, box: (0, 0, 1, 1))))
            .write(to: folder.appendingPathComponent("image_009.png"))   // no mask: ignored
        return folder
    }

    @Test func evaluatesEveryInstanceAtEveryLevel() throws {
        let folder = try Self.writeSet()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try MaskEvaluation.samples(in: folder).map(\.name) == ["image_000", "image_001"])
        let model = try InferenceFixtures.model()
        let report = try MaskEvaluation(seed: 1).run(model: model, folder: folder)
        #expect(report.images == 2 && report.instances == 4 && report.skippedInstances == 1)
        #expect(report.perInstance.count == 3)
        #expect(report.levels.map(\.fraction) == [0.10, 0.15, 0.20])
        for r in report.perInstance {
            #expect(r.iou.count == 3 && r.iou.allSatisfy { (0...1).contains($0) })
            #expect(r.promptsOnlyIoU.allSatisfy { $0 > 0 && $0 <= 1 })
            #expect(r.prompts == r.prompts.sorted() && r.prompts.allSatisfy { $0 >= 1 && $0 <= r.patches })
        }
        #expect(report.levels.allSatisfy { (0...1).contains($0.mIoU) && (0...1).contains($0.promptsOnlyMIoU) })
        #expect(report.fhRegionsScored > 0 && (0...1).contains(report.fhRegionMIoU))
        #expect(report.fhRegionsPerImage == 2 && report.imageSize == 32)
        // The nearest-visible-patch column needs no model: another model scores the same baseline.
        #expect((0...1).contains(report.fhRegionBaselineMIoU) && report.fhRegionBaselineMIoU > 0)
        let other = try MaskEvaluation(seed: 1).run(model: try RegionMAE(config: InferenceFixtures.config(), seed: 99), folder: folder)
        #expect(other.fhRegionBaselineMIoU == report.fhRegionBaselineMIoU && other.fhRegionsScored == report.fhRegionsScored)
        #expect(report.table.contains("nearest visible patch"))
        // Fixed seed: the same numbers again; the JSON round-trips.
        #expect(try MaskEvaluation(seed: 1).run(model: model, folder: folder) == report)
        let json = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(MaskEvaluation.Report.self, from: json) == report)
        #expect(String(decoding: json, as: UTF8.self).contains("\"fh_region_miou\""))
        #expect(String(decoding: json, as: UTF8.self).contains("\"fh_region_baseline_miou\""))
        #expect(report.table.contains("mIoU"))
    }

    @Test func iouCountsPixels() {
        #expect(MaskEvaluation.iou([1, 1, 0, 0], [1, 0, 1, 0]) == 1.0 / 3)
        #expect(MaskEvaluation.iou([0, 0], [0, 0]) == 1)
        #expect(MaskEvaluation.iou([1, 0], [0, 1]) == 0)
    }
}
