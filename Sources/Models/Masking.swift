import Engine

/// The random masking shared by image and regions (REFERENCE.md §5): one permutation per image.
///
/// Mask convention: 0 = kept / visible, 1 = removed / masked. Visible tokens are the first `kept` entries of
/// `idsShuffle`, gathered in that (shuffled) order; `idsRestore` is its inverse, used to un-shuffle.
public struct Masking: Sendable, Equatable {
    /// Per image, the patch order; the first `kept` are visible.
    public let idsShuffle: [[Int]]
    /// Per image, the inverse permutation.
    public let idsRestore: [[Int]]

    public init(idsShuffle: [[Int]]) {
        self.idsShuffle = idsShuffle
        self.idsRestore = idsShuffle.map(inversePermutation)
    }

    /// MAE's `random_masking`: `argsort(noise)` per row, ascending and stable. noise: `[B, N]`.
    public init(noise: Tensor) {
        self.init(idsShuffle: noise.argsortRows())
    }

    /// A uniformly random permutation per image.
    public static func random(batch: Int, patches: Int, using rng: inout RandomGenerator) -> Masking {
        Masking(idsShuffle: (0..<batch).map { _ in rng.permutation(patches) })
    }

    /// The masking of the images in `range` (a share of the batch).
    public func images(_ range: Range<Int>) -> Masking { Masking(idsShuffle: Array(idsShuffle[range])) }

    public var batch: Int { idsShuffle.count }
    public var patches: Int { idsShuffle.first?.count ?? 0 }

    /// Visible patch ids, per image, in shuffled order.
    public func keep(_ kept: Int) -> [[Int]] { idsShuffle.map { Array($0[..<kept]) } }

    /// `[B, N]` with 1 where masked: `mask[n] = ids_restore[n] >= kept`.
    public func mask(kept: Int) -> Tensor {
        Tensor(shape: [batch, patches], idsRestore.flatMap { $0.map { $0 >= kept ? 1 : 0 } })
    }
}
