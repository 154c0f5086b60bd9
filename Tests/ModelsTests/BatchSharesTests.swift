import Engine
import Models
import NN
import Testing
import TestSupport

/// A batch in shares of images, one thread each: the same losses and gradients as the whole batch, up to
/// float rounding, and the same bits every time.
@Suite struct BatchSharesTests {
    @Test func rangesCoverTheBatchInNearlyEqualParts() {
        #expect(BatchShares.ranges(batch: 10, shares: 3) == [0..<4, 4..<7, 7..<10])
        #expect(BatchShares.ranges(batch: 2, shares: 4) == [0..<1, 1..<2])
        #expect(BatchShares.ranges(batch: 5, shares: 1) == [0..<5])
    }

    /// Loss (weighted by share size) and gradients of a batch of 5 images in `shares` shares.
    static func gradients(shares: Int) throws -> (loss: Double, grads: [String: Tensor]) {
        let config = TestModelConfigs.small()
        let model = try RegionMAE(config: config, seed: 3)
        var rng = RandomGenerator(seed: 9, stream: .test)
        let b = 5, s = config.imgSize
        let images = Tensor.normal([b, 3, s, s], using: &rng)
        let regions = Tensor(shape: [b, config.numRegion, s, s], (0..<(b * config.numRegion * s * s)).map { _ in rng.uniform() > 0.5 ? 1 : 0 })
        let masking = Masking.random(batch: b, patches: config.numPatches, using: &rng)
        let (values, grads) = valueWithGradient(at: model, batch: b, shares: shares) { m, r in
            let out = m(images: images.slice(alongAxis: 0, r), regions: regions.slice(alongAxis: 0, r), masking: masking.images(r))
            let w = Float(r.count) / Float(b)
            return (out.loss * w, Double(out.loss.item) * Double(w))
        }
        return (values.reduce(0, +), grads)
    }

    @Test func sharesGiveTheWholeBatchGradient() throws {
        let whole = try Self.gradients(shares: 1)
        let split = try Self.gradients(shares: 2), again = try Self.gradients(shares: 2)
        #expect(abs(whole.loss - split.loss) < 1e-5 * abs(whole.loss))
        #expect(Set(whole.grads.keys) == Set(split.grads.keys))
        for (name, g) in whole.grads {
            let scale = g.scalars.map(abs).max() ?? 0
            expectClose(split.grads[name]!, g, atol: 1e-5 * max(scale, 1e-3), rtol: 0, name)
            #expect(split.grads[name]!.scalars == again.grads[name]!.scalars, "\(name): shares are deterministic")
        }
    }

    @Test func sharesKeepTheCallersGradientMode() {
        var seen = [Bool](repeating: true, count: 2)
        withoutGradient {
            seen.withUnsafeMutableBufferPointer { p in
                let p = p.baseAddress!
                Parallel.forShares(2) { share in p[share] = GradMode.isEnabled || !Parallel.isSerial }
            }
        }
        #expect(seen == [false, false])
    }
}
