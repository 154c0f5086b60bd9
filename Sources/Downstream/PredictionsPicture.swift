import Data
import Foundation
import Regions
import Viz

/// `predictions.png`: for each shown validation image a row of image, true label map and prediction, with
/// the per-image IoU of its classes in the caption, and a legend of the class colours.
public enum PredictionsPicture {
    /// Class colours: background dark grey, the ignore index white, classes from a fixed qualitative palette.
    public static func color(_ id: Int32, ignoreIndex: Int32) -> (UInt8, UInt8, UInt8) {
        if id == ignoreIndex { return (255, 255, 255) }
        if id == 0 { return (48, 48, 48) }
        let palette: [(UInt8, UInt8, UInt8)] = [
            (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 240, 240),
            (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255), (170, 110, 40), (128, 0, 0),
            (170, 255, 195), (128, 128, 0), (0, 0, 128), (128, 128, 128),
        ]
        return palette[(Int(id) - 1) % palette.count]
    }

    static func painted(_ ids: [Int32], width: Int, height: Int, ignoreIndex: Int32) -> RGBImage {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for (i, id) in ids.enumerated() { (px[3 * i], px[3 * i + 1], px[3 * i + 2]) = color(id, ignoreIndex: ignoreIndex) }
        return RGBImage(width: width, height: height, pixels: px)
    }

    /// Renders the rows; every panel is shown `cell` pixels wide (the image's aspect kept).
    public static func render(images: [RGBImage], truth: [ClassMap], predictions: [[Int32]], classNames: [String],
                              ignoreIndex: Int32 = 255, title: String, cell: Int = 160) -> Canvas {
        let margin = 6, caption = 12
        let rowHeights = images.map { max(1, $0.height * cell / max(1, $0.width)) }
        let legendRows = (classNames.count + 3) / 4
        let width = 3 * cell + 4 * margin
        let titleLines = Canvas.wrapped(title, width: width - 2 * margin)
        let height = margin + titleLines.count * Canvas.lineHeight + caption + rowHeights.reduce(0) { $0 + $1 + caption + margin }
            + legendRows * (Canvas.lineHeight + 2) + margin
        var canvas = Canvas(width: width, height: height)
        var y = margin
        y += canvas.lines(titleLines, x: margin, y: y)
        for (j, name) in ["IMAGE", "TRUTH", "PREDICTION"].enumerated() {
            _ = canvas.text(name, x: margin + j * (cell + margin), y: y)
        }
        y += caption
        for (i, image) in images.enumerated() {
            let h = rowHeights[i]
            let panels = [image, painted(truth[i].ids, width: truth[i].width, height: truth[i].height, ignoreIndex: ignoreIndex),
                          painted(predictions[i], width: truth[i].width, height: truth[i].height, ignoreIndex: ignoreIndex)]
            for (j, panel) in panels.enumerated() {
                canvas.draw(nearest(panel, width: cell, height: h), x: margin + j * (cell + margin), y: y)
            }
            var matrix = ConfusionMatrix(classes: classNames.count, ignoreIndex: ignoreIndex)
            matrix.add(truth: truth[i].ids, prediction: predictions[i])
            let text = String(format: "mIoU %.3f, pixel accuracy %.3f", matrix.meanIoU, matrix.pixelAccuracy)
            _ = canvas.text(Canvas.fitting(text, width: width - 2 * margin), x: margin, y: y + h + 2)
            y += h + caption + margin
        }
        for (k, name) in classNames.enumerated() {
            let (cx, cy) = (margin + (k % 4) * (width - 2 * margin) / 4, y + (k / 4) * (Canvas.lineHeight + 2))
            canvas.fill(x: cx, y: cy, width: 8, height: 8, color: color(Int32(k), ignoreIndex: ignoreIndex))
            _ = canvas.text(Canvas.fitting(name, width: (width - 2 * margin) / 4 - 12), x: cx + 11, y: cy)
        }
        return canvas
    }

    static func nearest(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let sy = min(image.height - 1, y * image.height / height)
            for x in 0..<width {
                let sx = min(image.width - 1, x * image.width / width)
                for c in 0..<3 { px[(y * width + x) * 3 + c] = image.pixels[(sy * image.width + sx) * 3 + c] }
            }
        }
        return RGBImage(width: width, height: height, pixels: px)
    }
}
