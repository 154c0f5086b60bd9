/// The pool of candidate regions of one augmented sample (REFERENCE.md §11.3 and the `random_fg` filter
/// of §11.4): one binary region per distinct label per scale, in scale order, then ascending label.
///
/// Candidates are kept as `(scale, label)` pairs; only the k that are sampled are ever drawn as maps.
struct RegionCandidates {
    /// One candidate: the pixels of map `scale` equal to `label`.
    struct Candidate: Equatable {
        var scale: Int
        var label: Int32
    }

    /// All candidates of `maps` (`[S, side, side]`), or, when `visible` is given, only those with at least
    /// one pixel in a visible patch.
    /// - Parameters:
    ///   - maps: resampled label maps, `scales * side * side` labels.
    ///   - visible: per patch (`n = y·G + x`, G = side / patchSize) whether it is visible, or nil for no filter.
    ///   - background: a label that is no region (0 in PNG instance maps), or nil when every label is one.
    static func candidates(maps: [Int32], scales: Int, side: Int, patchSize: Int, visible: [Bool]?,
                           background: Int32? = nil) -> [Candidate] {
        let plane = side * side
        let grid = side / patchSize
        // patchOf[x] for a row: column → patch column, precomputed once.
        let column = (0..<side).map { $0 / patchSize }
        var result: [Candidate] = []
        maps.withUnsafeBufferPointer { maps in
            for s in 0..<scales {
                let labels = UnsafeBufferPointer(rebasing: maps[(s * plane)..<((s + 1) * plane)])
                var low = Int32.max, high = Int32.min
                for l in labels { low = min(low, l); high = max(high, l) }
                // 1: present; 2: present and touching a visible patch.
                let span = Int(high) - Int(low) + 1
                if span <= 1 << 20 {
                    var seen = [UInt8](repeating: 0, count: span)
                    for y in 0..<side {
                        let rowPatch = (y / patchSize) * grid
                        let row = y * side
                        for x in 0..<side {
                            let l = Int(labels[row + x] - low)
                            let mark: UInt8 = visible.map { $0[rowPatch + column[x]] ? 2 : 1 } ?? 2
                            if seen[l] < mark { seen[l] = mark }
                        }
                    }
                    for l in 0..<span where seen[l] == 2 { result.append(Candidate(scale: s, label: Int32(l) + low)) }
                } else {
                    var seen: [Int32: Bool] = [:]
                    for y in 0..<side {
                        let rowPatch = (y / patchSize) * grid
                        for x in 0..<side {
                            let touches = visible.map { $0[rowPatch + column[x]] } ?? true
                            let l = labels[y * side + x]
                            if touches { seen[l] = true } else if seen[l] == nil { seen[l] = false }
                        }
                    }
                    for l in seen.keys.sorted() where seen[l]! { result.append(Candidate(scale: s, label: l)) }
                }
            }
        }
        if let background { result.removeAll { $0.label == background } }
        return result
    }

    /// Writes `out[p] = 1` where `maps[candidate.scale][p] == candidate.label`, else 0, for `plane` pixels.
    static func draw(_ candidate: Candidate, maps: [Int32], plane: Int, into out: UnsafeMutablePointer<Float>) {
        maps.withUnsafeBufferPointer { maps in
            let base = candidate.scale * plane
            let label = candidate.label
            for p in 0..<plane { out[p] = maps[base + p] == label ? 1 : 0 }
        }
    }
}
