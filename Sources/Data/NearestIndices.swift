/// PyTorch's `interpolate(mode="nearest")` source indices, used for label maps (REFERENCE.md §11.2):
///
///     scale = Float(input) / Float(output)                (float32)
///     src   = min(floor(Float(dst) · scale), input − 1)
///
/// e.g. 5 → 3 picks [0, 1, 3] and 3 → 7 picks [0, 0, 0, 1, 1, 2, 2]. Float32 arithmetic matters: it is what
/// makes the rule exact for PyTorch on CPU.
enum NearestIndices {
    /// Source index for each of `output` destination positions along an axis of length `input`.
    static func indices(input: Int, output: Int) -> [Int] {
        precondition(input > 0 && output > 0, "NearestIndices: sizes must be positive (\(input) -> \(output))")
        let scale = Float(input) / Float(output)
        return (0..<output).map { Swift.min(Int((Float($0) * scale).rounded(.down)), input - 1) }
    }
}
