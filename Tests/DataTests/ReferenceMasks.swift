@testable import Data

/// Masks rasterised the slow, obvious way, independently of the loader's rectangle walks: whole
/// source-sized masks, then every output pixel looked up through the nearest rule.
enum ReferenceMasks {
    /// A `height × width` mask from rows of `#` (in) and `.` (out).
    static func art(_ rows: [String]) -> [[Bool]] { rows.map { $0.map { $0 == "#" } } }

    /// Column-major runs (first of zeros) expanded to a `height × width` mask.
    static func fromRuns(_ runs: [Int], height: Int, width: Int) -> [[Bool]] {
        var mask = [[Bool]](repeating: [Bool](repeating: false, count: width), count: height)
        var p = 0
        for (i, run) in runs.enumerated() {
            for q in p..<(p + run) where i % 2 == 1 { mask[q % height][q / height] = true }
            p += run
        }
        precondition(p == height * width, "runs add up to \(p)")
        return mask
    }

    /// The union of polygons (flat `[x0, y0, …]` lists), a pixel being in when its centre is inside by
    /// the crossing-number test: an odd number of edges cross the horizontal line through the centre at
    /// or left of it.
    static func fromPolygons(_ polygons: [[Double]], height: Int, width: Int) -> [[Bool]] {
        (0..<height).map { r in
            (0..<width).map { c in
                let (x, y) = (Double(c) + 0.5, Double(r) + 0.5)
                return polygons.contains { flat in
                    let n = flat.count / 2
                    var inside = false
                    for i in 0..<n {
                        let (x1, y1) = (flat[2 * ((i + n - 1) % n)], flat[2 * ((i + n - 1) % n) + 1])
                        let (x2, y2) = (flat[2 * i], flat[2 * i + 1])
                        if (y1 <= y) != (y2 <= y) && x1 + (y - y1) * (x2 - x1) / (y2 - y1) <= x { inside.toggle() }
                    }
                    return inside
                }
            }
        }
    }

    /// PyTorch nearest, written out again: `min(floor(Float(dst) · Float(in) / Float(out)), in − 1)`.
    static func nearest(_ dst: Int, input: Int, output: Int) -> Int {
        min(Int((Float(dst) * (Float(input) / Float(output))).rounded(.down)), input - 1)
    }

    /// The `side × side` output of `mask` under a crop, nearest resize and optional flip, as 0/1 floats.
    static func augmented(_ mask: [[Bool]], crop: CropBox, side: Int, flipped: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let column = flipped ? side - 1 - x : x
                let r = crop.top + nearest(y, input: crop.height, output: side)
                let c = crop.left + nearest(column, input: crop.width, output: side)
                out[y * side + x] = mask[r][c] ? 1 : 0
            }
        }
        return out
    }

    /// What ``InstanceMask/draw(in:into:)`` writes.
    static func drawn(_ mask: InstanceMask, _ grid: OutputGrid) -> [Float] {
        var out = [Float](repeating: -1, count: grid.side * grid.side)
        out.withUnsafeMutableBufferPointer { mask.draw(in: grid, into: $0.baseAddress!) }
        return out
    }
}
