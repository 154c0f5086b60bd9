import Engine

/// Which k of n candidate regions a sample gets (REFERENCE.md §11.4), as the official loader chooses:
///
///     n = 0      → none: the sample's k maps are all zero;
///     0 < n < k  → [0, 1, …, n−1] repeated ⌈k/n⌉ times, shuffled uniformly, first k
///                  (each candidate appears ⌊k/n⌋ or ⌈k/n⌉ times; not i.i.d. with replacement);
///     n ≥ k      → k distinct candidates: the first k of a uniform random permutation of 0..<n.
///
/// The paper says "with replacement"; the code, which we follow, draws without replacement when it can.
enum RegionSampling {
    /// Indices into the candidate pool, in the order the regions are stacked; empty when `n == 0`.
    static func choose(candidates n: Int, k: Int, using rng: inout RandomGenerator) -> [Int] {
        precondition(n >= 0 && k >= 0, "RegionSampling: negative count (n \(n), k \(k))")
        if n == 0 || k == 0 { return [] }
        if n < k {
            let repeats = (k + n - 1) / n
            let pool = (0..<(n * repeats)).map { $0 % n }
            return rng.permutation(pool.count).prefix(k).map { pool[$0] }
        }
        return Array(rng.permutation(n).prefix(k))
    }
}
