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

    @Test func poolServesExactSizesNewestFirstAndEvictsOldestFirst() {
        var pool = BlockPool(capacity: 1000)
        let kept = [pool.give(0x100, 300), pool.give(0x200, 200), pool.give(0x300, 300), pool.give(0x400, 201)]
        #expect(kept == [true, true, true, false])       // the last is over capacity: the caller frees it
        let newest = pool.take(300), otherSize = pool.take(250)
        #expect(newest == 0x300)                         // newest of its size
        #expect(otherSize == nil)                        // no other size is handed out
        let evicted = pool.evict(atLeast: 250)
        #expect(evicted == [0x100])                      // oldest first, only as much as asked
        #expect(pool.bytes == 200 && pool.blocks == 1)
        let keptAgain = pool.give(0x300, 300)
        let all = pool.evict(atLeast: .max)
        #expect(keptAgain && all == [0x200, 0x300])      // the stale entry of 0x300's first stay is skipped
        let none = pool.take(200)
        #expect(pool.bytes == 0 && none == nil)
    }

    @Test func poolQueueStaysBoundedWhenEveryRequestHits() {
        var pool = BlockPool(capacity: 1 << 30)
        var allHit = true
        for _ in 0..<10_000 {
            allHit = allHit && pool.give(0x1000, 100) && pool.take(100) == 0x1000
        }
        #expect(allHit)
        let kept = pool.give(0x2000, 100)
        #expect(kept && pool.queueLength <= 1026)
        let evicted = pool.evict(atLeast: 1)
        #expect(evicted == [0x2000])
    }
}
