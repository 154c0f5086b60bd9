import Testing
@testable import Data
import Engine
import Regions

/// Candidate pools (§11.3) and the choice of k regions (§11.4).
struct RegionSamplingTests {
    @Test func fewerCandidatesThanKRepeatEachAFairNumberOfTimes() {
        var rng = RandomGenerator(seed: 1, stream: .test)
        var short = [0, 0, 0]                      // how often each candidate got ⌊8/3⌋ = 2 rather than 3 slots
        var firstSlot = [0, 0, 0]
        let trials = 6000
        for _ in 0..<trials {
            let chosen = RegionSampling.choose(candidates: 3, k: 8, using: &rng)
            #expect(chosen.count == 8)
            let counts = (0..<3).map { c in chosen.filter { $0 == c }.count }
            #expect(counts.allSatisfy { $0 == 2 || $0 == 3 } && counts.reduce(0, +) == 8)
            short[counts.firstIndex(of: 2)!] += 1
            firstSlot[chosen[0]] += 1
        }
        for c in 0..<3 {
            #expect(abs(Double(short[c]) / Double(trials) - 1.0 / 3) < 0.03)
            #expect(abs(Double(firstSlot[c]) / Double(trials) - 1.0 / 3) < 0.03)
        }
    }

    @Test func enoughCandidatesGiveKDistinctUniformly() {
        var rng = RandomGenerator(seed: 2, stream: .test)
        var hits = [Int](repeating: 0, count: 20)
        let trials = 5000
        for _ in 0..<trials {
            let chosen = RegionSampling.choose(candidates: 20, k: 8, using: &rng)
            #expect(chosen.count == 8 && Set(chosen).count == 8 && chosen.allSatisfy { (0..<20).contains($0) })
            for c in chosen { hits[c] += 1 }
        }
        for h in hits { #expect(abs(Double(h) / Double(trials) - 8.0 / 20) < 0.03) }   // each with probability k/n
        #expect(RegionSampling.choose(candidates: 0, k: 8, using: &rng).isEmpty)
        #expect(Set(RegionSampling.choose(candidates: 8, k: 8, using: &rng)) == Set(0..<8))
        #expect(RegionSampling.choose(candidates: 1, k: 4, using: &rng) == [0, 0, 0, 0])
    }

    @Test func candidatesAreInScaleThenLabelOrder() {
        // side 4, patch 2: scale 0 has labels {7, 3}, scale 1 has {0, 1, 2}.
        let maps: [Int32] = [7, 7, 3, 3,
                             7, 7, 3, 3,
                             7, 7, 7, 7,
                             7, 7, 7, 7,
                             2, 2, 0, 0,
                             2, 2, 0, 0,
                             1, 1, 1, 1,
                             1, 1, 1, 1]
        let all = RegionCandidates.candidates(maps: maps, scales: 2, side: 4, patchSize: 2, visible: nil)
        #expect(all.map { [$0.scale, Int($0.label)] } == [[0, 3], [0, 7], [1, 0], [1, 1], [1, 2]])
        // Only patch 1 (top right) visible: label 3 of scale 0 and label 0 of scale 1 touch it.
        let fg = RegionCandidates.candidates(maps: maps, scales: 2, side: 4, patchSize: 2, visible: [false, true, false, false])
        #expect(fg.map { [$0.scale, Int($0.label)] } == [[0, 3], [1, 0]])
        // A region touching a visible patch by a single pixel counts.
        var one = [Int32](repeating: 0, count: 16)
        one[5] = 9                                                            // (1, 1): patch 0
        let touch = RegionCandidates.candidates(maps: one, scales: 1, side: 4, patchSize: 2, visible: [true, false, false, false])
        #expect(touch.map(\.label) == [0, 9])
        let away = RegionCandidates.candidates(maps: one, scales: 1, side: 4, patchSize: 2, visible: [false, false, false, true])
        #expect(away.map(\.label) == [0])
        // Labels past the dense table (e.g. <i4 maps) take the sorted-dictionary path.
        let wide: [Int32] = [5_000_000, 2, 2, 2]
        #expect(RegionCandidates.candidates(maps: wide, scales: 1, side: 2, patchSize: 1, visible: nil).map(\.label) == [2, 5_000_000])
    }

    /// Noise labels: 8×8 blocks of random labels over a 64×64 image, so visibility really filters.
    static func blockNoise(seed: UInt64) -> (RGBImage, LabelStack) {
        var rng = RandomGenerator(seed: seed, stream: .test)
        let blockLabels = (0..<64).map { _ in Int32(rng.int(below: 200)) }
        var labels = [UInt8](repeating: 0, count: 64 * 64)
        for p in 0..<(64 * 64) {
            let block: Int = (p / 64 / 8) * 8 + (p % 64) / 8
            labels[p] = UInt8(blockLabels[block])
        }
        let stack = try! LabelStack(NPYArray(shape: [1, 64, 64], uint8: labels), width: 64, height: 64)
        return (SyntheticData.noise(width: 64, height: 64, seed: seed), stack)
    }

    @Test func randomForegroundKeepsOnlyRegionsTouchingVisiblePatches() {
        let options = LoaderOptions(imageSize: 32, patchSize: 8, numRegions: 4, regionMaskRatio: 0.75,
                                    regionSampleType: .randomForeground, train: true)
        #expect(options.patchCount == 16 && options.visiblePatchCount == 4)
        let augmenter = SampleAugmenter(options: options)
        for seed in 0..<50 {
            let (picture, maps) = Self.blockNoise(seed: UInt64(seed))
            var rng = RandomGenerator(seed: UInt64(seed), stream: .test)
            var image = [Float](repeating: 0, count: 3 * 32 * 32)
            var regions = [Float](repeating: 0, count: 4 * 32 * 32)
            let ids = image.withUnsafeMutableBufferPointer { i in
                regions.withUnsafeMutableBufferPointer { r in
                    augmenter.process(picture, maps: .labels(maps, background: nil), using: &rng, image: i.baseAddress!, regions: r.baseAddress!)
                }
            }
            guard let ids else { Issue.record("random_fg returned no permutation"); continue }
            #expect(ids.sorted() == Array(0..<16))
            let visible = Set(ids.prefix(4))
            for j in 0..<4 {
                var touched = Set<Int>()
                for p in 0..<(32 * 32) where regions[j * 1024 + p] == 1 { touched.insert((p / 32 / 8) * 4 + (p % 32) / 8) }
                #expect(!touched.isEmpty)
                #expect(!touched.isDisjoint(with: visible), "seed \(seed): region \(j) touches \(touched.sorted()), visible \(visible.sorted())")
            }
        }
    }

    @Test func noVisiblePatchMeansKZeroMaps() {
        // β_R = 1 → K_R = 0: no candidate survives the filter, so all k maps are zero (n = 0).
        let options = LoaderOptions(imageSize: 32, patchSize: 8, numRegions: 3, regionMaskRatio: 1,
                                    regionSampleType: .randomForeground, train: false)
        let (picture, maps) = Self.blockNoise(seed: 9)
        var rng = RandomGenerator(seed: 0, stream: .test)
        var image = [Float](repeating: 0, count: 3 * 32 * 32)
        var regions = [Float](repeating: 7, count: 3 * 32 * 32)
        _ = image.withUnsafeMutableBufferPointer { i in
            regions.withUnsafeMutableBufferPointer { r in
                SampleAugmenter(options: options).process(picture, maps: .labels(maps, background: nil), using: &rng, image: i.baseAddress!, regions: r.baseAddress!)
            }
        }
        #expect(regions.allSatisfy { $0 == 0 })
    }
}
