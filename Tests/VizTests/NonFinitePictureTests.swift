import Engine
import Testing
@testable import Viz

/// Pictures of NaN values do not trap in the Float → UInt8 conversion.
struct NonFinitePictureTests {
    @Test func nanPixelsBecomeBlackInsteadOfTrapping() {
        var values = [Float](repeating: .nan, count: 3 * 4 * 4)
        values[0] = .infinity
        values[1] = -.infinity
        let image = TensorImages.rgb(Tensor(shape: [3, 4, 4], values), normalization: .imagenet)
        #expect(image.pixels.count == 48 && image.pixels[0] == 255 && image.pixels[3] == 0)
        let grey = TensorImages.grey([.nan, 0.5, .infinity, -1], width: 2, height: 2)
        #expect(grey.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255, 0, 0, 0])
    }
}
