// Row gather and scatter along the token axis: masking (keep a subset of tokens) and un-shuffling.

extension Tensor {
    /// `out[b, i, :] = self[b, indices[b][i], :]` for self [B, N, C] and `indices` B rows of K token ids.
    /// Rows may repeat; the pullback adds their gradients.
    public func gatheringRows(_ indices: [[Int]]) -> Tensor {
        precondition(rank == 3, "gatheringRows: needs a [B, N, C] tensor, got shape \(shape)")
        let (b, n, c) = (shape[0], shape[1], shape[2])
        precondition(indices.count == b, "gatheringRows: \(indices.count) index rows for batch \(b)")
        let k = indices.first?.count ?? 0
        for row in indices {
            precondition(row.count == k, "gatheringRows: index rows of different lengths")
            precondition(row.allSatisfy { $0 >= 0 && $0 < n }, "gatheringRows: index out of range 0..<\(n)")
        }
        let px = ptr
        let out = Tensor.make([b, k, c]) { po in
            for bi in 0..<b {
                for (i, src) in indices[bi].enumerated() {
                    (po + (bi * k + i) * c).update(from: px + (bi * n + src) * c, count: c)
                }
            }
        }
        let inShape = shape
        return Tensor.record(out, inputs: [self]) { g in
            let gx = Tensor.zeros(inShape)
            let pg = g.ptr, pd = gx.ptr
            for bi in 0..<b {
                for (i, dst) in indices[bi].enumerated() {
                    let d = pd + (bi * n + dst) * c, s = pg + (bi * k + i) * c
                    for j in 0..<c { d[j] += s[j] }
                }
            }
            return [gx]
        }
    }

    /// The inverse of a gather of distinct rows: `out[b, indices[b][i], :] = self[b, i, :]`, zeros elsewhere.
    /// self [B, K, C] -> [B, rows, C]. Indices within a row must be distinct.
    public func scatteringRows(_ indices: [[Int]], rows: Int) -> Tensor {
        precondition(rank == 3, "scatteringRows: needs a [B, K, C] tensor, got shape \(shape)")
        let (b, k, c) = (shape[0], shape[1], shape[2])
        precondition(indices.count == b && indices.allSatisfy { $0.count == k },
                     "scatteringRows: indices must be \(b) rows of \(k) ids for shape \(shape)")
        for row in indices {
            precondition(row.allSatisfy { $0 >= 0 && $0 < rows }, "scatteringRows: index out of range 0..<\(rows)")
            precondition(Set(row).count == row.count, "scatteringRows: repeated index in a row")
        }
        let px = ptr
        let out = Tensor.zeros([b, rows, c])
        for bi in 0..<b {
            for (i, dst) in indices[bi].enumerated() {
                (out.ptr + (bi * rows + dst) * c).update(from: px + (bi * k + i) * c, count: c)
            }
        }
        return Tensor.record(out, inputs: [self]) { g in [g.gatheringRows(indices).detached()] }
    }
}
