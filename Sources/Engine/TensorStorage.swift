import Synchronization
#if canImport(Glibc)
import Glibc
#endif
#if os(Linux)
/// glibc's `int mallopt(int param, int value)` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

/// The heap buffer behind a ``Tensor``: `count` Float32 values, 64-byte aligned.
///
/// Shared between tensor values until one of them writes (copy-on-write, as swift-nio's `ByteBuffer`).
final class TensorStorage: @unchecked Sendable {
    /// Bytes held by all tensor buffers now, and the most held at once so far (``BufferCache/peakTensorBytes``).
    static let liveBytes = Atomic<Int>(0)
    static let peakBytes = Atomic<Int>(0)
    let count: Int
    let base: UnsafeMutablePointer<Float>

    /// glibc serves blocks above 128 KiB with a fresh mmap and returns them on free, so every large activation
    /// of every step paid page faults and zeroing. Raising the mmap threshold to its maximum (32 MiB) and the
    /// trim threshold keeps freed activations in the heap for the next step. Set once, on first allocation.
    static let allocatorTuned: Bool = {
        #if os(Linux)
        // glibc's own variables, when set, win (as `mallopt` documents them)
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = glibcMallopt(-3, 32 << 20) }   // M_MMAP_THRESHOLD (malloc.h)
        if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = glibcMallopt(-1, 1 << 30) }    // M_TRIM_THRESHOLD
        // One malloc arena per thread (glibc's default, up to 8 per core) let the heap grow step after step as
        // blocks moved between the share threads (vit-base batch 8: peak RSS 2077 MB after 3 steps, 2413 MB
        // after 22, with live tensors flat at 1927 MB); one arena holds it at about 2090 MB, no slower (the
        // large blocks come from ``BufferCache``, so the share threads rarely meet on malloc's lock).
        if getenv("MALLOC_ARENA_MAX") == nil { _ = glibcMallopt(-8, 1) }               // M_ARENA_MAX
        #endif
        return true
    }()

    init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        _ = Self.allocatorTuned
        self.count = count
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        let raw = BufferCache.take(bytes) ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        let now = Self.liveBytes.add(bytes, ordering: .relaxed).newValue
        _ = Self.peakBytes.max(now, ordering: .relaxed)
    }

    /// A zero-filled buffer.
    static func zeros(_ count: Int) -> TensorStorage {
        let s = TensorStorage(count: count)
        let base = s.base
        Parallel.forRanges(count, grain: 1 << 18) { r in (base + r.lowerBound).initialize(repeating: 0, count: r.count) }
        return s
    }

    func copy() -> TensorStorage {
        let s = TensorStorage(count: count)
        s.base.update(from: base, count: count)
        return s
    }

    deinit {
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        Self.liveBytes.subtract(bytes, ordering: .relaxed)
        if !BufferCache.give(UnsafeMutableRawPointer(base), bytes) { UnsafeMutableRawPointer(base).deallocate() }
    }
}
