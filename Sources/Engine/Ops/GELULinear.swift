// A linear layer applied to GELU(h), keeping only h for the backward pass.

/// `gelu(h) Wᵀ + b`, the second half of a transformer MLP (`fc2(gelu(fc1(x)))`), equal to
/// `linear(h.gelu(), weight, bias)` value for value.
///
/// Composed from the two ops, the backward pass would keep both GELU's output (the linear's input) and
/// GELU's slope, two hidden-sized tensors per MLP: a third of a ViT's activation memory. This op keeps h
/// alone and recomputes GELU and its slope (one exponential for both) when its pullback runs; the
/// recomputation is one elementwise pass, the memory saved is two hidden activations per block.
/// - Parameters:
///   - h: `[..., in]`, the pre-activation (fc1's output)
///   - weight: `[out, in]`
///   - bias: `[out]` or nil
/// - Returns: `[..., out]`
public func geluLinear(_ h: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
    guard GradMode.isEnabled && (h.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true) else {
        return linear(h.gelu(), weight, bias)
    }
    let (rows, outF, inF) = Kernels.linearShape(h, weight, bias, op: "geluLinear")
    let out = Kernels.linearForward(Kernels.map(h, .gelu), weight, bias, rows: rows)   // gelu(h) freed at once
    let inputs = bias.map { [h, weight, $0] } ?? [h, weight]
    return Tensor.record(out, inputs: inputs) { g in
        // a = gelu(h) and its slope, recomputed in one pass.
        let a = Tensor.make(h.shape) { _ in }, slope = Tensor.make(h.shape) { _ in }
        let ph = h.ptr, pa = a.ptr, ps = slope.ptr
        Parallel.forRanges(h.count) { r in Kernels.geluWithSlope(ph, pa, ps, r) }
        var grads: [Tensor?] = [nil, nil]
        if weight.requiresGrad {   // dW = Gᵀ a
            grads[1] = Tensor.make(weight.shape) {
                BLAS.gemm(transA: true, m: outF, n: inF, k: rows, a: g.ptr, lda: outF, b: pa, ldb: inF, c: $0, ldc: inF)
            }
        }
        if h.requiresGrad {        // dh = (G W) ∘ gelu'(h), written over a (no longer needed)
            BLAS.gemm(m: rows, n: inF, k: outF, a: g.ptr, lda: outF, b: weight.ptr, ldb: inF, c: pa, ldc: inF)
            Parallel.forRanges(h.count) { r in Kernels.apply(.mul, pa, ps, pa, r) }
            grads[0] = a
        }
        if let bias { grads.append(bias.requiresGrad ? Kernels.columnSums(g.ptr, rows: rows, cols: outF) : nil) }
        return grads
    }
}
