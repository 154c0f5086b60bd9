#if canImport(Glibc)
import Glibc
#endif

/// Per-update linear warm-up, then half-cosine decay to 0 (the official `cosine_scheduler`, REFERENCE.md §10.3):
/// ```
/// u ≤ Wu:  lr(u) = peak · u / Wu
/// u > Wu:  lr(u) = peak · (1 + cos(π (u − Wu) / (U − Wu))) / 2
/// ```
/// `u` counts optimizer updates from 0 (the first update uses lr(0) = 0, as upstream).
public struct WarmupCosineSchedule: Sendable {
    public let peak: Double
    public let warmupUpdates: Int
    public let totalUpdates: Int

    public init(peak: Double, warmupUpdates: Int, totalUpdates: Int) {
        precondition(warmupUpdates >= 0 && totalUpdates > 0, "WarmupCosineSchedule: warm-up \(warmupUpdates), total \(totalUpdates)")
        self.peak = peak
        self.warmupUpdates = warmupUpdates
        self.totalUpdates = totalUpdates
    }

    /// Peak LR from the base LR and the global batch: `base · batch / 256`.
    public static func peak(baseLearningRate: Double, globalBatch: Int) -> Double {
        baseLearningRate * Double(globalBatch) / 256
    }

    public func callAsFunction(_ u: Int) -> Double {
        if u <= warmupUpdates {
            return warmupUpdates == 0 ? peak : peak * Double(u) / Double(warmupUpdates)
        }
        if u >= totalUpdates { return 0 }
        let progress = Double(u - warmupUpdates) / Double(totalUpdates - warmupUpdates)
        return peak * (1 + cos(Double.pi * progress)) / 2
    }
}
