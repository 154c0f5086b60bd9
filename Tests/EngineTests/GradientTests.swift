import Engine
import Testing
import TestSupport

// Finite-difference gradient checks, one per differentiable op (central differences, eps 1e-2,
// loss = Σ f(x)·r for a fixed random r; tolerances |a−b| ≤ 1e-3 + 3e-3·|b| unless stated).

@Suite struct GradientTests {
    // MARK: arithmetic with broadcasting
    @Test(arguments: [([2, 3], [2, 3]), ([2, 3], [3]), ([4, 1, 3], [2, 1]), ([3], [])])
    func addSubMulDiv(a: [Int], b: [Int]) {
        let x = randomTensor(a, seed: 1), y = randomTensor(b, low: 0.5, high: 1.5, seed: 2)
        gradcheck([x, y], "add") { $0[0] + $0[1] }
        gradcheck([x, y], "sub") { $0[0] - $0[1] }
        gradcheck([x, y], "mul") { $0[0] * $0[1] }
        gradcheck([x, y], "div") { $0[0] / $0[1] }
    }

    @Test func scalarOps() {
        let x = randomTensor([3, 4], low: 0.5, high: 2)
        gradcheck([x], "x+s") { $0[0] + 1.5 }
        gradcheck([x], "s-x") { 2 - $0[0] }
        gradcheck([x], "x*s") { $0[0] * 3 }
        gradcheck([x], "x/s") { $0[0] / 4 }
        gradcheck([x], "s/x") { 2 / $0[0] }
        gradcheck([x], "neg") { -$0[0] }
        gradcheck([x], "exp") { $0[0].exp() }
        gradcheck([x], "log") { $0[0].log() }
        gradcheck([x], "sqrt") { $0[0].sqrt() }
        gradcheck([x], "squared") { $0[0].squared() }
        gradcheck([x], "broadcasted") { $0[0].reshaped([3, 1, 4]).broadcasted(to: [3, 2, 4]) }
    }

    // MARK: reductions
    @Test(arguments: [0, 1, 2, -1])
    func sumAndMean(axis: Int) {
        let x = randomTensor([2, 3, 4])
        gradcheck([x], "sum axis \(axis)") { $0[0].sum(alongAxis: axis) }
        gradcheck([x], "mean axis \(axis) keepdim") { $0[0].mean(alongAxis: axis, keepingDim: true) }
        gradcheck([x], "sum all") { $0[0].sum() }
        gradcheck([x], "mean all") { $0[0].mean() }
    }

    // MARK: layout
    @Test func reshapePermuteTranspose() {
        let x = randomTensor([2, 3, 4])
        gradcheck([x], "reshape") { $0[0].reshaped([6, -1]) }
        gradcheck([x], "permute") { $0[0].permuted([2, 0, 1]) }
        gradcheck([x], "transpose") { $0[0].transposed(0, 2) }
    }

    @Test func concatSplitSlice() {
        let x = randomTensor([2, 3, 4], seed: 1), y = randomTensor([2, 1, 4], seed: 2)
        gradcheck([x, y], "concat") { Tensor.concat([$0[0], $0[1]], alongAxis: 1) }
        gradcheck([x], "slice") { $0[0].slice(alongAxis: 2, 1..<3) }
        gradcheck([x], "split") { x in
            let parts = x[0].split(alongAxis: 1, sizes: [1, 2])
            return parts[0] * 2 + parts[1].sum(alongAxis: 1, keepingDim: true)
        }
    }

    @Test func gatherAndScatterRows() {
        let x = randomTensor([2, 5, 3])
        gradcheck([x], "gather (with a repeat)") { $0[0].gatheringRows([[4, 0, 2], [1, 1, 3]]) }
        let v = randomTensor([2, 3, 3])
        gradcheck([v], "scatter") { $0[0].scatteringRows([[4, 0, 2], [1, 3, 0]], rows: 5) }
    }

    // MARK: products
    @Test func matmulPlainAndBatched() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([4, 5], seed: 2)
        gradcheck([a, b], "matmul") { Tensor.matmul($0[0], $0[1]) }
        let c = randomTensor([2, 4, 5], seed: 3)
        gradcheck([a, c], "batched matmul") { Tensor.matmul($0[0], $0[1]) }
    }

    @Test(arguments: [true, false])
    func linearLayer(withBias: Bool) {
        let x = randomTensor([2, 3, 4], seed: 1), w = randomTensor([5, 4], seed: 2), b = randomTensor([5], seed: 3)
        if withBias {
            gradcheck([x, w, b], "linear") { linear($0[0], $0[1], $0[2]) }
        } else {
            gradcheck([x, w], "linear no bias") { linear($0[0], $0[1], nil) }
        }
    }

    @Test func geluLinearLayer() {
        let h = randomTensor([2, 3, 4], low: -3, high: 3, seed: 1), w = randomTensor([5, 4], seed: 2), b = randomTensor([5], seed: 3)
        gradcheck([h, w, b], "geluLinear") { geluLinear($0[0], $0[1], $0[2]) }
        gradcheck([h, w], "geluLinear no bias") { geluLinear($0[0], $0[1], nil) }
    }

    /// The fused op gives the composed op's values and gradients exactly (same kernels, same order).
    @Test func geluLinearEqualsComposition() {
        let h = randomTensor([3, 7, 24], low: -4, high: 4, seed: 4), w = randomTensor([10, 24], seed: 5)
        let b = randomTensor([10], seed: 6), r = randomTensor([3, 7, 10], seed: 7)
        func run(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [[Float]] {
            let (hw, ww, bw) = (h.watched(), w.watched(), b.watched())
            let y = f(hw, ww, bw)
            (y * r).sum().backward()
            return [y.scalars, hw.grad!.scalars, ww.grad!.scalars, bw.grad!.scalars]
        }
        let fused = run { geluLinear($0, $1, $2) }, composed = run { linear($0.gelu(), $1, $2) }
        for (f, c) in zip(fused, composed) { #expect(f == c) }
    }

    @Test func layerNormLinearLayer() {
        let x = randomTensor([2, 3, 6], low: -2, high: 2, seed: 1), nw = randomTensor([6], low: 0.5, high: 1.5, seed: 2)
        let nb = randomTensor([6], seed: 3), w = randomTensor([5, 6], seed: 4), b = randomTensor([5], seed: 5)
        gradcheck([x, nw, nb, w, b], "layerNormLinear") { layerNormLinear($0[0], normWeight: $0[1], normBias: $0[2], eps: 1e-6, $0[3], $0[4]) }
        gradcheck([x, nw, nb, w], "layerNormLinear no bias") { layerNormLinear($0[0], normWeight: $0[1], normBias: $0[2], eps: 1e-6, $0[3], nil) }
    }

    /// The fused op gives the composed ops' values and gradients exactly (same kernels, same order).
    @Test func layerNormLinearEqualsComposition() {
        let x = randomTensor([3, 7, 24], low: -4, high: 4, seed: 4), w = randomTensor([10, 24], seed: 5)
        let b = randomTensor([10], seed: 6), r = randomTensor([3, 7, 10], seed: 7)
        let nw = randomTensor([24], low: 0.5, high: 1.5, seed: 8), nb = randomTensor([24], seed: 9)
        func run(_ f: (Tensor, Tensor, Tensor, Tensor, Tensor) -> Tensor) -> [[Float]] {
            let (xw, ww, bw, nww, nbw) = (x.watched(), w.watched(), b.watched(), nw.watched(), nb.watched())
            let y = f(xw, ww, bw, nww, nbw)
            (y * r).sum().backward()
            return [y.scalars, xw.grad!.scalars, ww.grad!.scalars, bw.grad!.scalars, nww.grad!.scalars, nbw.grad!.scalars]
        }
        let fused = run { layerNormLinear($0, normWeight: $3, normBias: $4, eps: 1e-6, $1, $2) }
        let composed = run { linear(layerNorm($0, weight: $3, bias: $4, eps: 1e-6), $1, $2) }
        for (f, c) in zip(fused, composed) { #expect(f == c) }
    }

    @Test func patchEmbedding() {
        let img = randomTensor([2, 3, 4, 4], seed: 1), w = randomTensor([5, 3, 2, 2], seed: 2), b = randomTensor([5], seed: 3)
        gradcheck([img, w, b], "patchEmbed") { patchEmbed($0[0], weight: $0[1], bias: $0[2]) }
        gradcheck([img], "patchify") { $0[0].patchified(patch: 2) }
    }

    // MARK: normalisation and activations
    @Test func layerNormGradient() {
        let x = randomTensor([3, 2, 8], low: -2, high: 2, seed: 1)
        let w = randomTensor([8], low: 0.5, high: 1.5, seed: 2), b = randomTensor([8], seed: 3)
        gradcheck([x, w, b], atol: 3e-3, "layerNorm") { layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-6) }
    }

    @Test func activations() {
        let x = randomTensor([4, 6], low: -3, high: 3)
        gradcheck([x], "gelu") { $0[0].gelu() }
        gradcheck([x], "sigmoid") { $0[0].sigmoid() }
        gradcheck([x], "softmax") { $0[0].softmax() }
    }

    // MARK: losses
    @Test func losses() {
        let z = randomTensor([3, 5], low: -3, high: 3, seed: 1)
        var rng = RandomGenerator(seed: 5, stream: .test)
        let y = Tensor(shape: [3, 5], (0..<15).map { _ in rng.uniform() < 0.5 ? 0 : 1 })
        let w = Tensor(shape: [3, 5], y.scalars.map { $0 == 1 ? 1 : 0.5 })
        gradcheck([z], "bce") { binaryCrossEntropyWithLogits($0[0], targets: y) }
        gradcheck([z], "bce weighted") { binaryCrossEntropyWithLogits($0[0], targets: y, weight: w) }
        gradcheck([z], "mean bce") { meanBinaryCrossEntropyWithLogits($0[0], targets: y) }
        gradcheck([z], "mean bce weighted") { meanBinaryCrossEntropyWithLogits($0[0], targets: y, weight: w) }
        let t = randomTensor([3, 5], seed: 9)
        gradcheck([z, t], "mse") { meanSquaredError($0[0], $0[1]) }
    }

    // MARK: attention
    @Test(arguments: [(1, 5, 2, 4), (2, 7, 3, 2), (1, 8, 2, 2)])
    func selfAttentionGradient(b: Int, n: Int, h: Int, d: Int) {
        let qkv = randomTensor([b, n, 3 * h * d], low: -2, high: 2)
        gradcheck([qkv], "selfAttention") { selfAttention($0[0], heads: h) }
    }

    @Test func crossAttentionGradient() {
        let q = randomTensor([2, 3, 8], low: -2, high: 2, seed: 1), kv = randomTensor([2, 5, 16], low: -2, high: 2, seed: 2)
        gradcheck([q, kv], "crossAttention") { crossAttention(query: $0[0], keyValue: $0[1], heads: 2) }
    }

    @Test func valueUsedTwiceAccumulates() {
        let x = randomTensor([3])
        gradcheck([x], "x*x + x") { $0[0] * $0[0] + $0[0] }
    }
}

@Suite struct KeptPatchTests {
    @Test func keptPatchesEqualAllPatchesGathered() {
        let img = randomTensor([2, 3, 8, 8], seed: 3)
        let keep = [[3, 0, 2], [1, 3, 0]]
        #expect(img.convPatches(patch: 4, keep: keep).scalars == img.convPatches(patch: 4).gatheringRows(keep).scalars)
        gradcheck([img], "convPatches(keep:)") { $0[0].convPatches(patch: 4, keep: keep) }
        let table = randomTensor([4, 5], seed: 4)
        #expect(table.tableRows(keep).scalars == table.reshaped([1, 4, 5]).broadcasted(to: [2, 4, 5]).gatheringRows(keep).scalars)
    }
}
