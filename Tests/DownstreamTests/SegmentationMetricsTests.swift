import Downstream
import Testing

/// mIoU, per-class IoU and pixel accuracy from the confusion matrix, and the trivial baselines.
struct SegmentationMetricsTests {
    @Test func iouPerClassAndItsMeanOverPresentClasses() {
        var m = ConfusionMatrix(classes: 4, ignoreIndex: 255)
        //          truth:      0  0  0  1  1  2  255 255
        //          prediction: 0  0  1  1  2  2   3   0
        m.add(truth: [0, 0, 0, 1, 1, 2, 255, 255], prediction: [0, 0, 1, 1, 2, 2, 3, 0])
        let iou = m.iou
        #expect(iou[0] == 2.0 / 3.0)           // TP 2, FN 1, FP 0
        #expect(iou[1] == 1.0 / 3.0)           // TP 1, FN 1, FP 1
        #expect(iou[2] == 1.0 / 2.0)           // TP 1, FP 1
        #expect(iou[3] == nil)                 // absent from truth and (counted) prediction
        #expect(abs(m.meanIoU - (2.0 / 3 + 1.0 / 3 + 0.5) / 3) < 1e-12)
        #expect(m.pixelAccuracy == 4.0 / 6.0)
        #expect(m.total == 6)
    }

    @Test func baselinesOnTheSamePixels() {
        var m = ConfusionMatrix(classes: 3)
        m.add(truth: [0, 0, 0, 0, 1, 1, 2, 255], prediction: [0, 0, 0, 1, 1, 1, 2, 2])
        let scores = SegmentationScores(model: m, classNames: ["background", "cat", "dog"], images: 1)
        // all background: IoU(bg) = 4/7, cat 0, dog 0
        #expect(abs(scores.baselines.allBackground.miou - (4.0 / 7) / 3) < 1e-12)
        #expect(scores.baselines.allBackground.pixelAccuracy == 4.0 / 7)
        #expect(scores.baselines.majorityClass == "background")
        // the model: bg 3/4, cat 2/3, dog 1
        #expect(abs(scores.miou - (0.75 + 2.0 / 3 + 1) / 3) < 1e-12)
        #expect(scores.perClassIoU["dog"] == 1)
        let cat = SegmentationScores(model: m, classNames: ["background", "cat", "dog"], images: 1, majorityClass: 1)
        #expect(cat.baselines.majorityClass == "cat")
        #expect(abs(cat.baselines.majority.miou - (0 + 2.0 / 7 + 0) / 3) < 1e-12)
    }
}
