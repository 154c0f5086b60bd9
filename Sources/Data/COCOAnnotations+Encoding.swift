extension COCOAnnotations {
    /// Each label's mask of a row-major `height × width` label map as COCO compressed run lengths (the
    /// `counts` string of `{"size": [height, width], "counts": …}`), in ascending label order: how FH maps
    /// or any label map become instance annotations (used by `rmae bench data` for its COCO variant).
    ///
    /// One column-major pass over the map: each label keeps where its last run of mask pixels ended, so a
    /// pixel either extends that run or closes a run of zeros and opens a new one.
    public static func compressedCounts(labels: [Int32], width: Int, height: Int) -> [(label: Int32, counts: String)] {
        precondition(labels.count == width * height, "compressedCounts: \(labels.count) labels for \(width)x\(height)")
        var runs: [Int32: [Int]] = [:]
        var end: [Int32: Int] = [:]              // column-major position after the label's last mask pixel
        for c in 0..<width {
            for r in 0..<height {
                let p = c * height + r
                let l = labels[r * width + c]
                if let e = end[l], e == p {
                    runs[l]![runs[l]!.count - 1] += 1
                } else {
                    runs[l, default: []] += [p - (end[l] ?? 0), 1]
                }
                end[l] = p + 1
            }
        }
        return runs.keys.sorted().map { l in
            let rest = width * height - end[l]!
            let counts = rest > 0 ? runs[l]! + [rest] : runs[l]!
            return (l, String(decoding: CompressedCounts.encode(counts), as: UTF8.self))
        }
    }
}
