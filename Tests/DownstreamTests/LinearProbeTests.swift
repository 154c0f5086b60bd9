import Data
import Engine
import Foundation
import Models
import Regions
import Testing
import TestSupport
@testable import Downstream
import Viz

@Suite struct LinearProbeTests {
    @Test func choleskySolvesASmallSystem() {
        // A = [[4, 2], [2, 3]], b = [2, 1] → x = [0.5, 0]
        let x = LogisticRegression.choleskySolve([4, 2, 2, 3], [2, 1], size: 2)!
        #expect(abs(x[0] - 0.5) < 1e-12 && abs(x[1]) < 1e-12)
        #expect(LogisticRegression.choleskySolve([1, 2, 2, 1], [1, 1], size: 2) == nil)   // not positive definite
    }

    /// At the minimum the gradient vanishes: (1/n) Σ (σ(zᵢ) − yᵢ) xᵢ + λ w = 0, and (1/n) Σ (σ(zᵢ) − yᵢ) = 0.
    @Test func fitReachesTheStationaryPoint() {
        var rng = RandomGenerator(seed: 4, stream: .test)
        let (n, d, l2) = (300, 3, 0.01)
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<n {
            let row = (0..<d).map { _ in Float(rng.normal()) }
            let z = 2 * Double(row[0]) - Double(row[1]) + 0.5 + rng.normal()
            x += row
            y.append(z > 0 ? 1 : 0)
        }
        let model = LogisticRegression.fit(features: x, labels: y, dimension: d, l2: l2)
        var g = [Double](repeating: 0, count: d + 1)
        for i in 0..<n {
            let r = model.probability(x[(i * d)..<((i + 1) * d)]) - Double(y[i])
            for a in 0..<d { g[a] += r * Double(x[i * d + a]) / Double(n) }
            g[d] += r / Double(n)
        }
        for a in 0..<d { g[a] += l2 * model.weights[a] }
        #expect(g.allSatisfy { abs($0) < 1e-8 }, "gradient \(g)")
        #expect(model.weights[0] > 1 && model.weights[1] < -0.4 && abs(model.weights[2]) < 0.3)
        #expect(model.iterations < 20)
    }

    /// Images whose foreground patches have their own colour: the probe finds them (on any encoder); with
    /// labels that have nothing to do with the pixels it cannot.
    static func images(count: Int, randomLabels: Bool) -> [LinearProbe.Image] {
        var rng = RandomGenerator(seed: randomLabels ? 8 : 7, stream: .test)
        let (s, p, g) = (32, 8, 4)
        return (0..<count).map { i in
            let foreground = (0..<(g * g)).map { _ in rng.uniform() < 0.4 }
            let shown = randomLabels ? (0..<(g * g)).map { _ in rng.uniform() < 0.4 } : foreground
            var pixels = [UInt8](repeating: 0, count: s * s * 3)
            var mask = [Float](repeating: 0, count: s * s)
            for y in 0..<s { for x in 0..<s {
                let patch = (y / p) * g + x / p, at = 3 * (y * s + x)
                let rgb: [Int] = shown[patch] ? [230, 30 + rng.int(below: 20), 40] : (0..<3).map { _ in 60 + rng.int(below: 120) }
                for c in 0..<3 { pixels[at + c] = UInt8(rgb[c]) }
                mask[y * s + x] = foreground[patch] ? 1 : 0
            } }
            return LinearProbe.Image(name: "image_\(i)", view: ModelImage.normalized(RGBImage(width: s, height: s, pixels: pixels), .imagenet),
                                     foreground: mask)
        }
    }

    @Test func probeFindsColouredPatchesAndNotRandomLabels() throws {
        let model = try RegionMAE(config: TestModelConfigs.small(), seed: 2)
        let probe = LinearProbe(seed: 1, l2: 1e-3)
        let known = try probe.run(model: model, images: Self.images(count: 16, randomLabels: false))
        let random = try probe.run(model: model, images: Self.images(count: 16, randomLabels: true))
        #expect(known.encoder.mIoU > 0.9, "coloured patches: \(known.encoder)")
        #expect(random.encoder.mIoU < known.encoder.mIoU - 0.3, "random labels: \(random.encoder)")
        #expect(known.trainImages == 8 && known.testImages == 8 && known.featureDimension == 32)
        #expect(known.patchCeilingMIoU == 1)   // labels are whole patches
        #expect(known.allBackgroundMIoU == 0 || known.allBackgroundMIoU < 0.2)
        #expect(known.allForegroundMIoU > 0.1 && known.allForegroundMIoU < 0.7)
        #expect(known.table.contains("random encoder"))
        // Fixed split and seed: the same report again.
        #expect(try probe.run(model: model, images: Self.images(count: 16, randomLabels: false)) == known)
    }

    @Test func splitIsAFixedHalving() {
        let probe = LinearProbe(seed: 3)
        let (train, test) = probe.split(11)
        #expect(train.count == 5 && test.count == 6)
        #expect(Set(train + test) == Set(0..<11))
        #expect(probe.split(11).train == train)
        #expect(LinearProbe(seed: 4).split(11).train != train)
    }

    @Test func patchLabelsTakeTheMajority() {
        // 4×4 image, patch 2: patch 0 has 2 of 4 foreground pixels (half → foreground), patch 1 has 1.
        let fg: [Float] = [1, 1, 1, 0,
                           0, 0, 0, 0,
                           0, 0, 1, 1,
                           0, 0, 1, 1]
        #expect(LinearProbe.patchLabels(fg, size: 4, patchSize: 2) == [1, 0, 0, 1])
        #expect(LinearProbe.upsampled([1, 0, 0, 1], size: 4, patchSize: 2) == [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1])
    }

    @Test func timmKeysRebuildTheSameEncoder() throws {
        var c = TestModelConfigs.small()
        c.numHeads = 4
        let model = try RegionMAE(config: c, seed: 5)
        let timmKeys = ["cls_token", "pos_embed", "patch_embed.", "blocks.", "norm."]
        let tensors = model.stateDict.filter { key, _ in timmKeys.contains { key == $0 || ($0.hasSuffix(".") && key.hasPrefix($0)) } }
        let weights = try EncoderWeights(tensors, heads: 4)
        #expect(weights.config.imgSize == 32 && weights.config.patchSize == 8 && weights.config.embedDim == 32)
        #expect(weights.config.depth == 2 && weights.config.mlpRatio == 4 && weights.config.numRegion == 0)
        let rebuilt = try weights.model()
        let images = randomTensor([2, 3, 32, 32], seed: 9)
        expectClose(LinearProbe.patchFeatures(rebuilt, images: images, positions: weights.positions),
                    LinearProbe.patchFeatures(model, images: images), atol: 1e-5, "features")
        // The features are the encoder's output with every patch visible, cls dropped.
        let full = withoutGradient { model.encode(images, keep: [[Int]](repeating: Array(0..<16), count: 2)) }
        expectClose(LinearProbe.patchFeatures(model, images: images), full.slice(alongAxis: 1, 1..<17), atol: 1e-6, "encode")
        // Heads from the stored configuration win over the default width / 64.
        #expect(try EncoderWeights(tensors, stored: c).config.numHeads == 4)
        #expect(try EncoderWeights(tensors).config.numHeads == 1)
        var broken = tensors
        broken["pos_embed"] = Tensor.zeros([1, 15, 32])
        #expect(throws: EncoderWeights.Problem.self) { try EncoderWeights(broken) }
        broken = tensors
        broken["blocks.1.norm1.weight"] = nil
        #expect(throws: EncoderWeights.Problem.self) { try EncoderWeights(broken, heads: 4).model() }
    }
}
