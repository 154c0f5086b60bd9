import Foundation

/// Bounds the time a collective may take. A background thread checks once a second; when the operation in
/// progress is older than the timeout it prints which rank waited on what, and ends the process, so the
/// launcher stops the job instead of every rank waiting forever.
final class Watchdog: @unchecked Sendable {
    let rank: Int
    let timeout: Double
    private let lock = NSLock()
    private var current: (what: String, since: Date)?
    private var running = true

    init(rank: Int, timeout: Double) {
        self.rank = rank
        self.timeout = timeout
        let thread = Thread { [weak self] in
            while let self, self.isRunning {
                Thread.sleep(forTimeInterval: 1)
                self.check()
            }
        }
        thread.start()
    }

    var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }

    func stop() { lock.lock(); running = false; lock.unlock() }

    func guarding<R>(_ what: String, _ body: () -> R) -> R {
        lock.lock(); current = (what, Date()); lock.unlock()
        defer { lock.lock(); current = nil; lock.unlock() }
        return body()
    }

    private func check() {
        lock.lock()
        let op = current
        lock.unlock()
        guard let op, Date().timeIntervalSince(op.since) > timeout else { return }
        let message = "rank \(rank): \(op.what) made no progress for \(Int(timeout)) s; another rank has died or hangs. Stopping this rank so the launcher ends the job.\n"
        FileHandle.standardError.write(Data(message.utf8))
        exit(3)
    }
}
