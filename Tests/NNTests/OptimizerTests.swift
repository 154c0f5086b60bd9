import NN
import Testing
import TestSupport

/// Expected numbers come from torch 2.13 via scripts/reference/adamw_schedule.py.
@Suite struct OptimizerTests {
    struct Toy: Module {
        var w: Tensor
        var b: Tensor
        mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
            try body(prefix + "w", &w)
            try body(prefix + "bias", &b)
        }
    }

    @Test func adamWMatchesTorch() {
        var model = Toy(w: Tensor(shape: [2, 3], [0.5, -1.0, 2.0, 0.25, 0.0, -0.75]), b: Tensor(shape: [3], [0.1, -0.2, 0.3]))
        let opt = AdamW(learningRate: 0.01)
        let grads: [([Float], [Float])] = [
            ([0.3, -0.1, 0.05, 1.0, -2.0, 0.0], [0.5, 0.0, -0.25]),
            ([-0.2, 0.4, 0.1, 0.5, 0.5, -1.5], [-0.1, 0.2, 0.3]),
            ([0.0, 0.0, 1.0, -0.3, 0.2, 0.1], [0.05, -0.05, 0.0]),
        ]
        for ((gw, gb), lr) in zip(grads, [Float(0.01), 0.02, 0.005]) {
            opt.learningRate = lr
            opt.update(&model, along: ["w": Tensor(shape: [2, 3], gw), "bias": Tensor(shape: [3], gb)])
        }
        #expect(opt.weightDecay(for: "w", shape: [2, 3]) == 0.05)
        #expect(opt.weightDecay(for: "bias", shape: [3]) == 0)
        expectClose(model.w.scalars, [0.48566561937332153, -1.0014952421188354, 1.9638570547103882,
                                      0.21809671819210052, 0.021013477817177773, -0.7313346266746521], atol: 2e-7, "w")
        expectClose(model.b.scalars, [0.0773254781961441, -0.21671214699745178, 0.30658918619155884], atol: 2e-7, "b")
    }

    @Test func officialWeightDecayGrouping() {
        #expect(AdamW.officialNoDecay("blocks.0.norm1.weight", [768]))
        #expect(AdamW.officialNoDecay("blocks.0.attn.qkv.bias", [2304]))
        #expect(!AdamW.officialNoDecay("blocks.0.attn.qkv.weight", [2304, 768]))
        #expect(!AdamW.officialNoDecay("cls_token", [1, 1, 768]))
        #expect(!AdamW.officialNoDecay("patch_embed.proj.weight", [768, 3, 16, 16]))
    }

    @Test func clippingMatchesTorch() {
        var g = ["p": Tensor(shape: [5], [3, -4, 0, 12, 0])]
        let norm = clipGradients(&g, maxNorm: 2)
        #expect(norm == 13)
        expectClose(g["p"]!.scalars, [0.4615384340286255, -0.615384578704834, 0.0, 1.846153736114502, 0.0], atol: 1e-7)
        var small = ["p": Tensor(shape: [2], [0.1, 0.1])]
        clipGradients(&small, maxNorm: 2)
        #expect(small["p"]!.scalars == [0.1, 0.1])
    }

    /// REFERENCE.md §10.3 values for peak 2.4e-3, warm-up 12000, total 144000.
    @Test func warmupCosineSchedule() {
        let s = WarmupCosineSchedule(peak: WarmupCosineSchedule.peak(baseLearningRate: 1.5e-4, globalBatch: 4096),
                                     warmupUpdates: 12000, totalUpdates: 144000)
        let expected = [0.0, 2e-07, 0.0012, 0.0024, 0.0012, 0.0]
        for (u, e) in zip([0, 1, 6000, 12000, 78000, 144000], expected) {
            #expect(abs(s(u) - e) < 1e-12, "lr(\(u)) = \(s(u)), expected \(e)")
        }
    }

    @Test func gradientAccumulationEqualsFullBatch() {
        // loss = mean over 4 rows of (x·w)²; two micro-batches of 2 rows, each loss / 2.
        let x = randomTensor([4, 3], seed: 1)
        let model = Toy(w: randomTensor([3, 1], seed: 2), b: Tensor.zeros([1]))
        func loss(_ m: Toy, _ rows: Range<Int>) -> Tensor {
            (Tensor.matmul(x.slice(alongAxis: 0, rows), m.w) + m.b).squared().mean()
        }
        let full = valueWithGradient(at: model) { loss($0, 0..<4) }.gradient
        var acc = GradientAccumulator()
        acc.add(valueWithGradient(at: model) { loss($0, 0..<2) }.gradient, scale: 0.5)
        acc.add(valueWithGradient(at: model) { loss($0, 2..<4) }.gradient, scale: 0.5)
        #expect(acc.microBatches == 2)
        expectClose(acc.sum["w"]!, full["w"]!, atol: 1e-6)
        expectClose(acc.sum["bias"]!, full["bias"]!, atol: 1e-6)
    }
}
