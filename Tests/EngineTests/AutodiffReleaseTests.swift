@testable import Engine
import Testing

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
}
