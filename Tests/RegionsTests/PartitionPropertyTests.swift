import Testing
@testable import Regions

/// FH label maps are partitions into connected segments of at least `minSize` pixels, numbered in raster
/// order, deterministic, and equal to the naive reference pixel for pixel.
@Suite struct PartitionPropertyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var width: Int, height: Int, levels: Int, scale: Double, minSize: Int, sigma: Double
        var testDescription: String { "\(width)x\(height) levels \(levels) k \(scale) min \(minSize) σ \(sigma)" }
    }

    static let cases: [Case] = [
        Case(width: 37, height: 23, levels: 256, scale: 100, minSize: 10, sigma: 0.8),
        Case(width: 40, height: 30, levels: 4, scale: 300, minSize: 20, sigma: 0.8),    // many exact ties
        Case(width: 31, height: 29, levels: 2, scale: 50, minSize: 5, sigma: 0),        // ties, no blur
        Case(width: 64, height: 48, levels: 256, scale: 500, minSize: 50, sigma: 1.5),
        Case(width: 1, height: 17, levels: 16, scale: 20, minSize: 3, sigma: 0.8),
        Case(width: 19, height: 1, levels: 16, scale: 20, minSize: 3, sigma: 0.8),
        Case(width: 1, height: 1, levels: 256, scale: 20, minSize: 3, sigma: 0.8),
        Case(width: 8, height: 8, levels: 256, scale: 1, minSize: 1, sigma: 0.8),
        Case(width: 6, height: 5, levels: 256, scale: 100, minSize: 1000, sigma: 0.8),  // minSize > image
    ]

    static func image(_ c: Case) -> RGBImage {
        var gen = TestImages(seed: UInt64(c.width * 1000 + c.height))
        return gen.blocks(width: c.width, height: c.height, levels: c.levels)
    }

    @Test(arguments: cases)
    func matchesNaiveReference(_ c: Case) {
        let image = Self.image(c)
        let fast = felzenszwalb(image, scale: c.scale, sigma: c.sigma, minSize: c.minSize)
        let naive = NaiveFelzenszwalb.segment(image, scale: c.scale, sigma: c.sigma, minSize: c.minSize)
        #expect(fast.labels == naive)
    }

    @Test(arguments: cases)
    func isAPartitionOfConnectedLargeSegments(_ c: Case) {
        let image = Self.image(c)
        let map = felzenszwalb(image, scale: c.scale, sigma: c.sigma, minSize: c.minSize)
        let (w, h) = (map.width, map.height)
        #expect(map.labels.count == w * h)
        #expect(map.labels.allSatisfy { $0 >= 0 && Int($0) < map.segmentCount })
        #expect(Set(map.labels).count == map.segmentCount)

        // Raster order: each new label is the next integer.
        var seen: Int32 = -1
        for l in map.labels where l > seen {
            #expect(l == seen + 1)
            seen = l
        }

        // Connected under 8-connectivity, and at least minSize pixels (unless the image is smaller).
        var visited = [Bool](repeating: false, count: w * h)
        var components = 0
        for start in 0..<(w * h) where !visited[start] {
            components += 1
            var stack = [start], count = 0
            visited[start] = true
            while let p = stack.popLast() {
                count += 1
                let (y, x) = (p / w, p % w)
                for dy in -1...1 {
                    for dx in -1...1 {
                        let (ny, nx) = (y + dy, x + dx)
                        guard ny >= 0, ny < h, nx >= 0, nx < w else { continue }
                        let q = ny * w + nx
                        if !visited[q] && map.labels[q] == map.labels[p] { visited[q] = true; stack.append(q) }
                    }
                }
            }
            #expect(count >= min(c.minSize, w * h), "segment of \(count) pixels")
        }
        #expect(components == map.segmentCount, "every label is one connected component")
    }

    @Test func isDeterministicAndScalesShareTheGraph() {
        let image = Self.image(Self.cases[0])
        let segmenter = FelzenszwalbSegmenter(image: image, sigma: 0.8)
        for scale in [50, 100, 400] {
            let once = felzenszwalb(image, scale: Double(scale), sigma: 0.8, minSize: scale / 10)
            #expect(segmenter.segment(scale: Double(scale), minSize: scale / 10) == once)
            #expect(segmenter.segment(scale: Double(scale), minSize: scale / 10) == once)
        }
    }

    @Test(arguments: cases)
    func multiScaleEqualsOneScaleAtATime(_ c: Case) {
        let segmenter = FelzenszwalbSegmenter(image: Self.image(c), sigma: c.sigma)
        // Unsorted scales and mixed min sizes: the shared prefix must not depend on the order given.
        let scales: [(scale: Double, minSize: Int)] = [(c.scale * 4, c.minSize), (c.scale, c.minSize * 2),
                                                      (c.scale * 2, 1), (c.scale, c.minSize)]
        let together = segmenter.segment(scales: scales)
        for (k, s) in scales.enumerated() {
            #expect(together[k] == segmenter.segment(scale: s.scale, minSize: s.minSize), "scale \(s.scale) min \(s.minSize)")
            #expect(together[k].labels == NaiveFelzenszwalb.segment(Self.image(c), scale: s.scale, sigma: c.sigma, minSize: s.minSize))
        }
    }

    @Test func largerScalesGiveFewerSegments() {
        let image = Self.image(Self.cases[3])
        let counts = [50.0, 200, 800, 3200].map { felzenszwalb(image, scale: $0, minSize: 1).segmentCount }
        #expect(counts == counts.sorted(by: >))
    }

    @Test func canonicalizedRelabelsByFirstOccurrence() {
        let map = LabelMap(width: 3, height: 2, labels: [5, 5, 2, 9, 2, 5], segmentCount: 3)
        #expect(map.canonicalized().labels == [0, 0, 1, 2, 1, 0])
    }
}
