@testable import Engine
import Testing

/// The per-op profile behind `rmae bench train --profile`, and the buffer cache.
@Suite struct ProfilerTests {
    @Test func chargesForwardAndBackwardToTheRecordingOp() {
        let x = Tensor.full([16, 8], 0.5).watched()
        let w = Tensor.full([4, 8], 0.25).watched()
        Profiler.reset()
        Profiler.measure {
            Profiler.mark()
            let y = linear(x, w, nil).gelu().sum()   // sum of all elements reshapes first
            y.backward()
        }
        let entries = Dictionary(uniqueKeysWithValues: Profiler.entries.map { ($0.op, $0) })
        #expect(Set(entries.keys) == ["linear", "gelu", "reshaped", "sum"])
        let l = entries["linear"]!
        #expect(l.calls == 1)
        // GEMM work is read from the process-wide counter, which tests running in parallel also move: at least
        // the op's own products are charged.
        #expect(l.forwardFlops >= 2 * 16 * 4 * 8)        // y = x Wᵀ
        #expect(l.backwardFlops >= 2 * 2 * 16 * 4 * 8)   // dx and dW
        #expect(entries["gelu"]!.calls == 1 && entries["sum"]!.calls == 1)
        #expect(l.seconds > 0 && entries["sum"]!.backwardSeconds > 0)
        // Outside measure: nothing more is charged.
        _ = linear(x, w, nil)
        #expect(Profiler.entries.first { $0.op == "linear" }!.calls == 1)
    }

    @Test func opNamesDropTheArgumentLabels() {
        #expect(Profiler.opName("linear(_:_:_:)") == "linear")
        #expect(Profiler.opName("+(_:_:)") == "+")
        #expect(Profiler.opName("adamw") == "adamw")
    }

    @Test func freedBuffersAreReusedBySize() {
        let count = BufferCache.minimumBytes / 4 * 3 + 5   // an odd size no other test allocates
        var first: UnsafeMutablePointer<Float>?
        do {
            let t = Tensor.zeros([count])
            first = t.ptr
        }
        let again = Tensor.full([count], 2)
        #expect(again.ptr == first)                      // the same block came back
        #expect(again.scalars.allSatisfy { $0 == 2 })    // and was initialised, not left as it was
        let small = Tensor.zeros([3])
        #expect(small.count == 3)
        #expect(BufferCache.take(BufferCache.minimumBytes - 4) == nil)   // small blocks are never cached
    }
}
