import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Large tensor buffers, kept for reuse by exact size (as PyTorch's caching allocator does).
///
/// A training step frees and re-allocates the same activation and gradient sizes every step. Through malloc,
/// many of those blocks came back as fresh pages (about 60,000 page faults per demo-preset step, each one a
/// zeroed 4 KiB page); reusing a freed block of the same size touches no new pages. Blocks below
/// ``minimumBytes`` go to malloc as before. A request no cached block fits first returns the longest-waiting
/// blocks to malloc (``BlockPool``), so that sizes the step no longer asks for do not pile up. The cache
/// holds at most ``capacityBytes`` (`RMAE_CACHE_MB`, default a quarter of physical memory); ``release()``
/// empties it.
public enum BufferCache {
    /// Blocks at least this large are cached.
    public static let minimumBytes = 64 << 10

    /// Upper bound on the bytes held for reuse.
    public static let capacityBytes: Int = {
        if let env = getenv("RMAE_CACHE_MB"), let mb = Int(String(cString: env)), mb >= 0 { return mb << 20 }
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages * size / 4 : 1 << 30
    }()

    private static let state = Mutex(BlockPool(capacity: capacityBytes))

    /// A cached block of exactly `bytes` bytes (64-byte aligned), or nil. On a miss, blocks that have waited
    /// longest are handed back to malloc first, at least `bytes` of them, so that malloc can serve this and
    /// later requests of other sizes from memory the process already holds instead of growing.
    static func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        var evicted: [UInt] = []
        let address: UInt? = state.withLock { pool in
            if let hit = pool.take(bytes) { return hit }
            evicted = pool.evict(atLeast: bytes)
            return nil
        }
        for a in evicted { UnsafeMutableRawPointer(bitPattern: a)?.deallocate() }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps `pointer` (a block of `bytes` bytes from `UnsafeMutableRawPointer.allocate`) for reuse; false when
    /// it is too small or the cache is full (the caller frees it).
    static func give(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) -> Bool {
        guard bytes >= minimumBytes else { return false }
        let address = UInt(bitPattern: pointer)
        return state.withLock { $0.give(address, bytes) }
    }

    /// The most bytes that live tensors held at one time in this process (activations, gradients, weights,
    /// optimizer state; not the blocks waiting in this cache, nor malloc's own overhead).
    public static var peakTensorBytes: Int { TensorStorage.peakBytes.load(ordering: .relaxed) }

    /// Bytes currently held for reuse.
    public static var cachedBytes: Int { state.withLock { $0.bytes } }

    /// Frees every cached block.
    public static func release() {
        let blocks: [UInt] = state.withLock { $0.evict(atLeast: .max) }
        for a in blocks { UnsafeMutableRawPointer(bitPattern: a)?.deallocate() }
    }
}
