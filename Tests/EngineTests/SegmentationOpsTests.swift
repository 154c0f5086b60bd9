import Engine
import Foundation
import Testing
import TestSupport

// The ops of segmentation fine-tuning against PyTorch 2.13 values (F.interpolate bilinear align_corners=False on
// the NCHW permutation; F.cross_entropy with ignore_index), and their gradients by finite differences.
@Suite struct SegmentationOpsTests {
    /// x[b, y, x, c] = sin(0.7 · flat index), shape [2, 3, 4, 2].
    static func input() -> Tensor {
        Tensor(shape: [2, 3, 4, 2], (0..<48).map { Float(sin(0.7 * Double($0))) })
    }

    @Test func bilinearMatchesTorchUpsampling() {
        let y = Self.input().bilinearResized(height: 5, width: 7)
        #expect(y.shape == [2, 5, 7, 2])
        expectClose(Array(y.scalars.prefix(12)), [0.0, 0.644218, 0.351946, 0.722429, 0.915061, 0.847567, 0.660219, 0.256213,
                                                  0.248805, -0.395903, -0.44066, -0.756857], atol: 2e-6, "upsampled")
        #expect(abs(y.scalars.reduce(0, +) - 5.6499) < 1e-4)
    }

    @Test func bilinearMatchesTorchDownsampling() {
        let y = Self.input().bilinearResized(height: 2, width: 2)
        expectClose(y.scalars, [0.372759, 0.690908, -0.140205, -0.570038, -0.351368, 0.14491, 0.546162, 0.103804,
                                -0.730819, -0.53277, 0.702214, 0.670119, -0.408037, -0.703552, 0.180902, 0.595268], atol: 2e-6, "downsampled")
    }

    @Test func bilinearGradient() {
        let x = randomTensor([2, 3, 4, 2], seed: 3)
        gradcheck([x], "bilinear up") { $0[0].bilinearResized(height: 5, width: 7) }
        gradcheck([x], "bilinear down") { $0[0].bilinearResized(height: 2, width: 3) }
    }

    @Test func crossEntropyMatchesTorch() {
        let z = Tensor(shape: [4, 3], [0.5, -1.0, 2.0, 1.5, 0.2, -0.3, 0.0, 0.0, 0.0, 3.0, -2.0, 1.0]).watched()
        let loss = softmaxCrossEntropy(z, labels: [2, 255, 1, 0], ignoreIndex: 255)
        #expect(abs(loss.item - 0.490923) < 1e-6)
        loss.backward()
        expectClose(z.grad!.scalars, [0.0584301, 0.0130375, -0.0714677, 0, 0, 0, 0.1111111, -0.2222222, 0.1111111,
                                      -0.0414665, 0.0019666, 0.0394999], atol: 1e-6, "gradient")
    }

    @Test func crossEntropyGradientAndEmptyBatch() {
        let z = randomTensor([6, 4], seed: 5)
        gradcheck([z], "cross entropy") { softmaxCrossEntropy($0[0], labels: [0, 3, 7, 1, 2, 7], ignoreIndex: 7) }
        let none = softmaxCrossEntropy(z.watched(), labels: [Int32](repeating: 255, count: 6))
        #expect(none.item == 0)
    }
}
