/// Branch-free single-precision exp, erfc, erf and log on eight lanes at once (SIMD8).
/// glibc's `expf`/`erff` are scalar calls and dominated softmax and GELU time; loops that relied on the
/// compiler to vectorise scalar code did so without FMA and with poor code for the selects.
///
/// - ``FastMath/exp(_:)-swift.type.method``: Cephes-style range reduction `x = n·ln2 + r`, |r| ≤ ln2/2,
///   degree-6 polynomial, scaled by 2ⁿ through the exponent bits. Relative error ≤ 2 ulp on [−87.3, 88.7];
///   inputs below −87.3 return 0, above 88.7 saturate at 2^128 ≈ +inf (float max).
/// - ``FastMath/erfc(_:)``: erfc(z) = t·e^(−z² + P(t)), t = 1/(1 + z/2), z ≥ 0, the Chebyshev fit of
///   Numerical Recipes (`erfcc`): relative error < 1.2e-7 everywhere, so GELU's left tail keeps its digits.
/// - ``FastMath/log(_:)-swift.type.method``: exponent/mantissa split with the mantissa in [√½, √2),
///   Cephes-style degree-9 polynomial; ≤ 2 ulp for positive normal inputs. ``FastMath/log1p(_:)`` keeps full
///   relative accuracy for tiny x through `log(u)·x/(u − 1)`, u = 1 + x.
///
/// The scalar forms evaluate the same lanes (one value splatted), so a loop's tail gives exactly what its
/// vector body would.
public enum FastMath {
    public typealias Vector = SIMD8<Float>

    // `a·b + c`, multiply then add: Swift's SIMD `addingProduct` is a lane-by-lane loop that the optimiser
    // rebuilds lane by lane (vinsertps/vblendps), several times slower than two vector instructions.
    @_transparent
    @usableFromInline static func fma(_ a: Vector, _ b: Vector, _ c: Float) -> Vector { a * b + c }

    @_transparent
    @usableFromInline static func fma(_ a: Vector, _ b: Float, _ c: Float) -> Vector { a * b + c }

    @_transparent
    public static func exp(_ x: Vector) -> Vector {
        let lo: Float = -87.3, hi: Float = 88.7
        var xc = x.replacing(with: lo, where: x .< lo)
        xc.replace(with: hi, where: xc .> hi)
        // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick ; k's low
        // mantissa bits then hold n for the exponent below.
        let k = fma(xc, 1.44269504088896341, 12582912)
        let n = k - 12582912
        var r = xc - n * 0.693359375   // exact: the constant has few bits
        r = r + n * 2.12194440e-4
        var p = fma(r, 1.9875691500e-4, 1.3981999507e-3)
        p = fma(p, r, 8.3334519073e-3)
        p = fma(p, r, 4.1665795894e-2)
        p = fma(p, r, 1.6666665459e-1)
        p = fma(p, r, 5.0000001201e-1)
        let e = r + p * r * r + 1
        // 2^n via the exponent field; n ∈ [−126, 128] after clamping. Split in two factors so n = 128 works.
        let ni = unsafeBitCast(k, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let half = ni &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let s2 = unsafeBitCast((ni &- half &+ 127) &<< 23, to: Vector.self)
        return (e * s1 * s2).replacing(with: 0, where: x .< lo)
    }

    /// erfc(z) for z ≥ 0.
    @_transparent
    public static func erfc(_ z: Vector) -> Vector {
        let t = 1 / fma(z, 0.5, 1)
        var p = fma(t, 0.17087277, -0.82215223)
        p = fma(p, t, 1.48851587)
        p = fma(p, t, -1.13520398)
        p = fma(p, t, 0.27886807)
        p = fma(p, t, -0.18628806)
        p = fma(p, t, 0.09678418)
        p = fma(p, t, 0.37409196)
        p = fma(p, t, 1.00002368)
        p = fma(p, t, -1.26551223)
        return t * exp(p - z * z)
    }

    @_transparent
    public static func erf(_ x: Vector) -> Vector {
        let r = 1 - erfc(abs(x))
        return r.replacing(with: -r, where: x .< 0)
    }

    @_transparent
    public static func abs(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    @_transparent
    public static func log(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        var e = Vector(((bits &>> 23) & 0xFF) &- 127)
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: Vector.self)   // [1, 2)
        let big = m .> 1.41421356237
        m.replace(with: m * 0.5, where: big)
        e.replace(with: e + 1, where: big)
        let f = m - 1
        let z = f * f
        var p = fma(f, 7.0376836292e-2, -1.1514610310e-1)
        p = fma(p, f, 1.1676998740e-1)
        p = fma(p, f, -1.2420140846e-1)
        p = fma(p, f, 1.4249322787e-1)
        p = fma(p, f, -1.6668057665e-1)
        p = fma(p, f, 2.0000714765e-1)
        p = fma(p, f, -2.4999993993e-1)
        p = fma(p, f, 3.3333331174e-1)
        var y = p * f * z
        y = y - e * 2.12194440e-4
        y = y - z * 0.5
        return f + y + e * 0.693359375
    }

    @_transparent
    public static func log1p(_ x: Vector) -> Vector {
        let u = 1 + x
        let d = u - 1
        return (log(u) * (x / d)).replacing(with: x, where: d .== 0)
    }

    @_transparent public static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }
    @_transparent public static func erf(_ x: Float) -> Float { erf(Vector(repeating: x))[0] }
    @_transparent public static func log(_ x: Float) -> Float { log(Vector(repeating: x))[0] }
    @_transparent public static func log1p(_ x: Float) -> Float { log1p(Vector(repeating: x))[0] }
}

extension FastMath {
    /// Eight values from `p + i` (fewer than eight when `i + 8 > n`: the rest are 0).
    @_transparent
    @usableFromInline static func load(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> Vector {
        if i + 8 <= n { return UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self) }
        var v = Vector(repeating: 0)
        for j in 0..<(n - i) { v[j] = p[i + j] }
        return v
    }

    /// Stores the lanes of `v` that fall below `n`.
    @_transparent
    @usableFromInline static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
        if i + 8 <= n {
            UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
        } else {
            for j in 0..<(n - i) { p[i + j] = v[j] }
        }
    }
}
