/// LayerNorm over the last axis, as `torch.nn.functional.layer_norm` (biased variance):
/// ```
/// y = (x − mean(x)) / sqrt(var(x) + eps) · weight + bias
/// ```
/// - Parameters:
///   - x: `[..., C]`
///   - weight, bias: `[C]`
///   - eps: 1e-6 throughout R-MAE.
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
    let c = x.shape.last ?? 0
    precondition(weight.shape == [c] && bias.shape == [c],
                 "layerNorm: weight \(weight.shape) / bias \(bias.shape) do not match input \(x.shape)")
    let rows = x.count / Swift.max(c, 1)
    let mean = Tensor.zeros([rows]), rstd = Tensor.zeros([rows])
    let out = Tensor.make(x.shape) {
        Kernels.layerNormForward(x.ptr, weight.ptr, bias.ptr, rows: rows, cols: c, eps: eps, out: $0,
                                 mean: mean.ptr, rstd: rstd.ptr)
    }
    return Tensor.record(out, inputs: [x, weight, bias]) { g in
        Kernels.layerNormGradients(g, x, weight, bias, mean: mean, rstd: rstd)
    }
}

extension Kernels {
    /// The LayerNorm pullback as tensors: `[dx, dweight, dbias]`, each nil where that input needs no gradient.
    /// `dout` is the gradient of the normalised output; `mean` and `rstd` are the forward's row statistics.
    static func layerNormGradients(_ dout: Tensor, _ x: Tensor, _ weight: Tensor, _ bias: Tensor,
                                   mean: Tensor, rstd: Tensor) -> [Tensor?] {
        let c = x.shape.last ?? 0, rows = x.count / Swift.max(c, 1)
        let dx: Tensor? = x.requiresGrad ? Tensor.zeros(x.shape) : nil
        var dw = [Double](repeating: 0, count: c), db = [Double](repeating: 0, count: c)
        let needW = weight.requiresGrad, needB = bias.requiresGrad
        dw.withUnsafeMutableBufferPointer { pw in
            db.withUnsafeMutableBufferPointer { pb in
                layerNormBackward(dout.ptr, x.ptr, weight.ptr, mean: mean.ptr, rstd: rstd.ptr, rows: rows, cols: c,
                                  dx: dx?.ptr, dweight: needW ? pw.baseAddress : nil, dbias: needB ? pb.baseAddress : nil)
            }
        }
        return [dx,
                needW ? Tensor(shape: [c], dw.map { Float($0) }) : nil,
                needB ? Tensor(shape: [c], db.map { Float($0) }) : nil]
    }
}
