// LayerNorm followed by a linear layer, keeping only the LayerNorm's input for the backward pass.

/// `linear(layerNorm(x, weight: normWeight, bias: normBias, eps: eps), weight, bias)`, value for value, as in
/// every pre-norm transformer sub-layer (`qkv(norm1(x))`, `fc1(norm2(x))`, `pred(norm(x))`).
///
/// Composed from the two ops, the backward pass would keep both x (for the LayerNorm) and the normalised x (the
/// linear's input): two width-sized tensors per pre-norm sub-layer. This op keeps x with its row statistics and
/// recomputes the normalised rows in its pullback (one elementwise pass). Gradients equal the composed ops'
/// bit for bit: the same kernels run on the same values.
/// - Parameters:
///   - x: `[..., in]`
///   - normWeight, normBias: `[in]`
///   - weight: `[out, in]`
///   - bias: `[out]` or nil
/// - Returns: `[..., out]`
public func layerNormLinear(_ x: Tensor, normWeight: Tensor, normBias: Tensor, eps: Float,
                            _ weight: Tensor, _ bias: Tensor?) -> Tensor {
    let inputs = [x, normWeight, normBias, weight] + (bias.map { [$0] } ?? [])
    guard GradMode.isEnabled && inputs.contains(where: \.requiresGrad) else {
        return linear(layerNorm(x, weight: normWeight, bias: normBias, eps: eps), weight, bias)
    }
    let c = x.shape.last ?? 0
    precondition(normWeight.shape == [c] && normBias.shape == [c],
                 "layerNormLinear: norm weight \(normWeight.shape) / bias \(normBias.shape) do not match input \(x.shape)")
    let rows = x.count / Swift.max(c, 1)
    let mean = Tensor.zeros([rows]), rstd = Tensor.zeros([rows])
    func normalized() -> Tensor {
        Tensor.make(x.shape) {
            Kernels.layerNormForward(x.ptr, normWeight.ptr, normBias.ptr, rows: rows, cols: c, eps: eps, out: $0,
                                     mean: mean.ptr, rstd: rstd.ptr)
        }
    }
    let (_, outF, inF) = Kernels.linearShape(x, weight, bias, op: "layerNormLinear")
    let out = Kernels.linearForward(normalized(), weight, bias, rows: rows)   // the normalised rows freed at once
    return Tensor.record(out, inputs: inputs) { g in
        let y = normalized()   // recomputed (same kernel, same values; mean and rstd rewritten identically)
        var grads: [Tensor?] = [nil, nil, nil, nil]
        if weight.requiresGrad {   // dW = Gᵀ y
            grads[3] = Tensor.make(weight.shape) {
                BLAS.gemm(transA: true, m: outF, n: inF, k: rows, a: g.ptr, lda: outF, b: y.ptr, ldb: inF, c: $0, ldc: inF)
            }
        }
        if let bias { grads.append(bias.requiresGrad ? Kernels.columnSums(g.ptr, rows: rows, cols: outF) : nil) }
        if x.requiresGrad || normWeight.requiresGrad || normBias.requiresGrad {
            // dy = G W, written over y (no longer needed), then the LayerNorm backward.
            BLAS.gemm(m: rows, n: inF, k: outF, a: g.ptr, lda: outF, b: weight.ptr, ldb: inF, c: y.ptr, ldc: inF)
            let norm = Kernels.layerNormGradients(y, x, normWeight, normBias, mean: mean, rstd: rstd)
            (grads[0], grads[1], grads[2]) = (norm[0], norm[1], norm[2])
        }
        return grads
    }
}
