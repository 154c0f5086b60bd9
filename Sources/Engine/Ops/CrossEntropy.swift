#if canImport(Glibc)
import Glibc
#endif

// Softmax cross-entropy over class scores with an ignored label (PyTorch `F.cross_entropy(ignore_index=…)`).

/// Mean softmax cross-entropy of `[M, C]` scores against `M` class ids, over the rows whose id is not
/// `ignoreIndex` (PyTorch `cross_entropy(logits, labels, ignore_index=ignoreIndex, reduction="mean")`).
/// Row losses are `logsumexp(z) − z[label]`, summed in Float64. With no counted row the loss is 0 (PyTorch
/// gives NaN) and so is the gradient. Differentiable in `logits`: `(softmax(z) − onehot) / counted`.
/// - Precondition: every id is `ignoreIndex` or in `0..<C`.
public func softmaxCrossEntropy(_ logits: Tensor, labels: [Int32], ignoreIndex: Int32 = 255) -> Tensor {
    precondition(logits.rank == 2, "softmaxCrossEntropy: logits must be [M, C], got \(logits.shape)")
    let (m, c) = (logits.shape[0], logits.shape[1])
    precondition(labels.count == m, "softmaxCrossEntropy: \(labels.count) labels for \(m) rows")
    precondition(c > 0, "softmaxCrossEntropy: no classes")
    for l in labels where l != ignoreIndex {
        precondition(l >= 0 && Int(l) < c, "softmaxCrossEntropy: label \(l) outside 0..<\(c) (ignore index \(ignoreIndex))")
    }
    let counted = labels.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
    let differentiated = GradMode.isEnabled && logits.requiresGrad
    let probabilities = differentiated ? Tensor.make(logits.shape) { _ in } : nil
    let pz = logits.ptr, ps = probabilities?.ptr
    let chunks = Swift.max(1, Swift.min(64, m / 1024))
    var partial = [Double](repeating: 0, count: chunks)
    labels.withUnsafeBufferPointer { pl in
        partial.withUnsafeMutableBufferPointer { sums in
            let sums = sums.baseAddress!
            Parallel.forRanges(chunks, grain: 1) { range in
                for chunk in range {
                    var total = 0.0
                    for row in (chunk * m / chunks)..<((chunk + 1) * m / chunks) {
                        let z = pz + row * c
                        var top = z[0]
                        for j in 1..<c { top = Swift.max(top, z[j]) }
                        var e = 0.0
                        for j in 0..<c { e += Double(expf(z[j] - top)) }
                        let label = pl[row]
                        if let ps {
                            let inv = Float(1 / e)
                            for j in 0..<c { ps[row * c + j] = expf(z[j] - top) * inv }
                        }
                        if label != ignoreIndex { total += log(e) + Double(top) - Double(z[Int(label)]) }
                    }
                    sums[chunk] = total
                }
            }
        }
    }
    let loss = counted == 0 ? 0 : partial.reduce(0, +) / Double(counted)
    let out = Tensor(Float(loss))
    guard let probabilities else { return out }
    return Tensor.record(out, inputs: [logits]) { [shape = logits.shape] g in
        let scale = counted == 0 ? 0 : g.scalars[0] / Float(counted)
        return [Tensor.make(shape) { d in
            let ps = probabilities.ptr
            labels.withUnsafeBufferPointer { pl in
                Parallel.forRanges(m, grain: Swift.max(1, 16384 / c)) { rows in
                    for row in rows {
                        let label = pl[row]
                        if label == ignoreIndex {
                            for j in 0..<c { d[row * c + j] = 0 }
                            continue
                        }
                        for j in 0..<c { d[row * c + j] = ps[row * c + j] * scale }
                        d[row * c + Int(label)] -= scale
                    }
                }
            }
        }]
    }
}
