import NN
import Testing
import TestSupport

@Suite struct ModuleTests {
    @Test func blockKeysAreTimmStateDictKeys() {
        var rng = RandomGenerator(seed: 0, stream: .initialization)
        let block = Block(8, heads: 2, using: &rng)
        let names = block.namedParameters().map(\.name)
        #expect(names == ["norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
                          "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias",
                          "mlp.fc2.weight", "mlp.fc2.bias"])
        #expect(block.parameterCount == 2 * 8 + (24 * 8 + 24) + (8 * 8 + 8) + 2 * 8 + (32 * 8 + 32) + (8 * 32 + 8))
    }

    @Test func everyParameterGetsAGradientAndLoadingChecksShapes() throws {
        var rng = RandomGenerator(seed: 0, stream: .initialization)
        let block = Block(8, heads: 2, using: &rng)
        let x = randomTensor([2, 5, 8])
        let (value, grads) = valueWithGradient(at: block) { $0(x).squared().mean() }
        #expect(value.item.isFinite)
        for (name, p) in block.namedParameters() {
            let g = try #require(grads[name])
            #expect(g.shape == p.shape)
            #expect(g.scalars.contains { $0 != 0 }, "\(name) got an all-zero gradient")
        }
        var params = Dictionary(uniqueKeysWithValues: block.namedParameters().map { ($0.name, $0.value) })
        params["attn.qkv.weight"] = .zeros([3, 3])
        #expect(throws: ParameterLoadingError.self) { try block.loading(params) }
        params["attn.qkv.weight"] = nil
        #expect(throws: ParameterLoadingError.self) { try block.loading(params) }
    }

    @Test func modulesAreValues() {
        var rng = RandomGenerator(seed: 0, stream: .initialization)
        let a = Linear(3, 2, using: &rng)
        var b = a
        b.weight = b.weight * 2
        #expect(a.weight.scalars != b.weight.scalars)
        #expect(a.bias!.scalars == [0, 0])
        let bound = (6.0 / Float(3 + 2)).squareRoot()
        #expect(a.weight.scalars.allSatisfy { abs($0) <= bound })
    }

    /// The block equals the same block composed from primitives, with the reference attention.
    @Test func blockMatchesComposedReference() {
        var rng = RandomGenerator(seed: 3, stream: .initialization)
        let blk = Block(12, heads: 3, using: &rng)
        let x = randomTensor([2, 6, 12])
        let h = layerNorm(x, weight: blk.norm1.weight, bias: blk.norm1.bias, eps: 1e-6)
        let qkv = linear(h, blk.attn.qkv.weight, blk.attn.qkv.bias).split(alongAxis: 2, sizes: [12, 12, 12])
        let a = linear(referenceAttention(query: qkv[0], key: qkv[1], value: qkv[2], heads: 3), blk.attn.proj.weight, blk.attn.proj.bias)
        let y = x + a
        let m = linear(linear(layerNorm(y, weight: blk.norm2.weight, bias: blk.norm2.bias, eps: 1e-6),
                              blk.mlp.fc1.weight, blk.mlp.fc1.bias).gelu(), blk.mlp.fc2.weight, blk.mlp.fc2.bias)
        expectClose(blk(x), y + m, atol: 1e-5)
        let c = CrossAttention(12, memoryDim: 6, heads: 3, using: &rng)
        #expect(c(x, memory: randomTensor([2, 4, 6])).shape == [2, 6, 12])
    }
}
