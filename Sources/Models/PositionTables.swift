import Engine
import NN

extension RegionMAE {
    /// The model with the frozen position tables of a file (`pos_embed`, `decoder_pos_embed`; `[1, T, dim]` or
    /// `[T, dim]`, cls row first) in place of its own sin-cos ones, as an imported model holds them (a Hugging
    /// Face file may hold tables that are not sin-cos). For another patch grid: a table that is the sin-cos one
    /// of its own grid is recomputed for this grid (as the official code builds it); any other table is resized
    /// bicubically with the cls row kept (MAE's `interpolate_pos_embed`). Returns one note per table.
    public func withPositionTables(_ tables: [String: Tensor]) throws -> (model: RegionMAE, notes: [String]) {
        var copy = self
        var notes: [String] = []
        let g = config.gridSize
        func adopt(_ name: String, _ file: Tensor, current: Tensor) throws -> Tensor {
            let dim = current.shape[1]
            guard (file.rank == 3 && file.shape[0] == 1) || file.rank == 2, file.shape.last == dim else {
                throw ParameterLoadingError(description: "'\(name)' has shape \(file.shape), expected [1, T, \(dim)]")
            }
            let table = file.rank == 3 ? file.reshaped([file.shape[1], dim]) : file
            let rows = table.shape[0]
            if rows == current.shape[0] {
                let same = zip(table.scalars, current.scalars).allSatisfy { abs($0 - $1) <= 1e-5 }
                if !same { notes.append("\(name): the file's table (not the sin-cos one)") }
                return table.detached()
            }
            let g0 = Int(Double(rows - 1).squareRoot().rounded())
            guard g0 > 0, g0 * g0 == rows - 1 else {
                throw ParameterLoadingError(description: "'\(name)' has \(rows) rows: not a cls row and a square patch grid")
            }
            let sinCos = sinCosPositionTable(dim: dim, gridSize: g0)
            if zip(table.scalars, sinCos.scalars).allSatisfy({ abs($0 - $1) <= 1e-5 }) {
                notes.append("\(name): sin-cos recomputed for the \(g)×\(g) grid (file \(g0)×\(g0))")
                return current
            }
            notes.append("\(name): resized bicubically from \(g0)×\(g0) to \(g)×\(g)")
            return PositionEmbeddingResize.resized(table.reshaped([1, rows, dim]), extraTokens: 1, grid: g).reshaped([g * g + 1, dim])
        }
        if let t = tables["pos_embed"] { copy.posEmbed = try adopt("pos_embed", t, current: posEmbed) }
        if let t = tables["decoder_pos_embed"], let current = decoderPosEmbed {
            copy.decoderPosEmbed = try adopt("decoder_pos_embed", t, current: current)
        }
        return (copy, notes)
    }
}
