/// Namespace of the raw kernels: loops over unsafe buffers or `cblas_sgemm`, forward and backward side by side.
public enum Kernels {}

extension Kernels {
    /// Walks a row-major `shape` one last-axis row at a time, tracking the start offset of that row in
    /// two operands with the given strides (0 along broadcast axes). `body(row, aStart, bStart)`.
    @inline(__always)
    static func forEachRow(_ shape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        let r = shape.count
        if r == 0 { body(0, 0, 0); return }
        let inner = shape[r - 1]
        if inner == 0 { return }
        let rows = Shape.count(shape) / inner
        var idx = [Int](repeating: 0, count: r)
        var oa = 0, ob = 0
        for row in 0..<rows {
            body(row, oa, ob)
            var d = r - 2
            while d >= 0 {
                idx[d] += 1; oa += sa[d]; ob += sb[d]
                if idx[d] < shape[d] { break }
                oa -= sa[d] * shape[d]; ob -= sb[d] * shape[d]; idx[d] = 0
                d -= 1
            }
        }
    }

    /// Strides of `shape` seen through broadcasting to `out` (0 along broadcast or missing axes).
    static func broadcastStrides(_ shape: [Int], to out: [Int]) -> [Int] {
        let pad = out.count - shape.count
        let own = Shape.strides(shape)
        return (0..<out.count).map { i in
            i < pad ? 0 : (shape[i - pad] == 1 && out[i] != 1 ? 0 : own[i - pad])
        }
    }

    enum Binary { case add, sub, mul, div }

    /// `out = a ∘ b` with NumPy broadcasting.
    static func binary(_ kind: Binary, _ a: Tensor, _ b: Tensor, op: String) -> Tensor {
        let outShape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape, op: op)
        let n = Shape.count(outShape)
        let pa = a.ptr, pb = b.ptr
        @inline(__always) func run(_ f: (Float, Float) -> Float) -> Tensor {
            Tensor.make(outShape) { po in
                if a.count == n && b.count == n {
                    Parallel.forRanges(n) { r in for i in r { po[i] = f(pa[i], pb[i]) } }
                } else if b.count == 1 {
                    let s = pb[0]
                    Parallel.forRanges(n) { r in for i in r { po[i] = f(pa[i], s) } }
                } else if a.count == 1 {
                    let s = pa[0]
                    Parallel.forRanges(n) { r in for i in r { po[i] = f(s, pb[i]) } }
                } else {
                    let sa = broadcastStrides(a.shape, to: outShape), sb = broadcastStrides(b.shape, to: outShape)
                    let inner = outShape.last!
                    let ia = sa.last!, ib = sb.last!
                    forEachRow(outShape, sa, sb) { row, oa, ob in
                        let o = po + row * inner, x = pa + oa, y = pb + ob
                        for j in 0..<inner { o[j] = f(x[j * ia], y[j * ib]) }
                    }
                }
            }
        }
        switch kind {
        case .add: return run { $0 + $1 }
        case .sub: return run { $0 - $1 }
        case .mul: return run { $0 * $1 }
        case .div: return run { $0 / $1 }
        }
    }

    /// `out[i] = f(x[i])`, split over threads for large tensors.
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let px = x.ptr
        return Tensor.make(x.shape) { po in
            Parallel.forRanges(x.count) { r in for i in r { po[i] = f(px[i]) } }
        }
    }

    /// `out[i] = f(x[i], y[i])` for equal shapes.
    @inline(__always)
    static func zip(_ x: Tensor, _ y: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(x.shape == y.shape, "zip: shapes \(x.shape) and \(y.shape) differ")
        let px = x.ptr, py = y.ptr
        return Tensor.make(x.shape) { po in
            Parallel.forRanges(x.count) { r in for i in r { po[i] = f(px[i], py[i]) } }
        }
    }

    /// Sums `g` (of a broadcast result's shape) down to `shape`, accumulating in Float64.
    static func sumToShape(_ g: Tensor, _ shape: [Int]) -> Tensor {
        if g.shape == shape { return g }
        let n = Shape.count(shape)
        if n == 1 {
            var acc = 0.0
            g.withUnsafeBufferPointer { for v in $0 { acc += Double(v) } }
            return Tensor.full(shape, Float(acc))
        }
        let st = broadcastStrides(shape, to: g.shape)
        var acc = [Double](repeating: 0, count: n)
        let pg = g.ptr
        let inner = g.shape.last ?? 1
        let it = st.last ?? 0
        acc.withUnsafeMutableBufferPointer { pa in
            let a = pa.baseAddress!
            forEachRow(g.shape, st, st) { row, ot, _ in
                let src = pg + row * inner
                if it == 0 {
                    var s = 0.0
                    for j in 0..<inner { s += Double(src[j]) }
                    a[ot] += s
                } else {
                    for j in 0..<inner { a[ot + j * it] += Double(src[j]) }
                }
            }
        }
        return Tensor.make(shape) { po in for i in 0..<n { po[i] = Float(acc[i]) } }
    }
}

extension Tensor {
    /// `self += other` for equal shapes (gradient accumulation), not recorded; copies first if storage is shared.
    public mutating func addInPlace(_ other: Tensor) {
        precondition(shape == other.shape, "addInPlace: shapes \(shape) and \(other.shape) differ")
        makeUnique()
        let p = ptr, q = other.ptr
        Parallel.forRanges(count) { r in for i in r { p[i] += q[i] } }
    }
}
