@testable import Engine
import Testing
import TestSupport

/// The backward pass frees what an op saved for it as soon as that op's pullback has run.
@Suite struct AutodiffReleaseTests {
    final class Saved: @unchecked Sendable {}

    /// x → early → late → sum: when early's pullback runs (after late's), late's saved object is gone.
    @Test func savedTensorsAreReleasedDuringBackward() {
        weak var lateSaved: Saved?
        var lateWasReleased: Bool?
        let x = Tensor.full([4], 1).watched()
        let y: Tensor = {
            let early = Tensor.record(x * 1, inputs: [x]) { g in
                lateWasReleased = lateSaved == nil
                return [g]
            }
            let saved = Saved()
            lateSaved = saved
            return Tensor.record(early * 1, inputs: [early]) { g in
                withExtendedLifetime(saved) {}
                return [g * 2]
            }
        }()
        #expect(lateSaved != nil)   // kept for backward until then
        y.sum().backward()
        #expect(lateWasReleased == true)
        #expect(x.grad?.scalars == [2, 2, 2, 2])
    }

    /// Whether `op` applied to a differentiated value of its own keeps that value's storage alive after the
    /// caller let go of it (as long as the op's output and its graph are alive).
    private func keepsOperand(_ op: (Tensor) -> Tensor) -> Bool {
        let x = randomTensor([3, 8], low: -2, high: 2).watched()
        weak var storage: TensorStorage?
        let out: Tensor = {
            let operand = x * 2
            storage = operand.storage
            return op(operand)
        }()
        defer { withExtendedLifetime(out) {} }
        return storage != nil
    }

    /// A pullback keeps only what it computes with: a residual branch's output is not held until the backward
    /// pass by the add that consumes it (vit-base: about 80 MB of such tensors at the memory peak).
    @Test func pullbacksKeepOnlyTheOperandsTheyNeed() {
        let other = randomTensor([3, 8], seed: 2)                  // not differentiated
        let twin = randomTensor([3, 8], seed: 3).watched()         // differentiated
        let targets = Tensor(shape: [3, 8], (0..<24).map { Float($0 % 2) })
        #expect(!keepsOperand { $0 + twin }, "add")
        #expect(!keepsOperand { twin - $0 }, "sub")
        #expect(!keepsOperand { $0 * other }, "mul by a constant")    // d/d(operand) needs the constant only
        #expect(!keepsOperand { $0 / other }, "div by a constant")
        #expect(!keepsOperand { Tensor.concat([$0, twin], alongAxis: 0) }, "concat")
        #expect(!keepsOperand { binaryCrossEntropyWithLogits($0, targets: targets) }, "bce")
        #expect(!keepsOperand { meanBinaryCrossEntropyWithLogits($0, targets: targets) }, "mean bce")
        // What a pullback does need stays: the check can fail.
        #expect(keepsOperand { $0 * twin }, "mul by a differentiated value keeps the other factor")
        #expect(keepsOperand { $0.squared() }, "squared keeps its input")
        #expect(keepsOperand { twin / $0 }, "a divisor is kept")
    }
}
