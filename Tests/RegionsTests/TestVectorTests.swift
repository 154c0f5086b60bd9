import Testing
@testable import Regions

/// The 12×12 FH test vector of REFERENCE.md §12, verified against scikit-image 0.26.
@Suite struct TestVectorTests {
    /// LCG bytes, then a bright lower half (+128) and a brighter right half (+60), clipped at 255.
    static func image() -> RGBImage {
        var s: UInt64 = 12345
        var pixels = [UInt8](repeating: 0, count: 12 * 12 * 3)
        for y in 0..<12 {
            for x in 0..<12 {
                for c in 0..<3 {
                    s = (1103515245 * s + 12345) % (1 << 31)
                    let v = Int((s >> 16) & 255)
                    pixels[(y * 12 + x) * 3 + c] = UInt8(min(255, v / 4 + (y >= 6 ? 128 : 0) + (x >= 6 ? 60 : 0)))
                }
            }
        }
        return RGBImage(width: 12, height: 12, pixels: pixels)
    }

    @Test func firstPixels() {
        let image = Self.image()
        #expect(image[0, 0] == (55, 1, 25))
        #expect(image[0, 1] == (42, 7, 43))
    }

    @Test func scale100MinSize4() {
        let expected: [[Int32]] = [
            [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2],
            [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2],
            [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2],
            [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2],
            [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2],
            [1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3],
            [4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5],
            [6, 6, 6, 6, 6, 5, 7, 8, 8, 8, 8, 8],
            [6, 6, 6, 6, 6, 5, 7, 8, 8, 8, 8, 8],
            [6, 6, 6, 6, 6, 5, 7, 8, 8, 8, 8, 8],
            [6, 6, 6, 6, 6, 5, 7, 8, 8, 8, 8, 8],
            [6, 6, 6, 6, 6, 5, 7, 8, 8, 8, 8, 8],
        ]
        let map = felzenszwalb(Self.image(), scale: 100, sigma: 0.8, minSize: 4)
        #expect(map.segmentCount == 9)
        #expect(map.labels == expected.flatMap { $0 })
    }

    @Test func scale500MinSize10() {
        let map = felzenszwalb(Self.image(), scale: 500, sigma: 0.8, minSize: 10)
        #expect(map.segmentCount == 2)
        #expect(map.labels == (0..<144).map { $0 < 72 ? 0 : 1 })
    }

    @Test func gaussianKernelMatchesReference() {
        let k = GaussianBlur.kernel(sigma: 0.8)
        let expected = [0.000440743, 0.0219103, 0.228311, 0.498676, 0.228311, 0.0219103, 0.000440743]
        #expect(k.count == 7)
        for (a, b) in zip(k, expected) { #expect(abs(a - b) < 1e-6) }
        #expect(abs(k.reduce(0, +) - 1) < 1e-12)
    }

    @Test func reflectIsHalfSampleSymmetric() {
        #expect((-3...7).map { GaussianBlur.reflect($0, 4) } == [2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0])
    }
}
