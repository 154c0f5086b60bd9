/// Pixel counts of (true class, predicted class) over a labelled set, and the scores read from them:
/// per-class IoU `TP / (TP + FP + FN)`, their mean over the classes present (in the truth or the
/// prediction; a class absent from both is left out, as mmsegmentation's `nanmean` does), and pixel accuracy.
/// Pixels whose truth is `ignoreIndex` are not counted.
public struct ConfusionMatrix: Sendable, Equatable {
    /// Number of classes, background (id 0) included.
    public let classes: Int
    public let ignoreIndex: Int32
    /// `counts[t * classes + p]`: pixels of true class t predicted as p.
    public private(set) var counts: [Int]

    public init(classes: Int, ignoreIndex: Int32 = 255) {
        precondition(classes >= 1, "ConfusionMatrix: \(classes) classes")
        (self.classes, self.ignoreIndex) = (classes, ignoreIndex)
        counts = [Int](repeating: 0, count: classes * classes)
    }

    /// Adds one map. Truth ids must be in `0..<classes` or `ignoreIndex`, predictions in `0..<classes`.
    public mutating func add(truth: [Int32], prediction: [Int32]) {
        precondition(truth.count == prediction.count, "ConfusionMatrix.add: \(truth.count) truths, \(prediction.count) predictions")
        for i in truth.indices where truth[i] != ignoreIndex {
            let t = Int(truth[i]), p = Int(prediction[i])
            precondition((0..<classes).contains(t) && (0..<classes).contains(p),
                         "ConfusionMatrix.add: class \(t) or \(p) outside 0..<\(classes)")
            counts[t * classes + p] += 1
        }
    }

    /// Adds `count` pixels of true class `truth` predicted as `predicted`.
    public mutating func add(truth t: Int, predicted p: Int, count: Int) {
        precondition((0..<classes).contains(t) && (0..<classes).contains(p) && count >= 0,
                     "ConfusionMatrix.add: class \(t) or \(p) outside 0..<\(classes), or count \(count) < 0")
        counts[t * classes + p] += count
    }

    public static func + (a: ConfusionMatrix, b: ConfusionMatrix) -> ConfusionMatrix {
        precondition(a.classes == b.classes && a.ignoreIndex == b.ignoreIndex, "ConfusionMatrix: adding different shapes")
        var out = a
        for i in out.counts.indices { out.counts[i] += b.counts[i] }
        return out
    }

    /// Pixels counted (ignored ones excluded).
    public var total: Int { counts.reduce(0, +) }

    /// Pixels of each true class (the rows' sums).
    public var truthCounts: [Int] { (0..<classes).map { t in counts[(t * classes)..<((t + 1) * classes)].reduce(0, +) } }

    /// Pixels predicted as each class (the columns' sums).
    public var predictedCounts: [Int] { (0..<classes).map { p in stride(from: p, to: counts.count, by: classes).reduce(0) { $0 + counts[$1] } } }

    /// IoU of each class; nil for a class absent from both the truth and the prediction.
    public var iou: [Double?] {
        let (truth, predicted) = (truthCounts, predictedCounts)
        return (0..<classes).map { c in
            let tp = counts[c * classes + c], union = truth[c] + predicted[c] - tp
            return union == 0 ? nil : Double(tp) / Double(union)
        }
    }

    /// Mean IoU over the classes present; 0 for an empty matrix.
    public var meanIoU: Double {
        let present = iou.compactMap { $0 }
        return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }

    /// Fraction of counted pixels predicted right; 0 for an empty matrix.
    public var pixelAccuracy: Double {
        let right = (0..<classes).reduce(0) { $0 + counts[$1 * classes + $1] }
        return total == 0 ? 0 : Double(right) / Double(total)
    }
}
