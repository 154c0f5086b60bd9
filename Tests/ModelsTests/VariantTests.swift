import Models
import NN
import Testing
import TestSupport

/// The paper's three region-branch designs and the two-way feeding (REFERENCE.md §13).
@Suite struct VariantTests {
    static func config(_ variant: RegionVariant, feeding: Feeding = .regionFromPixel) -> ModelConfig {
        var c = ModelStructureTests.configX()
        c.variant = variant
        c.feeding = feeding
        return c
    }

    static func inputs(k: Int = 3) -> (Tensor, Tensor, Masking) {
        let images = randomTensor([2, 3, 32, 32], seed: 1)
        let regions = Tensor(shape: [2, k, 32, 32], randomTensor([2, k, 32, 32], low: 0, high: 1, seed: 2).scalars.map { $0 < 0.4 ? 1 : 0 })
        var rng = RandomGenerator(seed: 3, stream: .test)
        return (images, regions, Masking.random(batch: 2, patches: 16, using: &rng))
    }

    /// Swaps regions 0 and 2 of every image.
    static func swapped(_ regions: Tensor) -> Tensor {
        let parts = regions.split(alongAxis: 1, sizes: [1, 1, 1])
        return Tensor.concat([parts[2], parts[1], parts[0]], alongAxis: 1)
    }

    @Test(arguments: [RegionVariant.length, .batch])
    func equivariantInTheRegions(variant: RegionVariant) throws {
        let model = try RegionMAE(config: Self.config(variant), seed: 5)
        let (images, regions, masking) = Self.inputs()
        let a = withoutGradient { model(images: images, regions: regions, masking: masking) }
        let b = withoutGradient { model(images: images, regions: Self.swapped(regions), masking: masking) }
        expectClose(Self.swapped(a.predRegion!), b.predRegion!, atol: 1e-5, "\(variant) swapped outputs")
        #expect(abs(a.loss.item - b.loss.item) < 1e-5)
    }

    @Test func channelVariantIsNotEquivariant() throws {
        let model = try RegionMAE(config: Self.config(.channel), seed: 5)
        let (images, regions, masking) = Self.inputs()
        let a = withoutGradient { model(images: images, regions: regions, masking: masking) }
        let b = withoutGradient { model(images: images, regions: Self.swapped(regions), masking: masking) }
        #expect(a.predRegion!.shape == [2, 3, 16, 64])
        let diff = zip(Self.swapped(a.predRegion!).scalars, b.predRegion!.scalars).map { abs($0 - $1) }.max()!
        #expect(diff > 1e-3)
    }

    @Test(arguments: [RegionVariant.length, .channel, .batch])
    func everyParameterLearnsWithTwoWayFeeding(variant: RegionVariant) throws {
        let model = try RegionMAE(config: Self.config(variant, feeding: .twoWay), seed: 7)
        let (images, regions, masking) = Self.inputs()
        let (loss, grads) = valueWithGradient(at: model) { $0(images: images, regions: regions, masking: masking).loss }
        #expect(loss.item.isFinite)
        for (name, _) in model.namedParameters() {
            let g = try #require(grads[name])
            #expect(g.scalars.contains { $0 != 0 }, "\(variant): '\(name)' gets no gradient")
            #expect(!g.scalars.contains { $0.isNaN })
        }
        #expect(model.namedParameters().contains { $0.name == "region_to_pixel.weight" })
    }
}
