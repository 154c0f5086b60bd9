#if canImport(Glibc)
import Glibc
#endif

/// Namespace of the raw kernels: loops over unsafe buffers or `cblas_sgemm`, forward and backward side by side.
public enum Kernels {}

extension Kernels {
    /// Walks a row-major `shape` one last-axis row at a time, tracking the start offset of that row in
    /// two operands with the given strides (0 along broadcast axes). `body(row, aStart, bStart)`.
    /// `rows` limits the walk to a range of rows (the counter starts from its first row), so callers can
    /// split the rows over threads.
    @inline(__always)
    static func forEachRow(_ shape: [Int], _ sa: [Int], _ sb: [Int], rows: Range<Int>? = nil,
                           _ body: (Int, Int, Int) -> Void) {
        let r = shape.count
        if r == 0 { body(0, 0, 0); return }
        let inner = shape[r - 1]
        if inner == 0 { return }
        let range = rows ?? 0..<(Shape.count(shape) / inner)
        if range.isEmpty { return }
        var idx = [Int](repeating: 0, count: r)
        var oa = 0, ob = 0
        var rest = range.lowerBound
        for d in stride(from: r - 2, through: 0, by: -1) {
            idx[d] = rest % shape[d]
            rest /= shape[d]
            oa += idx[d] * sa[d]; ob += idx[d] * sb[d]
        }
        for row in range {
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

    /// Elementwise functions of one value. Kernels switch once per range, outside the loop, so each loop
    /// body is a direct inline computation that vectorises (closures captured through the thread pool did not).
    enum Unary {
        case affine(Float, Float)      // a·x + b
        case divide(Float)             // x / s
        case reciprocal(Float)         // s / x
        case exp, log, sqrt, square, gelu, sigmoid
    }

    /// Elementwise functions of two values (equal shapes, or broadcast for the first four).
    enum Binary {
        case add, sub, mul, div
        case negDiv                    // −a / b
        case sigmoidBackward           // a · b · (1 − b)       (b = σ(x))
        case sqrtBackward              // a / (2b)              (b = √x)
        case squareBackward            // 2 · a · b             (b = x)
    }

    static func apply(_ f: Unary, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ r: Range<Int>) {
        switch f {
        case let .affine(a, b): for i in r { y[i] = a * x[i] + b }
        case let .divide(s): for i in r { y[i] = x[i] / s }
        case let .reciprocal(s): for i in r { y[i] = s / x[i] }
        case .exp: CPUKernels.table.exp(x + r.lowerBound, y + r.lowerBound, r.count)
        case .log: CPUKernels.table.log(x + r.lowerBound, y + r.lowerBound, r.count)
        case .sqrt: for i in r { y[i] = x[i].squareRoot() }
        case .square: for i in r { y[i] = x[i] * x[i] }
        case .gelu: geluValues(x, y, r)
        case .sigmoid: CPUKernels.table.sigmoid(x + r.lowerBound, y + r.lowerBound, r.count)
        }
    }

    static func apply(_ f: Binary, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                      _ r: Range<Int>, strideA: Int = 1, strideB: Int = 1) {
        if strideA == 1 && strideB == 1 {
            switch f {
            case .add: for i in r { y[i] = a[i] + b[i] }
            case .sub: for i in r { y[i] = a[i] - b[i] }
            case .mul: for i in r { y[i] = a[i] * b[i] }
            case .div: for i in r { y[i] = a[i] / b[i] }
            case .negDiv: for i in r { y[i] = -a[i] / b[i] }
            case .sigmoidBackward: for i in r { y[i] = a[i] * b[i] * (1 - b[i]) }
            case .sqrtBackward: for i in r { y[i] = a[i] / (2 * b[i]) }
            case .squareBackward: for i in r { y[i] = 2 * a[i] * b[i] }
            }
            return
        }
        // Broadcast rows: one side may be strided (0 = a repeated value).
        switch f {
        case .add: for i in r { y[i] = a[i * strideA] + b[i * strideB] }
        case .sub: for i in r { y[i] = a[i * strideA] - b[i * strideB] }
        case .mul: for i in r { y[i] = a[i * strideA] * b[i * strideB] }
        case .div: for i in r { y[i] = a[i * strideA] / b[i * strideB] }
        default: preconditionFailure("Kernels.apply: \(f) does not broadcast")
        }
    }

    /// `out = f(x)`, split over threads for large tensors.
    static func map(_ x: Tensor, _ f: Unary) -> Tensor {
        let px = x.ptr
        return Tensor.make(x.shape) { po in Parallel.forRanges(x.count) { r in apply(f, px, po, r) } }
    }

    /// `out = a ∘ b` with NumPy broadcasting (same shapes for the backward helpers).
    static func binary(_ f: Binary, _ a: Tensor, _ b: Tensor, op: String) -> Tensor {
        let outShape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape, op: op)
        let n = Shape.count(outShape)
        let pa = a.ptr, pb = b.ptr
        return Tensor.make(outShape) { po in
            if a.count == n && b.count == n {
                Parallel.forRanges(n) { r in apply(f, pa, pb, po, r) }
            } else if b.count == 1 {
                Parallel.forRanges(n) { r in apply(f, pa + r.lowerBound, pb, po + r.lowerBound, 0..<r.count, strideB: 0) }
            } else if a.count == 1 {
                Parallel.forRanges(n) { r in apply(f, pa, pb + r.lowerBound, po + r.lowerBound, 0..<r.count, strideA: 0) }
            } else {
                let sa = broadcastStrides(a.shape, to: outShape), sb = broadcastStrides(b.shape, to: outShape)
                let inner = outShape.last!
                let ia = sa.last!, ib = sb.last!
                Parallel.forRanges(n / Swift.max(inner, 1), grain: Swift.max(1, 16384 / Swift.max(inner, 1))) { rows in
                    forEachRow(outShape, sa, sb, rows: rows) { row, oa, ob in
                        apply(f, pa + oa, pb + ob, po + row * inner, 0..<inner, strideA: ia, strideB: ib)
                    }
                }
            }
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
        let pg = g.ptr
        let inner = g.shape.last ?? 1
        let it = st.last ?? 0
        let rows = g.count / Swift.max(inner, 1)
        // Each thread sums its block of rows into its own Float64 buffer; the buffers are then added in
        // thread order, so the result does not depend on timing.
        let parts = Swift.min(Parallel.available, Swift.max(1, g.count / 65536))
        var partial = [[Double]](repeating: [], count: parts)
        let per = (rows + parts - 1) / parts
        partial.withUnsafeMutableBufferPointer { buffers in
            let base = buffers.baseAddress!
            Parallel.forTasks(parts) { part, _ in
                var acc = [Double](repeating: 0, count: n)
                let lo = part * per, hi = Swift.min(rows, lo + per)
                acc.withUnsafeMutableBufferPointer { pa in
                    let a = pa.baseAddress!
                    if lo < hi {
                        forEachRow(g.shape, st, st, rows: lo..<hi) { row, ot, _ in
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
                }
                (base + part).pointee = acc
            }
        }
        var acc = partial[0]
        for part in partial.dropFirst() { for i in 0..<n { acc[i] += part[i] } }
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
