import Testing
@testable import Data
import Engine
import Regions

/// The geometric steps of REFERENCE.md §11.2: crop box, nearest indices, bicubic resize.
struct ResamplingTests {
    @Test func nearestIndicesMatchPyTorch() {
        #expect(NearestIndices.indices(input: 5, output: 3) == [0, 1, 3])
        #expect(NearestIndices.indices(input: 3, output: 7) == [0, 0, 0, 1, 1, 2, 2])
        #expect(NearestIndices.indices(input: 224, output: 224) == Array(0..<224))
        #expect(NearestIndices.indices(input: 640, output: 224).last! <= 639)
    }

    @Test func cropBoxesStayInsideAndFollowTheRanges() {
        var rng = RandomGenerator(seed: 3, stream: .test)
        for _ in 0..<2000 {
            let box = RandomResizedCrop.box(width: 640, height: 480, using: &rng)
            #expect(box.top >= 0 && box.left >= 0 && box.top + box.height <= 480 && box.left + box.width <= 640)
            let area = Double(box.width * box.height) / Double(640 * 480)
            let ratio = Double(box.width) / Double(box.height)
            #expect(area > 0.19 && area <= 1.0)
            #expect(ratio > 0.74 && ratio < 1.35)
        }
    }

    @Test func cropFallbackIsCentredAndClampedToTheRatio() {
        var rng = RandomGenerator(seed: 4, stream: .test)
        // Every try needs h ≥ √(0.2·4000 / (4/3)) ≈ 24.5 > 10 rows, so the loop always falls back.
        #expect(RandomResizedCrop.box(width: 400, height: 10, using: &rng) == CropBox(top: 0, left: 193, height: 10, width: 13))
        #expect(RandomResizedCrop.box(width: 10, height: 400, using: &rng) == CropBox(top: 193, left: 0, height: 13, width: 10))
    }

    @Test func bicubicKeepsFlatImagesFlatAndCopiesSameSize() {
        let flat = RGBImage(width: 50, height: 30, pixels: [UInt8](repeating: 0, count: 50 * 30 * 3).enumerated().map { UInt8([200, 17, 90][$0.offset % 3]) })
        let out = BicubicResampler.resize(flat, crop: .whole(width: 50, height: 30), width: 17, height: 41)
        #expect(out.count == 17 * 41 * 3)
        for p in 0..<(17 * 41) { #expect(out[3 * p] == 200 && out[3 * p + 1] == 17 && out[3 * p + 2] == 90) }

        let noise = SyntheticData.noise(width: 20, height: 16, seed: 1)
        let same = BicubicResampler.resize(noise, crop: CropBox(top: 2, left: 3, height: 10, width: 12), width: 12, height: 10)
        for y in 0..<10 { for x in 0..<12 { #expect(same[(y * 12 + x) * 3] == noise[y + 2, x + 3].r) } }
    }

    @Test func bicubicWeightsSumToOneAndWidenWhenDownsampling() {
        let up = BicubicResampler.taps(input: 10, output: 40)
        let down = BicubicResampler.taps(input: 640, output: 224)
        for t in [up, down] {
            for i in t.start.indices {
                let sum = t.weights[(i * t.taps)..<(i * t.taps + t.count[i])].reduce(0, +)
                #expect(abs(Int(sum) - (1 << 22)) <= t.count[i])
            }
        }
        #expect(up.count.max()! <= 5)
        #expect(down.count.max()! >= 11)   // support 2 · 640/224 ≈ 5.7 on each side
    }

    @Test func bicubicOfARampIsMonotonic() {
        let ramp = RGBImage(width: 256, height: 4, pixels: (0..<(256 * 4)).flatMap { p in [UInt8(p % 256), 0, 0] })
        let out = BicubicResampler.resize(ramp, crop: .whole(width: 256, height: 4), width: 64, height: 4)
        let row = (0..<64).map { out[3 * $0] }
        #expect(zip(row, row.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(abs(Int(row[32]) - 130) <= 2)   // centre of output pixel 32 is input 130
    }
}
