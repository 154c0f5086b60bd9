/// Parameter initialisers with the official R-MAE / MAE distributions (REFERENCE.md §9), from our seeded RNG.
public enum Initialization {
    /// Xavier-uniform `U(−a, a)`, `a = √(6 / (fanIn + fanOut))` for a weight `[fanOut, fanIn, ...]` viewed as a
    /// Linear `[fanOut, fanIn·…]` (MAE initialises the patch-embedding conv this way).
    public static func xavierUniform(_ shape: [Int], using rng: inout RandomGenerator) -> Tensor {
        let fanOut = shape[0], fanIn = Shape.count(shape) / Swift.max(fanOut, 1)
        let a = (6.0 / Float(fanIn + fanOut)).squareRoot()
        return .uniform(shape, low: -a, high: a, using: &rng)
    }

    /// PyTorch's default bias init for Conv2d / Linear: `U(−1/√fanIn, 1/√fanIn)`.
    public static func defaultBias(_ count: Int, fanIn: Int, using rng: inout RandomGenerator) -> Tensor {
        let b = 1 / Float(fanIn).squareRoot()
        return .uniform([count], low: -b, high: b, using: &rng)
    }

    /// Normal with standard deviation `std` (0.02 for cls and mask tokens; not truncated, as upstream).
    public static func normal(_ shape: [Int], std: Float, using rng: inout RandomGenerator) -> Tensor {
        .normal(shape, mean: 0, std: std, using: &rng)
    }
}
