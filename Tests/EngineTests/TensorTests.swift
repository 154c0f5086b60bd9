import Engine
import Testing
import TestSupport

@Suite struct TensorTests {
    @Test func valueSemanticsCopyOnWrite() {
        let a = Tensor(shape: [2, 2], [1, 2, 3, 4])
        var b = a
        b[0, 1] = 9
        #expect(a.scalars == [1, 2, 3, 4])
        #expect(b.scalars == [1, 9, 3, 4])
    }

    @Test func broadcastingMatchesNumPy() {
        let a = Tensor(shape: [2, 1], [1, 2]), b = Tensor(shape: [3], [10, 20, 30])
        #expect((a + b).shape == [2, 3])
        #expect((a + b).scalars == [11, 21, 31, 12, 22, 32])
        #expect((a * b).scalars == [10, 20, 30, 20, 40, 60])
    }

    @Test func gradientAccumulatesAndGraphIsReleased() {
        let x = Tensor(shape: [2], [1, 2]).watched()
        let y = (x * x * 3 + x).sum()   // dy/dx = 6x + 1
        y.backward()
        #expect(x.grad?.scalars == [7, 13])
        let z = withoutGradient { x * 2 }
        #expect(!z.requiresGrad)
    }

    @Test func permuteAndPatchifyRoundTrip() {
        let img = randomTensor([2, 3, 8, 8])
        let back = img.patchified(patch: 4).unpatchified(patch: 4, channels: 3)
        #expect(back.scalars == img.scalars)
    }

    /// REFERENCE.md §4: p = 2, C = 3, img[c, y, x] = (16c + 4y + x) / 10.
    @Test func patchifyOrderMatchesReference() {
        var v = [Float](repeating: 0, count: 3 * 4 * 4)
        for c in 0..<3 { for y in 0..<4 { for x in 0..<4 { v[(c * 4 + y) * 4 + x] = Float(16 * c + 4 * y + x) / 10 } } }
        let p = Tensor(shape: [1, 3, 4, 4], v).patchified(patch: 2)
        expectClose(Array(p.scalars[0..<12]), [0.0, 1.6, 3.2, 0.1, 1.7, 3.3, 0.4, 2.0, 3.6, 0.5, 2.1, 3.7], atol: 1e-6)
    }

    @Test func patchEmbedEqualsConvolution() {
        let img = randomTensor([1, 2, 4, 4], seed: 3), w = randomTensor([3, 2, 2, 2], seed: 4), b = randomTensor([3], seed: 5)
        let out = patchEmbed(img, weight: w, bias: b)   // (1, 4, 3)
        // direct convolution, kernel = stride = 2
        var expected = [Float]()
        for gy in 0..<2 { for gx in 0..<2 {
            for d in 0..<3 {
                var s = b[d]
                for c in 0..<2 { for i in 0..<2 { for j in 0..<2 { s += w[d, c, i, j] * img[0, c, gy * 2 + i, gx * 2 + j] } } }
                expected.append(s)
            }
        } }
        expectClose(out.scalars, expected, atol: 1e-5)
    }

    @Test func softmaxRowsSumToOneAndSurviveLargeLogits() {
        let x = Tensor(shape: [2, 3], [1000, 1001, 1002, -5, 0, 5]).softmax()
        for r in 0..<2 { #expect(abs(x[r, 0] + x[r, 1] + x[r, 2] - 1) < 1e-6) }
        #expect(!x.scalars.contains { $0.isNaN })
    }

    @Test func fusedAttentionMatchesComposedReference() {
        let (b, n, h, d) = (2, 9, 3, 4)
        let qkv = randomTensor([b, n, 3 * h * d], low: -2, high: 2)
        let parts = qkv.split(alongAxis: 2, sizes: [h * d, h * d, h * d])
        let fused = selfAttention(qkv, heads: h)
        let ref = referenceAttention(query: parts[0], key: parts[1], value: parts[2], heads: h)
        expectClose(fused, ref, atol: 1e-5, "self")
        let q = randomTensor([b, 4, h * d], seed: 2), kv = randomTensor([b, n, 2 * h * d], seed: 3)
        let kvParts = kv.split(alongAxis: 2, sizes: [h * d, h * d])
        expectClose(crossAttention(query: q, keyValue: kv, heads: h),
                    referenceAttention(query: q, key: kvParts[0], value: kvParts[1], heads: h), atol: 1e-5, "cross")
        let probs = selfAttentionProbabilities(qkv, heads: h)
        #expect(probs.shape == [b, h, n, n])
        #expect(abs(probs.sum().item - Float(b * h * n)) < 1e-3)
    }

    @Test func bceMatchesClosedFormAndGeluIsExact() {
        let z = Tensor(shape: [3], [-2, 0, 3]), y = Tensor(shape: [3], [1, 0, 1])
        let l = binaryCrossEntropyWithLogits(z, targets: y).scalars
        let expected: [Float] = [2.126928, 0.693147, 0.048587]
        expectClose(l, expected, atol: 1e-5)
        // torch.nn.GELU()(torch.tensor([-1., 0.5, 2.])) = [-0.158655, 0.345731, 1.954500]
        expectClose(Tensor(shape: [3], [-1, 0.5, 2]).gelu().scalars, [-0.158655, 0.345731, 1.954500], atol: 1e-5)
    }

    /// The fused mean over the last axis gives the composition's values and gradients (same kernels, same
    /// Float64 row sums), with and without weights, for widths on and off the SIMD width.
    @Test func meanBCEEqualsBCEThenMean() {
        for (shape, seed) in [([2, 3, 16], UInt64(3)), ([5, 7], 4), ([1, 257], 5)] {
            let count = shape.reduce(1, *)
            var rng = RandomGenerator(seed: seed, stream: .test)
            let y = Tensor(shape: shape, (0..<count).map { _ in rng.uniform() < 0.4 ? 1 : 0 })
            let w = Tensor(shape: shape, y.scalars.map { $0 == 1 ? 1 : 0.3 })
            for weight in [nil, w] {
                let z1 = randomTensor(shape, low: -6, high: 6, seed: seed).watched()
                let z2 = z1.detached().watched()
                let fused = meanBinaryCrossEntropyWithLogits(z1, targets: y, weight: weight)
                let composed = binaryCrossEntropyWithLogits(z2, targets: y, weight: weight).mean(alongAxis: -1)
                #expect(fused.shape == Array(shape.dropLast()))
                expectClose(fused, composed, atol: 1e-7, rtol: 1e-6, "value \(shape)")
                let g = randomTensor(fused.shape, seed: seed + 10)
                fused.backward(seed: g)
                composed.backward(seed: g)
                expectClose(z1.grad!, z2.grad!, atol: 1e-8, rtol: 1e-6, "gradient \(shape)")
            }
        }
        // Without a gradient: no probabilities kept, the same values.
        let z = randomTensor([3, 8], low: -4, high: 4, seed: 9), y = Tensor.full([3, 8], 1)
        expectClose(withoutGradient { meanBinaryCrossEntropyWithLogits(z, targets: y) },
                    binaryCrossEntropyWithLogits(z, targets: y).mean(alongAxis: 1), atol: 1e-7, "no-grad")
    }

    @Test func argsortIsStableAndInverts() {
        let v: [Float] = [0.5, 0.1, 0.5, 0.0, .nan, 0.1]
        #expect(argsortAscending(v) == [3, 1, 5, 0, 2, 4])
        let perm = [2, 0, 3, 1]
        let inv = inversePermutation(perm)
        #expect(perm.indices.allSatisfy { inv[perm[$0]] == $0 })
    }

    @Test func randomStreamsAreReproducibleAndIndependent() {
        var a = RandomGenerator(seed: 42, stream: .masking), b = RandomGenerator(seed: 42, stream: .masking)
        var c = RandomGenerator(seed: 42, stream: .data)
        let xa = (0..<8).map { _ in a.uniform() }, xb = (0..<8).map { _ in b.uniform() }, xc = (0..<8).map { _ in c.uniform() }
        #expect(xa == xb)
        #expect(xa != xc)
        #expect(xa.allSatisfy { $0 >= 0 && $0 < 1 })
        var n = RandomGenerator(seed: 1, stream: .test)
        let normals = (0..<20000).map { _ in n.normal() }
        let mean = normals.reduce(0, +) / Double(normals.count)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(normals.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
        #expect(Set(n.permutation(10)) == Set(0..<10))
    }
}
