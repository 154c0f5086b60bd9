import Foundation
import Regions

/// The picture `rmae attention` writes: the mean over heads and one panel per head, each a heat map over
/// the photo (model resolution) with the query patch outlined and the query point marked.
///
/// Every panel is scaled by its own maximum (0 → navy, max → pale yellow; the caption gives the max), so
/// heads with flat and with peaked attention are both readable. Panels wrap after 7 per row.
public enum AttentionPicture {
    /// - Parameters:
    ///   - map: the attention of the query.
    ///   - photo: the model's view of the image (`S × S`).
    ///   - queryPixel: the query point in model pixels.
    ///   - patchSize: p, for the outline.
    ///   - title: a caption line above the panels.
    public static func render(_ map: AttentionMap, photo: RGBImage, queryPixel: (x: Int, y: Int), patchSize p: Int,
                              title: String) -> Canvas {
        let s = photo.width, g = map.gridSize
        var panels: [(String, [Float])] = [("MEAN", map.mean)]
        for (h, m) in map.heads.enumerated() { panels.append(("HEAD \(h + 1)", m)) }
        let gap = 4, caption = 20
        let tile = max(s, Canvas.textWidth("MAX 0.000") + 2)
        let perRow = min(7, panels.count), rows = (panels.count + perRow - 1) / perRow
        let width = gap + perRow * (tile + gap)
        let titleLines = Canvas.wrapped(title, width: width - 2 * gap)
        let top = 4 + titleLines.count * Canvas.lineHeight
        var canvas = Canvas(width: width, height: top + rows * (caption + s + gap) + gap)
        canvas.lines(titleLines, x: gap, y: 3)
        let (qx, qy) = (map.queryPatch % g, map.queryPatch / g)
        for (i, (name, values)) in panels.enumerated() {
            let x = gap + (i % perRow) * (tile + gap), y = top + (i / perRow) * (caption + s + gap)
            let peak = values.max() ?? 0
            let scaled = values.map { peak > 0 ? $0 / peak : 0 }
            canvas.text(Canvas.fitting(name, width: tile), x: x, y: y + 2)
            canvas.text(String(format: "MAX %.3f", peak), x: x, y: y + 11, color: (90, 90, 90))
            canvas.draw(HeatMap.overlay(photo, values: HeatMap.upsampled(scaled, gridSize: g, to: s), alpha: 0.65),
                        x: x, y: y + caption)
            canvas.stroke(x: x + qx * p, y: y + caption + qy * p, width: p, height: p, color: (0, 255, 0))
            canvas.cross(x: x + queryPixel.x, y: y + caption + queryPixel.y, radius: max(2, p / 4))
        }
        return canvas
    }
}
