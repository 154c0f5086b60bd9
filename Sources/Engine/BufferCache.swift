import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Large tensor buffers, kept for reuse by exact size (as PyTorch's caching allocator does).
///
/// A training step frees and re-allocates the same activation and gradient sizes every step. Through malloc,
/// many of those blocks came back as fresh pages (about 60,000 page faults per demo-preset step, each one a
/// zeroed 4 KiB page); reusing a freed block of the same size touches no new pages. Blocks below
/// ``minimumBytes`` go to malloc as before. The cache holds at most ``capacityBytes`` (`RMAE_CACHE_MB`,
/// default a quarter of physical memory); ``release()`` empties it.
public enum BufferCache {
    /// Blocks at least this large are cached.
    public static let minimumBytes = 64 << 10

    /// Upper bound on the bytes held for reuse.
    public static let capacityBytes: Int = {
        if let env = getenv("RMAE_CACHE_MB"), let mb = Int(String(cString: env)), mb >= 0 { return mb << 20 }
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages * size / 4 : 1 << 30
    }()

    private struct State {
        var free: [Int: [UInt]] = [:]   // addresses (raw pointers are not Sendable)
        var bytes = 0
    }

    private static let state = Mutex(State())

    /// A cached block of exactly `bytes` bytes (64-byte aligned), or nil.
    static func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        let address: UInt? = state.withLock { s in
            guard let p = s.free[bytes]?.popLast() else { return nil }
            s.bytes -= bytes
            return p
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps `pointer` (a block of `bytes` bytes from `UnsafeMutableRawPointer.allocate`) for reuse; false when
    /// it is too small or the cache is full (the caller frees it).
    static func give(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) -> Bool {
        guard bytes >= minimumBytes else { return false }
        let address = UInt(bitPattern: pointer)
        return state.withLock { s in
            guard s.bytes + bytes <= capacityBytes else { return false }
            s.free[bytes, default: []].append(address)
            s.bytes += bytes
            return true
        }
    }

    /// Bytes currently held for reuse.
    public static var cachedBytes: Int { state.withLock { $0.bytes } }

    /// Frees every cached block.
    public static func release() {
        let blocks: [UInt] = state.withLock { s in
            defer { s = State() }
            return s.free.values.flatMap { $0 }
        }
        for a in blocks { UnsafeMutableRawPointer(bitPattern: a)?.deallocate() }
    }
}
