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

    /// AdamW applied to each parameter as its gradient completes (during the backward pass) gives the same
    /// parameters and moments, bit for bit, as collecting all gradients and updating afterwards.
    @Test(arguments: [1, 2])
    func updateInBackwardEqualsUpdateAfter(shares: Int) throws {
        let config = TestModelConfigs.small()
        var rng = RandomGenerator(seed: 5, stream: .test)
        let b = 4, s = config.imgSize
        let images = Tensor.normal([b, 3, s, s], using: &rng)
        let regions = Tensor(shape: [b, config.numRegion, s, s], (0..<(b * config.numRegion * s * s)).map { _ in rng.uniform() > 0.5 ? 1 : 0 })
        let masking = Masking.random(batch: b, patches: config.numPatches, using: &rng)
        func loss(_ m: RegionMAE, _ r: Range<Int>) -> (Tensor, Void) {
            let out = m(images: images.slice(alongAxis: 0, r), regions: regions.slice(alongAxis: 0, r), masking: masking.images(r))
            return (out.loss * (Float(r.count) / Float(b)), ())
        }
        var after = try RegionMAE(config: config, seed: 2), during = after
        let optAfter = AdamW(learningRate: 1e-3), optDuring = AdamW(learningRate: 1e-3)
        for _ in 0..<2 {   // the second step has non-zero moments
            let grads = valueWithGradient(at: after, batch: b, shares: shares, loss).gradient
            #expect(optAfter.update(&after, along: grads) == 0)
            let update = optDuring.beginInPlaceUpdate(&during)
            let none = valueWithGradient(at: during, batch: b, shares: shares, onGradient: update.apply, loss).gradient
            #expect(none.isEmpty && update.nonFinite == 0)
            #expect(abs(update.gradientNorm - globalNorm(grads)) <= 1e-12 * globalNorm(grads))
        }
        let a = Dictionary(uniqueKeysWithValues: after.namedParameters().map { ($0.name, $0.value.scalars) })
        for (name, t) in during.namedParameters() {
            #expect(t.scalars == a[name]!, "\(name)")
            #expect(optDuring.firstMoment[name]!.scalars == optAfter.firstMoment[name]!.scalars, "\(name) m")
            #expect(optDuring.secondMoment[name]!.scalars == optAfter.secondMoment[name]!.scalars, "\(name) v")
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
