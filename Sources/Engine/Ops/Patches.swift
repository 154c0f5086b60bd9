// Patch layouts and the patch embedding (a stride-p convolution as patchify + linear).

extension Tensor {
    /// MAE `patchify`: `[B, C, H, W] -> [B, N, p·p·C]`, element `j = (i·p + jj)·C + c` (channel fastest),
    /// patch `n = y·G + x`. Differentiable (a reshape and a permute).
    public func patchified(patch p: Int) -> Tensor {
        let (b, c, h, w) = imageDims(patch: p, op: "patchified")
        return reshaped([b, c, h / p, p, w / p, p]).permuted([0, 2, 4, 3, 5, 1]).reshaped([b, (h / p) * (w / p), p * p * c])
    }

    /// Inverse of ``patchified(patch:)``: `[B, N, p·p·C] -> [B, C, H, W]` for a square G×G grid.
    public func unpatchified(patch p: Int, channels c: Int) -> Tensor {
        precondition(rank == 3 && shape[2] == p * p * c, "unpatchified: shape \(shape) is not [B, N, \(p)·\(p)·\(c)]")
        let g = Int(Double(shape[1]).squareRoot())
        precondition(g * g == shape[1], "unpatchified: \(shape[1]) patches do not form a square grid")
        return reshaped([shape[0], g, g, p, p, c]).permuted([0, 5, 1, 3, 2, 4]).reshaped([shape[0], c, g * p, g * p])
    }

    /// Patches in convolution-weight order: `[B, C, H, W] -> [B, N, C·p·p]`, element `j = (c·p + i)·p + jj`
    /// (channel slowest), matching a Conv2d weight `[D, C, p, p]` flattened to `[D, C·p·p]`.
    public func convPatches(patch p: Int) -> Tensor {
        let (b, c, h, w) = imageDims(patch: p, op: "convPatches")
        return reshaped([b, c, h / p, p, w / p, p]).permuted([0, 2, 4, 1, 3, 5]).reshaped([b, (h / p) * (w / p), c * p * p])
    }

    private func imageDims(patch p: Int, op: String) -> (Int, Int, Int, Int) {
        precondition(rank == 4, "\(op): needs [B, C, H, W], got \(shape)")
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        precondition(p > 0 && h % p == 0 && w % p == 0, "\(op): image \(h)×\(w) is not divisible by patch \(p)")
        return (b, c, h, w)
    }
}

/// Patch embedding, equal to PyTorch's `Conv2d(C, D, kernel p, stride p)` followed by `flatten(2).transpose(1, 2)`.
/// - Parameters:
///   - images: `[B, C, H, W]`
///   - weight: the conv kernel `[D, C, p, p]`
///   - bias: `[D]`
/// - Returns: `[B, N, D]` with N = (H/p)·(W/p), token n = y·G + x.
public func patchEmbed(_ images: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(weight.rank == 4 && weight.shape[2] == weight.shape[3] && images.rank == 4 && weight.shape[1] == images.shape[1],
                 "patchEmbed: weight \(weight.shape) does not fit images \(images.shape)")
    let p = weight.shape[2]
    let d = weight.shape[0]
    return linear(images.convPatches(patch: p), weight.reshaped([d, -1]), bias)
}

extension Tensor {
    /// Only the listed patches, in convolution-weight order: `[B, C, H, W] -> [B, K, C·p·p]` with row i of image b
    /// holding patch `keep[b][i]` (`n = y·G + x`), each laid out `(c, i, j)` as ``convPatches(patch:)``.
    /// Equal to `convPatches(patch:).gatheringRows(keep)` without materialising every patch.
    public func convPatches(patch p: Int, keep: [[Int]]) -> Tensor {
        precondition(rank == 4 && shape[2] % p == 0 && shape[3] % p == 0, "convPatches(keep:): needs [B, C, H, W] divisible by \(p), got \(shape)")
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let g = w / p, n = (h / p) * g
        precondition(keep.count == b, "convPatches(keep:): \(keep.count) index rows for batch \(b)")
        let k = keep.first?.count ?? 0
        precondition(keep.allSatisfy { $0.count == k && $0.allSatisfy { (0..<n).contains($0) } },
                     "convPatches(keep:): index rows must have equal length with ids in 0..<\(n)")
        let row = c * p * p
        let px = ptr
        let out = Tensor.make([b, k, row]) { po in
            Parallel.forRanges(b * k, grain: Swift.max(1, 4096 / Swift.max(row, 1))) { range in
                for t in range {
                    let (bi, i) = (t / k, t % k)
                    let id = keep[bi][i]
                    let (py, pxx) = (id / g, id % g)
                    var dst = po + t * row
                    for ci in 0..<c {
                        for yy in 0..<p {
                            let src = px + ((bi * c + ci) * h + py * p + yy) * w + pxx * p
                            dst.update(from: src, count: p)
                            dst += p
                        }
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.record(out, inputs: [self]) { grad in
            let gx = Tensor.zeros(inShape)
            let pg = grad.ptr, pd = gx.ptr
            for t in 0..<(b * k) {
                let (bi, i) = (t / k, t % k)
                let id = keep[bi][i]
                let (py, pxx) = (id / g, id % g)
                var src = pg + t * row
                for ci in 0..<c {
                    for yy in 0..<p {
                        let dst = pd + ((bi * c + ci) * h + py * p + yy) * w + pxx * p
                        for j in 0..<p { dst[j] += src[j] }
                        src += p
                    }
                }
            }
            return [gx]
        }
    }

    /// Rows of a constant table `[N, C]` per image: `out[b, i] = self[ids[b][i]]`, `[B, K, C]`. Not
    /// differentiable (position tables are frozen).
    public func tableRows(_ ids: [[Int]]) -> Tensor {
        precondition(rank == 2, "tableRows: needs a [N, C] table, got \(shape)")
        let (n, c) = (shape[0], shape[1])
        let k = ids.first?.count ?? 0
        precondition(ids.allSatisfy { $0.count == k && $0.allSatisfy { (0..<n).contains($0) } }, "tableRows: ids out of range 0..<\(n)")
        let px = ptr
        return Tensor.make([ids.count, k, c]) { po in
            for (bi, row) in ids.enumerated() {
                for (i, id) in row.enumerated() { (po + (bi * k + i) * c).update(from: px + id * c, count: c) }
            }
        }
    }
}
