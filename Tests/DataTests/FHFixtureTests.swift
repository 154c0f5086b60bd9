import Foundation
import Testing
import TestSupport
@testable import Data
import Regions

/// FH parity with scikit-image 0.26 on `shared/fixtures/fh` (4 photos × 3 scales, min_size = scale).
/// Lives here, not in RegionsTests, because reading the fixtures needs the PNG and `.npy` readers.
@Suite(.enabled(if: SharedFiles.available, "needs ../shared/fixtures"))
struct FHFixtureTests {
    static let names = ["astronaut", "chelsea", "coffee", "rocket"]

    /// Pixels outside the best one-to-one matching of segments (greedy by overlap): 0 iff equal partitions.
    static func pixelsDiffering(_ a: [Int32], _ b: [Int32]) -> Int {
        var overlap: [Int64: Int] = [:]
        for (x, y) in zip(a, b) { overlap[Int64(x) << 32 | Int64(y), default: 0] += 1 }
        var usedA = Set<Int32>(), usedB = Set<Int32>(), matched = 0
        for (key, n) in overlap.sorted(by: { $0.value > $1.value }) {
            let (x, y) = (Int32(key >> 32), Int32(truncatingIfNeeded: key))
            if usedA.contains(x) || usedB.contains(y) { continue }
            usedA.insert(x); usedB.insert(y); matched += n
        }
        return a.count - matched
    }

    @Test(arguments: names)
    func matchesScikitImage(_ name: String) throws {
        let image = try ImageDecoder.decode(contentsOf: SharedFiles.url("fixtures/fh/\(name).png"))
        let segmenter = FelzenszwalbSegmenter(image: image, sigma: 0.8)
        let together = segmenter.segment(scales: [(500, 500), (1000, 1000), (1500, 1500)])
        for (k, scale) in [500, 1000, 1500].enumerated() {
            let expected = try NPYArray.read(contentsOf: SharedFiles.url("fixtures/fh/\(name)_s\(scale).npy"))
            #expect(expected.shape == [image.height, image.width])
            let want = expected.integers.map { Int32($0) }
            let got = segmenter.segment(scale: Double(scale), minSize: scale)
            #expect(together[k] == got, "multi-scale segmentation equals one scale at a time")
            let differing = Self.pixelsDiffering(got.labels, want)
            #expect(differing == 0, "\(name) s\(scale): \(differing) pixels differ; segments \(got.segmentCount) vs \(Set(want).count)")
            #expect(got.canonicalized().labels == LabelMap(width: image.width, height: image.height, labels: want,
                                                           segmentCount: Set(want).count).canonicalized().labels)
        }
    }
}
