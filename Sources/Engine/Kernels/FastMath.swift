/// Branch-free single-precision exp and erf that the compiler can vectorise (glibc's `expf`/`erff` are
/// scalar calls and dominated softmax and GELU time).
///
/// - ``FastMath/exp(_:)``: Cephes-style range reduction `x = n·ln2 + r`, |r| ≤ ln2/2, degree-6 polynomial,
///   scaled by 2ⁿ through the exponent bits. Relative error ≤ 2 ulp on [−87.3, 88.7]; inputs below −87.3
///   return 0, above 88.7 saturate at 2^128 ≈ +inf (float max).
/// - ``FastMath/erf(_:)``: erf(x) = sign(x)·(1 − t·e^(−x² + P(t))), t = 1/(1 + |x|/2), the Chebyshev fit of
///   Numerical Recipes (`erfcc`), relative error of erfc < 1.2e-7, so |erf error| < 1.2e-7 everywhere.
/// - ``FastMath/log(_:)``: exponent/mantissa split with the mantissa in [√½, √2), Cephes-style degree-9
///   polynomial; ≤ 2 ulp for positive normal inputs. ``FastMath/log1p(_:)`` keeps full relative accuracy
///   for tiny x through `log(u)·x/(u − 1)`, u = 1 + x.
public enum FastMath {
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let lo: Float = -87.3, hi: Float = 88.7
        let xc = Swift.min(Swift.max(x, lo), hi)
        // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick: no rintf call (baseline x86-64 has no
        // roundps), and k's low mantissa bits then hold n for the exponent below.
        let k = xc * 1.44269504088896341 + 12582912
        let n = k - 12582912
        var r = xc - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * r * r + r + 1
        // 2^n via the exponent field; n ∈ [−126, 128] after clamping. Split in two factors so n = 128 works.
        let ni = Int32(bitPattern: k.bitPattern &- 0x4B40_0000)   // no trapping Float→Int conversion
        let half = ni >> 1
        let s1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) << 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (ni &- half &+ 127) << 23))
        let y = e * s1 * s2
        return x < lo ? 0 : y
    }

    @inline(__always)
    public static func erf(_ x: Float) -> Float {
        let z = Swift.abs(x)
        let t = 1 / (1 + 0.5 * z)
        var p: Float = 0.17087277
        p = p * t - 0.82215223
        p = p * t + 1.48851587
        p = p * t - 1.13520398
        p = p * t + 0.27886807
        p = p * t - 0.18628806
        p = p * t + 0.09678418
        p = p * t + 0.37409196
        p = p * t + 1.00002368
        p = p * t - 1.26551223
        let erfc = t * exp(-z * z + p)
        let r = 1 - erfc
        return x < 0 ? -r : r
    }

    @inline(__always)
    public static func log(_ x: Float) -> Float {
        let bits = x.bitPattern
        var e = Float(Int32(bitPattern: (bits >> 23) & 0xFF) &- 127)
        var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000)          // [1, 2)
        let big = m > 1.41421356237
        m = big ? m * 0.5 : m
        e = big ? e + 1 : e
        let f = m - 1
        let z = f * f
        var p: Float = 7.0376836292e-2
        p = p * f - 1.1514610310e-1
        p = p * f + 1.1676998740e-1
        p = p * f - 1.2420140846e-1
        p = p * f + 1.4249322787e-1
        p = p * f - 1.6668057665e-1
        p = p * f + 2.0000714765e-1
        p = p * f - 2.4999993993e-1
        p = p * f + 3.3333331174e-1
        var y = p * f * z
        y += e * -2.12194440e-4
        y += -0.5 * z
        return f + y + e * 0.693359375
    }

    @inline(__always)
    public static func log1p(_ x: Float) -> Float {
        let u = 1 + x
        let d = u - 1
        return d == 0 ? x : log(u) * (x / d)
    }
}
