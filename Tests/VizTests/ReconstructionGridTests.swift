import Engine
import Models
import Testing
import TestSupport
import Viz

@Suite struct ReconstructionGridTests {

    @Test func gridShowsMaskedReconstructionOriginalAndRegions() throws {
        let c = TestModelConfigs.tiny()
        let model = try RegionMAE(config: c, seed: 1)
        let images = randomTensor([2, 3, 16, 16], seed: 4)
        let regions = Tensor(shape: [2, 2, 16, 16], (0..<(2 * 2 * 256)).map { Float(($0 / 16) % 2) })
        var rng = RandomGenerator(seed: 2, stream: .test)
        let masking = Masking.random(batch: 2, patches: 16, using: &rng)
        let out = withoutGradient { model(images: images, regions: regions, masking: masking) }
        let canvas = ReconstructionGrid.render(images: images, regions: regions, output: out, config: c)
        #expect(canvas.width > 7 * 16 && canvas.height >= 2 * 16)
        // The original tile (third column) is the de-normalised image.
        let original = TensorImages.rgb(images, index: 0, normalization: .imagenet)
        let tile = max(16, Canvas.textWidth("RECONSTRUCTION") + 4), gap = 4, top = 14
        let x0 = gap + 2 * (tile + gap)
        for (y, x) in [(0, 0), (5, 7), (15, 15)] {
            let d = ((top + y) * canvas.width + x0 + x) * 3, s = (y * 16 + x) * 3
            #expect(Array(canvas.pixels[d..<(d + 3)]) == Array(original.pixels[s..<(s + 3)]))
        }
        // A masked patch of the first tile shows the dataset mean colour (normalised value 0).
        let maskedPatch = out.mask.scalars.firstIndex(of: 1)!
        let (py, px) = (maskedPatch / 4 * 4, maskedPatch % 4 * 4)
        let d = ((top + py) * canvas.width + gap + px) * 3
        #expect(Array(canvas.pixels[d..<(d + 3)]) == [124, 116, 104])
    }

    @Test func thresholdedRegionPanelIsBinaryAndMatchesTheLogits() throws {
        let c = TestModelConfigs.tiny()
        let model = try RegionMAE(config: c, seed: 1)
        let images = randomTensor([1, 3, 16, 16], seed: 5)
        let regions = Tensor(shape: [1, 2, 16, 16], (0..<(2 * 256)).map { Float(($0 % 16) / 8) })
        var rng = RandomGenerator(seed: 3, stream: .test)
        let masking = Masking.random(batch: 1, patches: 16, using: &rng)
        let out = withoutGradient { model(images: images, regions: regions, masking: masking) }
        let canvas = ReconstructionGrid.render(images: images, regions: regions, output: out, config: c)
        let tile = max(16, Canvas.textWidth("RECONSTRUCTION") + 4), gap = 4, top = 14
        // columns: masked, reconstruction, original, masked region, predicted, predicted > 0.5, region, all
        let x0 = gap + 5 * (tile + gap)
        let logits = out.predRegion!.scalars   // [1, 2, 16, 16] patch layout, region 0 first
        var values = Set<UInt8>()
        for y in 0..<16 { for x in 0..<16 {
            let d = ((top + y) * canvas.width + x0 + x) * 3
            values.insert(canvas.pixels[d])
            let logit = logits[((y / 4) * 4 + x / 4) * 16 + (y % 4) * 4 + x % 4]
            #expect(canvas.pixels[d] == (logit >= 0 ? 255 : 0))
        } }
        #expect(values.isSubset(of: [0, 255]))
    }

    @Test func fontCoversCaptions() {
        var canvas = Canvas(width: 200, height: 10)
        let w = canvas.text("Masked region 0.75: (k=8)", x: 0, y: 0)
        #expect(w == Canvas.textWidth("Masked region 0.75: (k=8)"))
        #expect(canvas.pixels.contains(0))
    }
}
