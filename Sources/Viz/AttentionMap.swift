import Engine
import Models

/// Where one patch looks in the last encoder block (paper Fig. 3; REFERENCE.md §14.3).
///
/// The pixel encoder runs on the whole image without masking, tokens in natural order (identity
/// permutation, all N patches kept). The last block's post-softmax attention `[1, H, N+1, N+1]` is read at
/// the query's row `1 + y·G + x`; column 0 (cls) is dropped, leaving one `G × G` map per head:
///
///     A = softmax((LN1(x) W_q)(LN1(x) W_k)ᵀ / √d)      x: input of the last block, [1, N+1, C]
///     heads[h][m] = A[0, h, 1 + query, 1 + m],  m = 0..<N
///
/// Each head's map sums to `1 − clsShare[h]`.
public struct AttentionMap {
    /// G: patches per side.
    public let gridSize: Int
    /// The query patch, `y · G + x`.
    public let queryPatch: Int
    /// One `G · G` map per head, row-major.
    public let heads: [[Float]]
    /// Per head, the attention the query pays to the cls token (dropped from the maps).
    public let clsShare: [Float]

    /// - Parameters:
    ///   - model: any model (MAE, RAE or R-MAE); only its pixel encoder runs.
    ///   - image: `[1, 3, S, S]`, normalised.
    ///   - queryPatch: `y · G + x`.
    public init(model: RegionMAE, image: Tensor, queryPatch: Int) {
        let c = model.config
        let (n, g) = (c.numPatches, c.gridSize)
        precondition(image.shape == [1, c.inChans, c.imgSize, c.imgSize], "AttentionMap: image \(image.shape), expected [1, \(c.inChans), \(c.imgSize), \(c.imgSize)]")
        precondition((0..<n).contains(queryPatch), "AttentionMap: query patch \(queryPatch) outside 0..<\(n)")
        let probabilities = withoutGradient { () -> Tensor in
            let x = Self.lastBlockInput(model: model, image: image)
            let last = model.blocks[model.blocks.count - 1]
            return last.attn.probabilities(last.norm1(x))                       // (1, H, N+1, N+1)
        }
        let h = probabilities.shape[1], n1 = n + 1
        let a = probabilities.scalars
        var heads: [[Float]] = [], cls: [Float] = []
        for head in 0..<h {
            let row = (head * n1 + 1 + queryPatch) * n1
            cls.append(a[row])
            heads.append(Array(a[(row + 1)..<(row + n1)]))
        }
        gridSize = g
        self.queryPatch = queryPatch
        self.heads = heads
        clsShare = cls
    }

    /// The mean over heads, `G · G`.
    public var mean: [Float] {
        var out = [Float](repeating: 0, count: gridSize * gridSize)
        for map in heads { for i in out.indices { out[i] += map[i] / Float(heads.count) } }
        return out
    }

    /// The hidden state entering the last encoder block, `[1, N+1, C]`: patch embedding plus position,
    /// cls in front, all blocks but the last. The same steps as `RegionMAE.encode` with every patch kept in
    /// natural order (a test checks that finishing the pass here reproduces `encode`).
    static func lastBlockInput(model: RegionMAE, image: Tensor) -> Tensor {
        let c = model.config
        let (n, d) = (c.numPatches, c.embedDim)
        var x = model.patchEmbed(image) + model.posEmbed.slice(alongAxis: 0, 1..<(n + 1))    // (1, N, C)
        let cls = (model.clsToken + model.posEmbed.slice(alongAxis: 0, 0..<1)).broadcasted(to: [1, 1, d])
        x = Tensor.concat([cls, x], alongAxis: 1)                                          // (1, N+1, C)
        for block in model.blocks.dropLast() { x = block(x) }
        return x
    }
}
