/// Row reductions with eight independent accumulators (SIMD8), so they vectorise: the strict left-to-right
/// order of a scalar loop forbids that. The order is fixed, so results stay deterministic.
extension Kernels {
    @inline(__always)
    static func maxOf(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var acc = SIMD8<Float>(repeating: -.infinity)
        while i + 8 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            acc = acc.replacing(with: v, where: v .> acc)   // (the generic pointwiseMax is not inlined)
            i += 8
        }
        var m = acc.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }

    @inline(__always)
    static func sumOf(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var acc = SIMD8<Float>(repeating: 0)
        while i + 8 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var acc = SIMD8<Float>(repeating: 0)
        while i + 8 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Σ p[i] in Float64 with eight lanes (LayerNorm statistics, bias gradients).
    @inline(__always)
    static func sumDouble(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var i = 0
        var acc = SIMD8<Double>(repeating: 0)
        while i + 8 <= n {
            acc += SIMD8<Double>(UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var s = acc.sum()
        while i < n { s += Double(p[i]); i += 1 }
        return s
    }

    /// Σ (p[i] − mean)² in Float64 with eight lanes.
    @inline(__always)
    static func squaredDeviationDouble(_ p: UnsafePointer<Float>, _ n: Int, mean: Double) -> Double {
        var i = 0
        var acc = SIMD8<Double>(repeating: 0)
        let mv = SIMD8<Double>(repeating: mean)
        while i + 8 <= n {
            let d = SIMD8<Double>(UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)) - mv
            acc += d * d
            i += 8
        }
        var s = acc.sum()
        while i < n { let d = Double(p[i]) - mean; s += d * d; i += 1 }
        return s
    }

    /// `row[j] = exp(row[j] − shift)` in place; returns Σ of the new values (eight partial sums).
    @inline(__always)
    static func expShiftedInPlace(_ row: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let e = FastMath.exp(UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self) - shift)
            UnsafeMutableRawPointer(row + i).storeBytes(of: e, as: SIMD8<Float>.self)
            acc += e
            i += 8
        }
        var s = acc.sum()
        if i < n {
            let e = FastMath.exp(FastMath.load(row, i, n) - shift)
            FastMath.store(e, row, i, n)
            for j in 0..<(n - i) { s += e[j] }
        }
        return s
    }

    /// Row-wise softmax in place for one row: max-subtracted exp, then normalised. Returns log Σ exp + max.
    @inline(__always)
    static func softmaxRowInPlace(_ row: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        let m = maxOf(row, n)
        let s = expShiftedInPlace(row, n, shift: m)
        let inv = 1 / s
        for j in 0..<n { row[j] *= inv }
        return m + FastMath.log(s)
    }
}
