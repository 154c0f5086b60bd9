import Engine
import Regions
import Testing
import TestSupport
@testable import Viz

@Suite struct ModelImageTests {
    @Test func normalisationRoundTripsThroughTheRGBConversion() {
        let photo = InferenceFixtures.photo(width: 32, height: 32, box: (8, 8, 12, 10))
        let view = ModelImage(photo, size: 32, normalization: .imagenet)
        #expect(view.tensor.shape == [1, 3, 32, 32])
        #expect(view.resized == photo)
        #expect(TensorImages.rgb(view.tensor, normalization: .imagenet) == photo)
    }

    @Test func resizesToTheModelViewAndKeepsTheInputSize() {
        let view = ModelImage(InferenceFixtures.photo(width: 64, height: 48, box: (0, 0, 10, 10)), size: 32, normalization: .imagenet)
        #expect((view.inputWidth, view.inputHeight, view.size) == (64, 48, 32))
        #expect(view.tensor.shape == [1, 3, 32, 32])
        let values = view.tensor.scalars
        #expect(values.allSatisfy { $0 > -2.2 && $0 < 2.7 })   // (0 − 0.485)/0.229 … (1 − 0.406)/0.225
    }

    @Test(arguments: [
        (0.0, 0.0, 0), (63.9, 47.9, 15), (16.0, 12.0, 5), (15.9, 11.9, 0), (40.0, 30.0, 10), (63.0, 0.0, 3),
    ])
    func inputPixelsMapToPatches(x: Double, y: Double, patch: Int) {
        // 64×48 input, 32 px model view, patch 8: model x = x/2, model y = y·2/3.
        let view = ModelImage(InferenceFixtures.photo(width: 64, height: 48, box: (0, 0, 1, 1)), size: 32, normalization: .imagenet)
        #expect(view.patch(x: x, y: y, patchSize: 8) == patch)
    }

    @Test func nearestResizeKeepsLabelsAndAlignsCentres() {
        let labels: [Int32] = [1, 2, 3, 4]                     // 2×2
        #expect(nearestResized(labels, width: 2, height: 2, toWidth: 4, toHeight: 4)
                == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        let big = (0..<16).map { Int32($0) }                   // 4×4 → 2×2 picks pixel centres 1 and 3
        #expect(nearestResized(big, width: 4, height: 4, toWidth: 2, toHeight: 2) == [5, 7, 13, 15])
    }
}
