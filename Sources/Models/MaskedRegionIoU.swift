/// The IoU of a region prediction over the masked region patches: the score the training log calls
/// "masked-region IoU", summed over any number of maps before the ratio is taken.
///
///     IoU = |pred ∧ true| / |pred ∨ true|   over every pixel of every masked patch of every map added
///
/// Maps are in patch layout (`[N, p·p]`, row-major patches `y · G + x`, as `patchified(patch:)` and the
/// model's `[B, k, N, p·p]` logits). A pixel is predicted when its value is ≥ `threshold` (0 for logits,
/// 0.5 for probabilities or binary maps) and true when the target is 1.
public struct MaskedRegionIoU: Sendable, Equatable {
    /// Pixels predicted and true, predicted or true, over the masked patches added so far.
    public private(set) var intersection = 0, union = 0

    public init() {}

    /// The ratio; nil when nothing was predicted and nothing was true (an empty union).
    public var value: Double? { union > 0 ? Double(intersection) / Double(union) : nil }

    /// Adds one map.
    /// - Parameters:
    ///   - prediction: `N · P` values in patch layout (logits, probabilities or 0/1).
    ///   - threshold: a pixel is predicted when its value is ≥ this.
    ///   - truth: `N · P` binary values in patch layout.
    ///   - masked: `N` flags, 1 (or true) where the patch is hidden from the region branch; only these count.
    ///   - patchArea: P = p·p.
    public mutating func add<Prediction: Collection<Float>, Truth: Collection<Float>, Masked: Collection<Float>>(
        prediction: Prediction, threshold: Float, truth: Truth, masked: Masked, patchArea: Int
    ) where Prediction.Index == Int, Truth.Index == Int, Masked.Index == Int {
        precondition(prediction.count == truth.count && truth.count == masked.count * patchArea,
                     "MaskedRegionIoU: \(prediction.count) predicted and \(truth.count) true values for \(masked.count) patches of \(patchArea)")
        let (p0, t0, m0) = (prediction.startIndex, truth.startIndex, masked.startIndex)
        for patch in 0..<masked.count where masked[m0 + patch] == 1 {
            for j in (patch * patchArea)..<((patch + 1) * patchArea) {
                let predicted = prediction[p0 + j] >= threshold, isTrue = truth[t0 + j] == 1
                if predicted && isTrue { intersection += 1 }
                if predicted || isTrue { union += 1 }
            }
        }
    }

    /// Adds the counts of another sum.
    public mutating func add(_ other: MaskedRegionIoU) {
        intersection += other.intersection
        union += other.union
    }
}

/// The trivial baseline of region reconstruction: every masked patch is filled with the `p × p` content of
/// the nearest *visible* patch of the same map.
///
/// Distance is Euclidean on the patch grid (between patch centres, in patches); ties go to the visible patch
/// with the smaller index `y · G + x` (the upper one, then the left one), so the fill is deterministic.
/// A model that learned nothing about objects but copies its neighbours scores this; region reconstruction
/// is worth something only above it.
public enum NearestVisiblePatch {
    /// For every patch, the visible patch it copies (itself when visible).
    /// - Parameters:
    ///   - visible: `G · G` flags, true where the region branch sees the patch.
    ///   - gridSize: G.
    /// - Returns: `G · G` patch indices; all patches map to themselves when none is visible.
    public static func sources(visible: [Bool], gridSize g: Int) -> [Int] {
        precondition(visible.count == g * g, "NearestVisiblePatch: \(visible.count) flags for a \(g)×\(g) grid")
        let seen = visible.indices.filter { visible[$0] }
        if seen.isEmpty { return Array(visible.indices) }
        return visible.indices.map { patch in
            if visible[patch] { return patch }
            let (y, x) = (patch / g, patch % g)
            var best = seen[0], bestDistance = Int.max
            for s in seen {   // ascending index, so the first at the smallest distance wins ties
                let (dy, dx) = (s / g - y, s % g - x)
                let d = dy * dy + dx * dx
                if d < bestDistance { (best, bestDistance) = (s, d) }
            }
            return best
        }
    }

    /// The baseline's prediction of one map in patch layout: visible patches as they are, masked patches
    /// copied from their ``sources(visible:gridSize:)``.
    /// - Parameters:
    ///   - map: `N · P` values in patch layout.
    ///   - masked: `N` flags, 1 where the patch is hidden.
    ///   - gridSize: G (N = G²); patchArea: P.
    public static func fill<Map: Collection<Float>, Masked: Collection<Float>>(
        _ map: Map, masked: Masked, gridSize: Int, patchArea: Int
    ) -> [Float] where Map.Index == Int, Masked.Index == Int {
        let n = masked.count
        precondition(map.count == n * patchArea, "NearestVisiblePatch.fill: \(map.count) values for \(n) patches of \(patchArea)")
        let from = sources(visible: masked.map { $0 != 1 }, gridSize: gridSize)
        var out = [Float](repeating: 0, count: map.count)
        let m0 = map.startIndex
        for patch in 0..<n {
            let src = from[patch] * patchArea, dst = patch * patchArea
            for j in 0..<patchArea { out[dst + j] = map[m0 + src + j] }
        }
        return out
    }
}
