import Testing
@testable import Regions

/// The radix sort of edge weights equals a stable comparison argsort, ties included.
@Suite struct SortedEdgesTests {
    /// Weights by edge code for a W×H grid, from `value(code)`.
    static func weights(width: Int, height: Int, _ value: (Int) -> Double) -> [Double] {
        var w = [Double](repeating: 0, count: 4 * width * height)
        SortedEdges.forEachEdge(width: width, height: height) { code, _, _ in w[code] = value(code) }
        return w
    }

    static func expectStableOrder(_ weights: [Double], width: Int, height: Int,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        var codes: [Int] = []
        SortedEdges.forEachEdge(width: width, height: height) { code, _, _ in codes.append(code) }
        #expect(codes == codes.sorted(), "codes follow the enumeration", sourceLocation: sourceLocation)
        let expected = codes.sorted { (weights[$0], $0) < (weights[$1], $1) }
        let (sortedWeights, sortedCodes) = SortedEdges.sorted(codes.map { weights[$0] }, codes.map(UInt32.init))
        #expect(sortedCodes.map(Int.init) == expected, sourceLocation: sourceLocation)
        #expect(sortedWeights == expected.map { weights[$0] }, sourceLocation: sourceLocation)
    }

    @Test func randomWeights() {
        var gen = TestImages(seed: 3)
        Self.expectStableOrder(Self.weights(width: 50, height: 40) { _ in Double(gen.next() % 1_000_000) / 600_000 },
                               width: 50, height: 40)
    }

    @Test func tiesZerosAndTinyValues() {
        var gen = TestImages(seed: 4)
        let palette: [Double] = [0, 0, 1e-300, 5e-17, 1e-17, 0x1p-31, 0x1p-30, 0.25, 0.25.nextUp, 0.5, 1.7]
        Self.expectStableOrder(Self.weights(width: 33, height: 21) { _ in palette[Int(gen.next() % UInt64(palette.count))] },
                               width: 33, height: 21)
    }

    @Test func longRunsOfNearlyEqualWeights() {
        var gen = TestImages(seed: 5)
        Self.expectStableOrder(Self.weights(width: 60, height: 60) { _ in 0.3 + Double(gen.next() % 1000) * 1e-15 },
                               width: 60, height: 60)
    }

    @Test func enumeratedFollowsTheEnumeration() {
        var gen = TestImages(seed: 6)
        let image = gen.blocks(width: 7, height: 5)
        let smoothed = GaussianBlur.smoothed(image, sigma: 0.8)
        let (weights, codes) = SortedEdges.enumerated(smoothed: smoothed, width: 7, height: 5)
        var expected: [(Int, Double)] = []
        SortedEdges.forEachEdge(width: 7, height: 5) { code, p, q in
            var d = 0.0
            for c in 0..<3 { let t = smoothed[p * 3 + c] - smoothed[q * 3 + c]; d += t * t }
            expected.append((code, d.squareRoot()))
        }
        #expect(codes.map(Int.init) == expected.map(\.0))
        #expect(weights == expected.map(\.1))
    }

    @Test func endpointsDecodeTheEnumeration() {
        let (w, h) = (5, 4)
        var pairs: [(Int32, Int32)] = []
        SortedEdges.withOffsetTable(width: w) { table in
            SortedEdges.forEachEdge(width: w, height: h) { code, p, q in
                let decoded = SortedEdges.endpoints(UInt32(code), pixels: w * h, table: table)
                #expect(decoded == (Int32(p), Int32(q)))
                pairs.append(decoded)
            }
        }
        var expected: [(Int32, Int32)] = []
        func add(_ p: Int, _ q: Int) { expected.append((Int32(p), Int32(q))) }
        for y in 0..<h { for x in 0..<(w - 1) { add(y * w + x + 1, y * w + x) } }
        for y in 0..<(h - 1) { for x in 0..<w { add((y + 1) * w + x, y * w + x) } }
        for y in 0..<(h - 1) { for x in 0..<(w - 1) { add((y + 1) * w + x + 1, y * w + x) } }
        for y in 0..<(h - 1) { for x in 0..<(w - 1) { add(y * w + x + 1, (y + 1) * w + x) } }
        #expect(pairs.count == SortedEdges.edgeCount(width: w, height: h))
        #expect(pairs.map(\.0) == expected.map(\.0))
        #expect(pairs.map(\.1) == expected.map(\.1))
    }
}
