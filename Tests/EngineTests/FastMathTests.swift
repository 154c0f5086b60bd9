import Engine
import Foundation
import Testing

/// The vectorisable exp / erf / log against the C library, over their useful ranges.
@Suite struct FastMathTests {
    static func relativeError(_ a: Float, _ b: Float) -> Double { Double(abs(a - b)) / max(Double(abs(b)), 1e-30) }

    @Test func expMatchesLibm() {
        var worst = 0.0
        for i in 0...20000 {
            let x = -87 + Float(i) * (175.0 / 20000)
            worst = max(worst, Self.relativeError(FastMath.exp(x), Foundation.exp(x)))
        }
        #expect(worst < 4e-7, "max relative error \(worst)")
        #expect(FastMath.exp(-100) == 0 && FastMath.exp(-Float.infinity) == 0)
    }

    @Test func erfMatchesLibm() {
        var worst = 0.0
        for i in 0...20000 {
            let x = -6 + Float(i) * (12.0 / 20000)
            worst = max(worst, Double(abs(FastMath.erf(x) - Foundation.erf(x))))
        }
        #expect(worst < 3e-7, "max absolute error \(worst)")
    }

    @Test func logAndLog1pMatchLibm() {
        var worst = 0.0
        for i in 0...20000 {
            let x = Foundation.exp(-80 + Float(i) * (160.0 / 20000))
            worst = max(worst, Double(abs(FastMath.log(x) - Foundation.log(x))) / max(1, Double(abs(Foundation.log(x)))))
        }
        #expect(worst < 3e-7, "log: max error \(worst)")
        var worst1p = 0.0
        for i in 0...20000 {
            let x = Foundation.exp(-30 + Float(i) * (30.0 / 20000))   // (0, 1]: the range BCE uses
            worst1p = max(worst1p, Self.relativeError(FastMath.log1p(x), Foundation.log1p(x)))
        }
        #expect(worst1p < 4e-7, "log1p: max relative error \(worst1p)")
    }

    /// GELU and its slope within the erf approximation's 1.5e-7 (times |x|) of double precision, in the
    /// left tail too; every length exercises the vector body and the zero-padded last group.
    @Test func geluAndSlopeMatchDoublePrecision() {
        for n in [1, 7, 8, 13, 64] {
            let xs = (0..<n).map { -8 + 12 * Float($0) / Float(max(n - 1, 1)) }
            let x = Tensor(shape: [n], xs)
            let y = x.gelu().scalars
            let watched = x.watched()
            let yw = watched.gelu()
            yw.backward(seed: .ones([n]))
            let slope = watched.grad!.scalars
            for (i, v) in xs.enumerated() {
                let d = Double(v)
                let cdf = 0.5 * Foundation.erfc(-d / 2.0.squareRoot())
                let want = d * cdf
                let wantSlope = cdf + d * Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
                let tolerance = 1e-6 * abs(want) + 1e-7 * abs(d)
                #expect(abs(Double(y[i]) - want) <= tolerance, "gelu(\(v)) = \(y[i]), want \(want)")
                #expect(y[i] == yw.scalars[i])   // the same values with and without the graph
                #expect(abs(Double(slope[i]) - wantSlope) <= 1e-6 * abs(wantSlope) + 2e-7 * (1 + abs(d)), "slope(\(v))")
            }
        }
    }
}
