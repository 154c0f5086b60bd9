import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of long work on standard error, in the form that suits where it goes.
///
/// On a terminal: one line, redrawn in place (at most ten times a second) with the count, the rate and the
/// time left. Anywhere else (a log file, a pipe, CI): plain lines, never a carriage return or an escape
/// code: the first update, then one line every `interval` seconds, and the last.
///
/// ```swift
/// let progress = ProgressReporter(label: "probe", total: images.count, unit: "images")
/// for (i, image) in images.enumerated() {
///     work(image)
///     progress.update(i + 1)
/// }
/// progress.finish()
/// ```
///
/// Thread-safe: workers may call ``update(_:detail:)`` and ``note(_:onceFor:)`` concurrently.
public final class ProgressReporter: @unchecked Sendable {
    /// How progress is shown.
    public enum Style: Sendable, Equatable {
        /// One line rewritten in place (`\r`, erase to end of line).
        case terminal
        /// Whole lines at an interval.
        case lines
    }

    public let label: String
    /// The count at which the work is complete (nil: unknown).
    public var total: Int? { lock.withLock { currentTotal } }
    public let unit: String
    public let style: Style
    /// Seconds between two plain lines (``Style/lines``).
    public let interval: Double

    private let write: @Sendable (String) -> Void
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private let startCount: Int
    private let lock = NSLock()
    private var currentTotal: Int?
    private var done: Int
    private var updated = false
    private var detail = ""
    private var lastShown: ContinuousClock.Instant?
    private var lastShownCount: Int?
    private var drawn = false          // terminal: a progress line without its newline is on screen
    private var noted: Set<String> = []

    /// - Parameters:
    ///   - label: what is being done, first on every line ("regions", "evaluate", "pretrain").
    ///   - total: the count at which the work is complete, nil when unknown.
    ///   - unit: what is counted, plural ("images", "updates").
    ///   - start: the count already done before this reporter (a resumed run); rates count from here.
    ///   - style: nil chooses ``Style/terminal`` when standard error is a terminal (and `TERM` is not `dumb`),
    ///     else ``Style/lines``.
    ///   - interval: seconds between plain lines.
    ///   - write: where the text goes (standard error unless a test captures it).
    public init(label: String, total: Int? = nil, unit: String = "items", start: Int = 0, style: Style? = nil,
                interval: Double = 15,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Foundation.Data($0.utf8)) }) {
        self.label = label
        currentTotal = total
        self.unit = unit
        self.style = style ?? Self.automaticStyle()
        self.interval = interval
        self.write = write
        startCount = start
        done = start
        started = clock.now
    }

    /// ``Style/terminal`` when standard error is a terminal that understands `\r` and erase-line.
    public static func automaticStyle() -> Style {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        return isatty(STDERR_FILENO) != 0 && term != "dumb" ? .terminal : .lines
    }

    /// Records that `done` items are complete; `total` sets or changes the total (for work that counts its
    /// items only once it starts); `detail` is shown after the count and rate (losses, say).
    public func update(_ done: Int, of total: Int? = nil, detail: String = "") {
        lock.withLock {
            self.done = done
            if let total { currentTotal = total }
            updated = true
            self.detail = detail
            show(force: false)
        }
    }

    /// Adds `count` to the items done.
    public func advance(by count: Int = 1, detail: String = "") {
        lock.withLock {
            done += count
            updated = true
            self.detail = detail
            show(force: false)
        }
    }

    /// Prints a line of its own (a skipped file, a warning) without breaking the progress line. With
    /// `onceFor`, only the first note with that key is printed.
    public func note(_ text: String, onceFor key: String? = nil) {
        lock.withLock {
            if let key, !noted.insert(key).inserted { return }
            switch style {
            case .terminal:
                write((drawn ? "\r\u{1B}[K" : "") + text + "\n")
                if drawn { write(terminalLine()) }
            case .lines:
                write(text + "\n")
            }
        }
    }

    /// Ends the in-place line (leaving it on screen) so that other output can follow; the next update starts
    /// a new line. Nothing to do for plain lines.
    public func interrupt() {
        lock.withLock {
            if drawn { write("\n") }
            drawn = false
        }
    }

    /// Shows the final state: the last line on a terminal, and a plain line unless the last one already
    /// showed this count. Prints nothing when there never was an update.
    public func finish() {
        lock.withLock { if updated { show(force: true) } }
        interrupt()
    }

    // MARK: Drawing

    /// Call with the lock held.
    private func show(force: Bool) {
        let now = clock.now
        let complete = currentTotal.map { done >= $0 } ?? false
        switch style {
        case .terminal:
            if force && drawn && lastShownCount == done { return }
            if !force && !complete, let last = lastShown, Self.seconds(now - last) < 0.1 { return }
            write(terminalLine())
            drawn = true
        case .lines:
            let fresh = lastShownCount != done
            let due = lastShown.map { Self.seconds(now - $0) >= interval } ?? true
            guard force ? fresh : due || (complete && fresh) else { return }
            write(currentLine() + "\n")
        }
        lastShown = now
        lastShownCount = done
    }

    private func currentLine() -> String {
        Self.line(label: label, done: done, total: currentTotal, unit: unit, counted: done - startCount,
                  elapsed: Self.seconds(clock.now - started), detail: detail)
    }

    private func terminalLine() -> String {
        var text = currentLine()
        if let columns = Self.terminalColumns(), text.count >= columns { text = String(text.prefix(max(columns - 1, 1))) }
        return "\r\u{1B}[K" + text
    }

    static func terminalColumns() -> Int? {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    // MARK: Formatting

    /// One progress line (no newline): `label: done/total unit (p%), rate unit/s, ETA t[, detail]`, or, once
    /// complete, `label: total/total unit (100%) in t, rate unit/s[, detail]`.
    /// - Parameters:
    ///   - counted: items done within `elapsed` (the rate's numerator; less than `done` after a resume).
    ///   - elapsed: seconds since the reporter started.
    public static func line(label: String, done: Int, total: Int?, unit: String, counted: Int, elapsed: Double,
                            detail: String = "") -> String {
        let rate = elapsed > 0 && counted > 0 ? Double(counted) / elapsed : nil
        var parts: [String] = []
        if let total {
            let percent = total > 0 ? Int((100 * Double(done) / Double(total)).rounded(.down)) : 100
            parts.append("\(label): \(done)/\(total) \(unit) (\(min(percent, 100))%)")
        } else {
            parts.append("\(label): \(done) \(unit)")
        }
        let complete = total.map { done >= $0 } ?? false
        if complete { parts[0] += " in \(duration(elapsed))" }
        parts.append(rate.map { "\(Self.rate($0)) \(unit)/s" } ?? "? \(unit)/s")
        if !complete, let total {
            parts.append("ETA " + (rate.map { duration(Double(total - done) / $0) } ?? "?"))
        }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: ", ")
    }

    /// A rate with three significant figures where it matters: 0.123, 4.56, 78.9, 1234.
    static func rate(_ r: Double) -> String {
        r >= 100 ? String(format: "%.0f", r) : r >= 10 ? String(format: "%.1f", r) : r >= 1 ? String(format: "%.2f", r) : String(format: "%.3f", r)
    }

    /// `42s`, `3m07s`, `2h05m`; `?` when not finite or negative.
    public static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        if s < 10 && s != s.rounded() { return String(format: "%.1fs", s) }
        return "\(t)s"
    }
}
