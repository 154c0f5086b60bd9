// Matrix products on OpenBLAS sgemm: matmul (plain and batched) and linear (x Wᵀ + b).

extension Tensor {
    /// Matrix product.
    /// - `a [..., M, K] · b [K, N] -> [..., M, N]` (leading axes of `a` flattened into rows);
    /// - `a [S..., M, K] · b [S..., K, N] -> [S..., M, N]` (batched, equal leading axes).
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs rank ≥ 2, got shapes \(a.shape) and \(b.shape)")
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        precondition(b.shape[b.rank - 2] == k, "matmul: inner dimensions differ in shapes \(a.shape) and \(b.shape)")
        let n = b.shape[b.rank - 1]
        if b.rank == 2 {
            let rows = a.count / k
            let outShape = Array(a.shape.dropLast()) + [n]
            let out = Tensor.make(outShape) { po in
                BLAS.gemm(m: rows, n: n, k: k, a: a.ptr, lda: k, b: b.ptr, ldb: n, c: po, ldc: n)
            }
            return record(out, inputs: [a, b]) { g in
                [a.requiresGrad ? Tensor.make(a.shape) { // dA = G Bᵀ
                    BLAS.gemm(transB: true, m: rows, n: k, k: n, a: g.ptr, lda: n, b: b.ptr, ldb: n, c: $0, ldc: k)
                 } : nil,
                 b.requiresGrad ? Tensor.make(b.shape) { // dB = Aᵀ G
                    BLAS.gemm(transA: true, m: k, n: n, k: rows, a: a.ptr, lda: k, b: g.ptr, ldb: n, c: $0, ldc: n)
                 } : nil]
            }
        }
        precondition(Array(a.shape.dropLast(2)) == Array(b.shape.dropLast(2)),
                     "matmul: batch axes differ in shapes \(a.shape) and \(b.shape)")
        let batch = Shape.count(Array(a.shape.dropLast(2)))
        let outShape = Array(a.shape.dropLast()) + [n]
        let out = Tensor.make(outShape) { po in
            for s in 0..<batch {
                BLAS.gemm(m: m, n: n, k: k, a: a.ptr + s * m * k, lda: k, b: b.ptr + s * k * n, ldb: n,
                          c: po + s * m * n, ldc: n)
            }
        }
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? Tensor.make(a.shape) { d in
                for s in 0..<batch {
                    BLAS.gemm(transB: true, m: m, n: k, k: n, a: g.ptr + s * m * n, lda: n, b: b.ptr + s * k * n, ldb: n,
                              c: d + s * m * k, ldc: k)
                }
             } : nil,
             b.requiresGrad ? Tensor.make(b.shape) { d in
                for s in 0..<batch {
                    BLAS.gemm(transA: true, m: k, n: n, k: m, a: a.ptr + s * m * k, lda: k, b: g.ptr + s * m * n, ldb: n,
                              c: d + s * k * n, ldc: n)
                }
             } : nil]
        }
    }
}

/// `y = x Wᵀ + b`, as `torch.nn.functional.linear`.
/// - Parameters:
///   - x: `[..., in]`
///   - weight: `[out, in]`
///   - bias: `[out]` or nil
/// - Returns: `[..., out]`
public func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
    let (rows, outF, inF) = Kernels.linearShape(x, weight, bias, op: "linear")
    let out = Kernels.linearForward(x, weight, bias, rows: rows)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Tensor.record(out, inputs: inputs) { g in
        var grads: [Tensor?] = [
            x.requiresGrad ? Tensor.make(x.shape) { // dx = G W
                BLAS.gemm(m: rows, n: inF, k: outF, a: g.ptr, lda: outF, b: weight.ptr, ldb: inF, c: $0, ldc: inF)
            } : nil,
            weight.requiresGrad ? Tensor.make(weight.shape) { // dW = Gᵀ x
                BLAS.gemm(transA: true, m: outF, n: inF, k: rows, a: g.ptr, lda: outF, b: x.ptr, ldb: inF, c: $0, ldc: inF)
            } : nil,
        ]
        if let bias { grads.append(bias.requiresGrad ? Kernels.columnSums(g.ptr, rows: rows, cols: outF) : nil) }
        return grads
    }
}

extension Kernels {
    /// Checks the shapes of `x [..., in]`, `weight [out, in]`, `bias [out]`: (rows of x, out, in).
    static func linearShape(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, op: String) -> (rows: Int, outF: Int, inF: Int) {
        precondition(weight.rank == 2, "\(op): weight must be [out, in], got \(weight.shape)")
        let (outF, inF) = (weight.shape[0], weight.shape[1])
        precondition(x.shape.last == inF, "\(op): input shape \(x.shape) does not end in \(inF) (weight \(weight.shape))")
        if let bias { precondition(bias.shape == [outF], "\(op): bias shape \(bias.shape) for weight \(weight.shape)") }
        return (x.count / Swift.max(inF, 1), outF, inF)
    }

    /// `x Wᵀ + b` as a new tensor `[..., out]` (no graph).
    static func linearForward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, rows: Int) -> Tensor {
        let (outF, inF) = (weight.shape[0], weight.shape[1])
        return Tensor.make(Array(x.shape.dropLast()) + [outF]) { po in
            BLAS.gemm(transB: true, m: rows, n: outF, k: inF, a: x.ptr, lda: inF, b: weight.ptr, ldb: inF,
                      c: po, ldc: outF, rowBias: bias?.ptr)
        }
    }

    /// Σ over rows of a [rows, cols] buffer (bias gradients over B·N rows): blocks of 32 rows are summed in
    /// Float32, the blocks in Float64. Columns are split over the threads, so each column's sum keeps one
    /// fixed order whatever the thread count.
    static func columnSums(_ p: UnsafePointer<Float>, rows: Int, cols: Int) -> Tensor {
        let groups = (cols + 15) / 16, k = CPUKernels.table
        return Tensor.make([cols]) { out in
            Parallel.forRanges(groups, grain: Swift.max(1, 8192 / Swift.max(rows, 1))) { range in
                k.column_sums(p, rows, cols, range.lowerBound * 16, Swift.min(cols, range.upperBound * 16), out)
            }
        }
    }
}
