import Engine

/// One binary mask as COCO run lengths (pycocotools semantics): the `height × width` mask read in
/// column-major order (down each column, then the next column) as alternating runs, the first of zeros.
///
/// The runs stay as they are in the file (a list of counts, or the compressed string of
/// ``CompressedCounts``) and are decoded on each use, streaming, up to the crop's last column; only the
/// runs of mask pixels that fall inside the crop ever become output rectangles.
struct RunLengthMask: Sendable, Equatable {
    /// The run lengths as stored.
    enum Counts: Sendable, Equatable {
        /// `"counts": [3, 2, …]`.
        case list([Int])
        /// `"counts": "324O2"` (the string's bytes).
        case compressed([UInt8])
    }

    /// Rows, h of the annotation's `size: [h, w]`.
    let height: Int
    /// Columns, w.
    let width: Int
    let counts: Counts

    /// Why the runs are unusable (a malformed string, a negative run, a total other than h · w), or nil.
    /// The sum is checked as it grows: runs past h · w stop the walk (no overflow, however large the runs).
    func problem() -> String? {
        guard let area = Shape.checkedCount([height, width]) else { return "size \(height)×\(width) overflows" }
        var total = 0
        var bad: String? = nil
        walk { run, _ in
            if run < 0 { bad = "negative run length \(run)"; return false }
            if run > area - total { bad = "run lengths add up to more than \(area), not \(height)×\(width) = \(area)"; return false }
            total += run
            return true
        } malformed: { bad = "malformed compressed counts" }
        if let bad { return bad }
        return total == area ? nil : "run lengths add up to \(total), not \(height)×\(width) = \(area)"
    }

    /// Calls `body(run, isMask)` for each run in order until it returns false; `malformed` if the
    /// compressed string is broken.
    private func walk(_ body: (Int, Bool) -> Bool, malformed: () -> Void = {}) {
        var isMask = false
        switch counts {
        case .list(let runs):
            for run in runs {
                if !body(run, isMask) { return }
                isMask.toggle()
            }
        case .compressed(let bytes):
            var reader = CompressedCounts.Reader(bytes)
            while let run = reader.next() {
                if !body(run, isMask) { return }
                isMask.toggle()
            }
            if reader.malformed { malformed() }
        }
    }

    /// Calls `body(rows, columns)` with output rectangles (columns before the flip) that together cover
    /// exactly the output pixels whose source pixel is in the mask, until `body` returns false.
    /// Assumes the mask is the image's size (checked when the sample is loaded).
    func forEachRectangle(in grid: OutputGrid, _ body: (Range<Int>, Range<Int>) -> Bool) {
        let h = height
        let crop = grid.crop
        let first = crop.left * h                       // column-major position of the crop's first column
        let end = (crop.left + crop.width) * h          // and one past its last
        let allRows = grid.outputRows(crop.top..<(crop.top + crop.height))
        guard !allRows.isEmpty else { return }
        var position = 0
        walk { run, isMask in
            let start = position
            position += max(run, 0)
            if start >= end { return false }
            guard isMask, position > first, run > 0 else { return true }
            let (c0, c1) = (start / h, (position - 1) / h)            // first and last column touched
            let (r0, r1) = (start % h, (position - 1) % h + 1)        // rows in the first and last column
            if c0 == c1 {
                let ys = grid.outputRows(r0..<r1), xs = grid.outputColumns(c0..<(c0 + 1))
                return ys.isEmpty || xs.isEmpty || body(ys, xs)
            }
            let head = grid.outputRows(r0..<h), headXs = grid.outputColumns(c0..<(c0 + 1))
            if !head.isEmpty && !headXs.isEmpty && !body(head, headXs) { return false }
            let middle = grid.outputColumns((c0 + 1)..<c1)
            if !middle.isEmpty && !body(allRows, middle) { return false }
            let tail = grid.outputRows(0..<r1), tailXs = grid.outputColumns(c1..<(c1 + 1))
            return tail.isEmpty || tailXs.isEmpty || body(tail, tailXs)
        }
    }
}
