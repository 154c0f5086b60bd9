import NN
import Testing
import TestSupport

@Suite struct DropPathTests {
    @Test func factorsAreZeroOrInverseKeep() {
        var rng = RandomGenerator(seed: 1, stream: .regularization)
        let f = DropPath.factors(batch: 4000, rate: 0.25, using: &rng).scalars
        #expect(f.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        let dropped = Double(f.filter { $0 == 0 }.count) / 4000
        #expect(abs(dropped - 0.25) < 0.03)
        #expect(DropPath.rates(depth: 5, rate: 0.1) == [0, 0.025, 0.05, 0.075, 0.1])
    }

    /// The block with stochastic depth: gradients by finite differences with the draws held fixed (the same
    /// seed on every evaluation), so some images have a dropped branch and the rest a scaled one.
    @Test func blockGradientByFiniteDifferences() {
        var init_ = RandomGenerator(seed: 2, stream: .initialization)
        let block = Block(8, heads: 2, mlpRatio: 2, using: &init_)
        let x = randomTensor([4, 3, 8], seed: 7)
        gradcheck([x], "block with drop path") { xs in
            var rng = RandomGenerator(seed: 11, stream: .regularization)
            return block(xs[0], dropPath: 0.5, using: &rng)
        }
        var rng = RandomGenerator(seed: 11, stream: .regularization)
        let draws = DropPath.factors(batch: 4, rate: 0.5, using: &rng).scalars + DropPath.factors(batch: 4, rate: 0.5, using: &rng).scalars
        #expect(Set(draws) == [0, 2])   // the checked draws drop some branches and keep (doubled) others
        var plain = RandomGenerator(seed: 11, stream: .regularization)
        #expect(block(x, dropPath: 0, using: &plain).scalars == block(x).scalars)
    }
}
