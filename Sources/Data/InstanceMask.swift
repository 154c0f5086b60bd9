/// One region of an image given as its own binary mask (a COCO instance annotation: polygons or run
/// lengths), as opposed to one label of a label map. Masks may overlap; each stays a separate region.
///
/// Nothing source-sized is ever built: both encodings visit the output rectangles of their pixels through
/// an ``OutputGrid`` (the crop, the nearest resize and the flip), which is all that deciding whether the
/// mask survives the crop, whether it touches a visible patch, and drawing it need.
enum InstanceMask: Sendable, Equatable {
    case polygons(PolygonMask)
    case runs(RunLengthMask)

    /// Visits output rectangles (rows, columns before the flip) covering the mask's output pixels; stops
    /// when `body` returns false.
    func forEachRectangle(in grid: OutputGrid, _ body: (Range<Int>, Range<Int>) -> Bool) {
        switch self {
        case .polygons(let mask): mask.forEachRectangle(in: grid, body)
        case .runs(let mask): mask.forEachRectangle(in: grid, body)
        }
    }

    /// True when at least one output pixel is in the mask and, when `visible` is given, at least one of
    /// them lies in a visible patch (`visible[py · G + px]`, G = side / patchSize), the §11.4 `random_fg` test.
    func isCandidate(in grid: OutputGrid, visible: [Bool]?, patchSize: Int) -> Bool {
        var found = false
        let perRow = grid.side / patchSize
        forEachRectangle(in: grid) { rows, columns in
            guard let visible else { found = true; return false }
            let xs = grid.placed(columns)
            for py in (rows.lowerBound / patchSize)...((rows.upperBound - 1) / patchSize) {
                for px in (xs.lowerBound / patchSize)...((xs.upperBound - 1) / patchSize) where visible[py * perRow + px] {
                    found = true
                    return false
                }
            }
            return true
        }
        return found
    }

    /// Writes the mask as 0/1 floats into the `side × side` plane at `out`, the flip applied.
    func draw(in grid: OutputGrid, into out: UnsafeMutablePointer<Float>) {
        let side = grid.side
        out.update(repeating: 0, count: side * side)
        forEachRectangle(in: grid) { rows, columns in
            let xs = grid.placed(columns)
            for y in rows { (out + y * side + xs.lowerBound).update(repeating: 1, count: xs.count) }
            return true
        }
    }
}
