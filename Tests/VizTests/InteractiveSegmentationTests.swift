import Engine
import Models
import Regions
import Testing
import TestSupport
@testable import Viz

@Suite struct InteractiveSegmentationTests {
    static let view = ModelImage(InferenceFixtures.photo(width: 64, height: 64, box: (8, 8, 30, 24)), size: 32, normalization: .imagenet)

    @Test func pointsBecomeDistinctWholePatches() {
        let prompt = SegmentationPrompt.points([(x: 20, y: 20), (x: 22, y: 23), (x: 40, y: 20)], image: Self.view, patchSize: 8)
        #expect(prompt.patches == [5, 6])                      // both first points fall in patch (1, 1)
        #expect(prompt.region.count == 32 * 32)
        #expect(prompt.region.reduce(0, +) == 128)              // two 8×8 patches of ones
        #expect(prompt.region[8 * 32 + 8] == 1 && prompt.region[0] == 0)
    }

    @Test func hintMaskSelectsThePatchesItTouches() throws {
        var hint = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<4 { for x in 0..<40 { hint[3 * ((20 + y) * 64 + x)] = 255 } }   // a stroke across row 10–11 (model)
        let prompt = try #require(SegmentationPrompt.hint(RGBImage(width: 64, height: 64, pixels: hint), size: 32, patchSize: 8))
        #expect(prompt.patches == [4, 5, 6])
        #expect(prompt.region.reduce(0, +) == 2 * 20)
        #expect(SegmentationPrompt.hint(RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: 100, count: 48)), size: 32, patchSize: 8) == nil)
    }

    @Test(arguments: [RegionVariant.length, .batch, .channel])
    func predictionIsAProbabilityMapAndOnlyThePromptIsRead(variant: RegionVariant) throws {
        let model = try InferenceFixtures.model(variant: variant)
        let prompt = SegmentationPrompt.filling([5, 6, 9], size: 32, patchSize: 8)
        let a = InteractiveSegmentation.predict(model: model, image: Self.view.tensor, prompt: prompt)
        #expect(a.probabilities.count == 32 * 32)
        #expect(a.probabilities.allSatisfy { $0 >= 0 && $0 <= 1 })
        let mask = a.mask(threshold: 0.5)
        #expect(mask.allSatisfy { $0 == 0 || $0 == 1 })
        for pix in [8 * 32 + 8, 15 * 32 + 23, 16 * 32 + 8] { #expect(mask[pix] == 1) }   // pasted prompt patches
        #expect(a.mask(threshold: 1.01).reduce(0, +) == 3 * 64)                           // only the prompt remains
        // Values outside the prompt patches never reach the model.
        var other = prompt
        for i in 0..<(8 * 32) { other.region[i] = 1 }            // top patch row: not in the prompt
        let b = InteractiveSegmentation.predict(model: model, image: Self.view.tensor, prompt: other)
        #expect(a.probabilities == b.probabilities)
    }

    @Test func pictureHasFourCaptionedPanels() throws {
        let model = try InferenceFixtures.model()
        let prompt = SegmentationPrompt.filling([5], size: 32, patchSize: 8)
        let prediction = InteractiveSegmentation.predict(model: model, image: Self.view.tensor, prompt: prompt)
        let canvas = SegmentationPicture.render(prediction, photo: Self.view.resized, threshold: 0.5, title: "T")
        #expect(canvas.height == 14 + 20 + 32 + 4)
        #expect(canvas.width >= 4 * 36)
        // Prompt patch (1, 1) outlined in green on the first panel.
        let i = ((14 + 20 + 8) * canvas.width + 4 + 8) * 3
        #expect(Array(canvas.pixels[i..<(i + 3)]) == [0, 255, 0])
    }
}
