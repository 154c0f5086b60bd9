/// What `rmae segeval` and the fine-tuning validation report: mIoU, per-class IoU, pixel accuracy, each
/// beside the trivial baselines on the same pixels.
public struct SegmentationScores: Codable, Sendable, Equatable {
    /// The scores of one predictor.
    public struct Score: Codable, Sendable, Equatable {
        public var miou: Double
        /// Class name → IoU; a class absent from both truth and prediction is left out (and out of the mean).
        public var perClassIoU: [String: Double]
        public var pixelAccuracy: Double

        enum CodingKeys: String, CodingKey {
            case miou, perClassIoU = "per_class_iou", pixelAccuracy = "pixel_accuracy"
        }

        public init(_ matrix: ConfusionMatrix, classNames: [String]) {
            precondition(classNames.count == matrix.classes, "SegmentationScores: \(classNames.count) names for \(matrix.classes) classes")
            miou = matrix.meanIoU
            pixelAccuracy = matrix.pixelAccuracy
            perClassIoU = [:]
            for (name, value) in zip(classNames, matrix.iou) { if let value { perClassIoU[name] = value } }
        }
    }

    /// The baselines that need no model, on the same pixels.
    public struct Baselines: Codable, Sendable, Equatable {
        /// Every pixel background (class 0).
        public var allBackground: Score
        /// Every pixel the most frequent class (of the training labels where known, else of these labels).
        public var majority: Score
        /// The class the majority baseline predicts.
        public var majorityClass: String

        enum CodingKeys: String, CodingKey {
            case allBackground = "all_background", majority, majorityClass = "majority_class"
        }
    }

    public var miou: Double
    public var perClassIoU: [String: Double]
    public var pixelAccuracy: Double
    public var baselines: Baselines
    /// Images and counted pixels.
    public var images: Int, pixels: Int

    enum CodingKeys: String, CodingKey {
        case miou, perClassIoU = "per_class_iou", pixelAccuracy = "pixel_accuracy", baselines, images, pixels
    }

    /// - Parameters:
    ///   - model: the model's confusion matrix.
    ///   - majorityClass: the class of the majority baseline; nil = the most frequent class of `model`'s truth.
    public init(model: ConfusionMatrix, classNames: [String], images: Int, majorityClass: Int? = nil) {
        let score = Score(model, classNames: classNames)
        (miou, perClassIoU, pixelAccuracy) = (score.miou, score.perClassIoU, score.pixelAccuracy)
        let truth = model.truthCounts
        let majority = majorityClass ?? truth.indices.max { truth[$0] < truth[$1] } ?? 0
        func constant(_ c: Int) -> ConfusionMatrix {
            var m = ConfusionMatrix(classes: model.classes, ignoreIndex: model.ignoreIndex)
            for t in 0..<model.classes { m.add(truth: t, predicted: c, count: truth[t]) }
            return m
        }
        baselines = Baselines(allBackground: Score(constant(0), classNames: classNames),
                              majority: Score(constant(majority), classNames: classNames),
                              majorityClass: classNames[majority])
        (self.images, pixels) = (images, model.total)
    }

    /// One line for a log: the model beside both baselines.
    public var summary: String {
        func f(_ v: Double) -> String { String(format: "%.3f", v) }
        return "mIoU \(f(miou)) (all background \(f(baselines.allBackground.miou)), majority '\(baselines.majorityClass)' "
            + "\(f(baselines.majority.miou))), pixel accuracy \(f(pixelAccuracy)) (all background \(f(baselines.allBackground.pixelAccuracy)))"
    }
}
