import Foundation
import Testing
import Training

/// Collects what a reporter writes.
private final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ s: String) { lock.withLock { parts.append(s) } }
    var text: String { lock.withLock { parts.joined() } }
}

struct ProgressReporterTests {
    @Test func lineShowsCountRateAndETA() {
        #expect(ProgressReporter.line(label: "regions", done: 25, total: 100, unit: "images", counted: 25, elapsed: 10)
                == "regions: 25/100 images (25%), 2.50 images/s, ETA 30s")
        // Resumed at 50: the rate counts only this run's 10 updates.
        #expect(ProgressReporter.line(label: "pretrain", done: 60, total: 400, unit: "updates", counted: 10, elapsed: 20,
                                      detail: "loss 0.7000")
                == "pretrain: 60/400 updates (15%), 0.500 updates/s, ETA 11m20s, loss 0.7000")
        #expect(ProgressReporter.line(label: "evaluate", done: 300, total: 300, unit: "images", counted: 300, elapsed: 125)
                == "evaluate: 300/300 images (100%) in 2m05s, 2.40 images/s")
        #expect(ProgressReporter.line(label: "x", done: 0, total: 10, unit: "items", counted: 0, elapsed: 0)
                == "x: 0/10 items (0%), ? items/s, ETA ?")
        #expect(ProgressReporter.line(label: "walk", done: 1234, total: nil, unit: "files", counted: 1234, elapsed: 2)
                == "walk: 1234 files, 617 files/s")
    }

    @Test func durations() {
        #expect(ProgressReporter.duration(2.46) == "2.5s")
        #expect(ProgressReporter.duration(42) == "42s")
        #expect(ProgressReporter.duration(187) == "3m07s")
        #expect(ProgressReporter.duration(3725) == "1h02m")
        #expect(ProgressReporter.duration(.nan) == "?")
        #expect(ProgressReporter.duration(-1) == "?")
    }

    /// Plain lines: the first update, the last, and notes; no carriage return, no escape code.
    @Test func plainLinesForLogs() {
        let out = Captured()
        let progress = ProgressReporter(label: "work", total: 50, unit: "items", style: .lines, interval: 3600,
                                        write: { out.append($0) })
        for i in 1...50 {
            progress.update(i)
            if i == 20 { progress.note("skipped item 20") }
            if i == 30 || i == 31 { progress.note("note once", onceFor: "k") }
        }
        progress.finish()
        progress.finish()
        let lines = out.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!out.text.contains("\r") && !out.text.contains("\u{1B}"))
        #expect(lines.count == 5 && lines.last == "")
        #expect(lines[0].hasPrefix("work: 1/50 items (2%), "))
        #expect(lines[1] == "skipped item 20" && lines[2] == "note once")
        #expect(lines[3].hasPrefix("work: 50/50 items (100%) in "))
    }

    /// With a zero interval every update is a line; an unknown total is learnt from the first update.
    @Test func intervalAndLateTotal() {
        let out = Captured()
        let progress = ProgressReporter(label: "walk", style: .lines, interval: 0, write: { out.append($0) })
        progress.finish()
        #expect(out.text.isEmpty)
        for i in 1...4 { progress.update(i, of: 4) }
        progress.finish()
        #expect(progress.total == 4)
        #expect(out.text.split(separator: "\n").map { $0.prefix(16) } == ["walk: 1/4 items ", "walk: 2/4 items ",
                                                                           "walk: 3/4 items ", "walk: 4/4 items "])
    }

    /// A terminal gets one line rewritten in place, ended by a newline.
    @Test func terminalRewritesOneLine() {
        let out = Captured()
        let progress = ProgressReporter(label: "work", total: 3, style: .terminal, write: { out.append($0) })
        progress.update(1)
        progress.note("a note")
        progress.update(3)
        progress.finish()
        let text = out.text
        #expect(text.hasPrefix("\r\u{1B}[Kwork: 1/3 items"))
        #expect(text.contains("\r\u{1B}[Ka note\n\r\u{1B}[Kwork: 1/3"))
        #expect(text.contains("\r\u{1B}[Kwork: 3/3 items (100%)"))
        #expect(text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 2)
    }
}
