/// The bookkeeping of ``BufferCache``: free blocks by exact size, and the order they were freed in.
///
/// `take` serves the most recently freed block of a size (warm in the CPU caches); `evict` gives up the
/// blocks that have waited longest. Addresses are plain integers; the pool never touches the memory.
struct BlockPool {
    let capacity: Int
    private(set) var bytes = 0
    private(set) var blocks = 0
    private var free: [Int: [(address: UInt, stamp: Int)]] = [:]
    private var queue: [(address: UInt, bytes: Int, stamp: Int)] = []   // oldest first from `head`
    private var head = 0
    private var clock = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Entries in the eviction queue, stale ones included (for tests).
    var queueLength: Int { queue.count - head }

    /// A block of exactly `bytes`, or nil.
    mutating func take(_ bytes: Int) -> UInt? {
        guard let block = free[bytes]?.popLast() else { return nil }
        self.bytes -= bytes
        blocks -= 1
        return block.address
    }

    /// Keeps a freed block; false when that would exceed the capacity.
    mutating func give(_ address: UInt, _ bytes: Int) -> Bool {
        guard self.bytes + bytes <= capacity else { return false }
        clock += 1
        free[bytes, default: []].append((address, clock))
        queue.append((address, bytes, clock))
        self.bytes += bytes
        blocks += 1
        if queue.count - head > 2 * blocks + 1024 { compact() }
        return true
    }

    /// Removes the longest-waiting blocks until at least `atLeast` bytes (or all) are out, and returns their
    /// addresses for the caller to free. Queue entries of blocks taken since are skipped.
    mutating func evict(atLeast wanted: Int) -> [UInt] {
        var out: [UInt] = [], released = 0
        while released < wanted && head < queue.count {
            let e = queue[head]
            head += 1
            guard let i = free[e.bytes]?.firstIndex(where: { $0.stamp == e.stamp }) else { continue }
            free[e.bytes]!.remove(at: i)
            bytes -= e.bytes
            blocks -= 1
            released += e.bytes
            out.append(e.address)
        }
        return out
    }

    /// Drops queue entries of blocks that were taken again (every hit leaves one behind).
    private mutating func compact() {
        let waiting = Set(free.values.joined().map(\.stamp))
        queue = queue[head...].filter { waiting.contains($0.stamp) }
        head = 0
    }
}
