import Foundation

/// The bounded hand-off between worker threads and the consumer of a ``DataLoader``.
///
/// Batches are numbered by tickets 0, 1, 2, … from the loader's start position. A worker takes the next
/// ticket only while fewer than `depth` batches are ahead of the consumer, builds it, and files the result
/// under its ticket; the consumer takes tickets strictly in order. Results therefore arrive in order
/// whatever the threads' timing, and at most `depth` built batches wait in memory.
final class PrefetchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var issued = 0
    private var consumed = 0
    private var ready: [Int: Result<Batch, any Error>] = [:]
    private var stopped = false
    private var running = 0
    let depth: Int

    init(depth: Int) { self.depth = max(1, depth) }

    /// The next ticket to build, waiting while the queue is full; nil once stopped.
    func nextTicket() -> Int? {
        condition.lock(); defer { condition.unlock() }
        while !stopped && issued >= consumed + depth { condition.wait() }
        if stopped { return nil }
        issued += 1
        return issued - 1
    }

    /// Files the result of `ticket`.
    func deliver(_ ticket: Int, _ result: Result<Batch, any Error>) {
        condition.lock(); defer { condition.unlock() }
        ready[ticket] = result
        condition.broadcast()
    }

    /// The next result in ticket order, waiting until it is built.
    func take() -> Result<Batch, any Error> {
        condition.lock(); defer { condition.unlock() }
        while ready[consumed] == nil { condition.wait() }
        let result = ready.removeValue(forKey: consumed)!
        consumed += 1
        condition.broadcast()
        return result
    }

    /// Counts a worker about to be started (before its thread runs, so ``stop()`` waits for it).
    func starting() {
        condition.lock(); running += 1; condition.unlock()
    }

    /// Runs `body(ticket)` for ticket after ticket on the calling (worker) thread until ``stop()``; pairs
    /// with one ``starting()``.
    func work(_ body: (Int) -> Result<Batch, any Error>) {
        while let ticket = nextTicket() { deliver(ticket, body(ticket)) }
        condition.lock(); running -= 1; condition.broadcast(); condition.unlock()
    }

    /// Releases every waiting worker and waits for the busy ones to finish their batch, so that no file
    /// is touched after the loader is gone; later ``nextTicket()`` calls return nil.
    func stop() {
        condition.lock(); defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
    }
}
