import Foundation

/// One updating status line on a terminal (carriage return), or a plain line every `every` updates otherwise.
public struct ProgressLine {
    let isTerminal = isatty(STDERR_FILENO) != 0
    let every: Int

    public init(every: Int) { self.every = every }

    public func show(step: Int, total: Int, epoch: Int, loss: Double, maeLoss: Double, regionLoss: Double, lr: Double,
                     imagesPerSecond: Double, secondsLeft: Double) {
        let text = String(format: "epoch %d step %d/%d loss %.4f mae_loss %.4f region_loss %.4f lr %.3e img/s %.1f ETA %@",
                          epoch, step, total, loss, maeLoss, regionLoss, lr, imagesPerSecond, Self.duration(secondsLeft))
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            if step == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if step % every == 0 || step == total || step == 1 {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Ends the updating line before other output.
    public func interrupt() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    public static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
