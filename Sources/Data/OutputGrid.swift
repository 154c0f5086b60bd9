/// Where each pixel of a `side × side` output sample comes from in the source image (REFERENCE.md §11.2):
/// the crop's rows and columns picked by PyTorch's nearest rule (``NearestIndices``), then the flip.
///
///     output (y, x)  ←  source (rows[y], columns[flipped ? side − 1 − x : x])
///
/// Both index lists ascend, so the output rows that read source rows `r0 ..< r1` are one contiguous range,
/// found in O(1) from an inverse table; masks use this to rasterise runs and polygon spans straight into
/// the output without ever building a source-sized mask.
struct OutputGrid {
    /// Output side (the image size, 224).
    let side: Int
    /// The crop, in source pixels.
    let crop: CropBox
    /// Source row of each output row, ascending, `side` of them.
    let rows: [Int]
    /// Source column of each output column before the flip, ascending, `side` of them.
    let columns: [Int]
    /// True when the output is mirrored left–right.
    let flipped: Bool
    /// `firstRow[r − crop.top]`: the first output row reading source row ≥ r, for r in the crop and one past.
    private let firstRow: [Int]
    /// The same for columns (before the flip).
    private let firstColumn: [Int]

    init(crop: CropBox, side: Int, flipped: Bool) {
        self.side = side
        self.crop = crop
        self.flipped = flipped
        rows = NearestIndices.indices(input: crop.height, output: side).map { $0 + crop.top }
        columns = NearestIndices.indices(input: crop.width, output: side).map { $0 + crop.left }
        firstRow = Self.inverse(rows, start: crop.top, count: crop.height)
        firstColumn = Self.inverse(columns, start: crop.left, count: crop.width)
    }

    /// `table[i]` = first index j with `picks[j] ≥ start + i`, for i in 0...count.
    private static func inverse(_ picks: [Int], start: Int, count: Int) -> [Int] {
        var table = [Int](repeating: picks.count, count: count + 1)
        var j = 0
        for i in 0...count {
            while j < picks.count && picks[j] < start + i { j += 1 }
            table[i] = j
        }
        return table
    }

    /// Output rows whose source row lies in `source` (any range; clipped to the crop).
    func outputRows(_ source: Range<Int>) -> Range<Int> {
        let low = min(max(source.lowerBound - crop.top, 0), crop.height)
        let high = min(max(source.upperBound - crop.top, low), crop.height)
        return firstRow[low]..<firstRow[high]
    }

    /// Output columns, before the flip, whose source column lies in `source` (clipped to the crop).
    func outputColumns(_ source: Range<Int>) -> Range<Int> {
        let low = min(max(source.lowerBound - crop.left, 0), crop.width)
        let high = min(max(source.upperBound - crop.left, low), crop.width)
        return firstColumn[low]..<firstColumn[high]
    }

    /// Source columns in output order, the flip applied: what label maps are gathered with.
    var sampledColumns: [Int] { flipped ? columns.reversed() : columns }

    /// Output columns (before the flip) `range` as they land in the output, the flip applied.
    func placed(_ range: Range<Int>) -> Range<Int> {
        flipped ? (side - range.upperBound)..<(side - range.lowerBound) : range
    }
}
