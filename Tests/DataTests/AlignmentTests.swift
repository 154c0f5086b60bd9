import Testing
@testable import Data
import Engine
import Regions

/// Image and label maps stay aligned through crop, resize and flip: the image's colours encode its label
/// map, so inside every sampled region the de-normalised image must show one label's colour.
struct AlignmentTests {
    static let (width, height) = (160, 120)
    static let fine = SyntheticData.blocks(width: width, height: height, columns: 4, rows: 3)       // 12 labels

    /// Output pixel colours (0…255) of channel c from a normalised `[3, side, side]` slot.
    static func colour(_ image: [Float], side: Int, y: Int, x: Int) -> [Int] {
        (0..<3).map { c in
            Int(((image[c * side * side + y * side + x] * ImageNormalization.imagenet.std[c] + ImageNormalization.imagenet.mean[c]) * 255).rounded())
        }
    }

    @Test(arguments: [true, false])
    func regionsAndPixelsAgree(train: Bool) throws {
        let side = 64
        let picture = SyntheticData.image(labels: Self.fine, width: Self.width, height: Self.height)
        let array = NPYArray(shape: [1, Self.height, Self.width], uint8: Self.fine.map { UInt8($0) })
        let maps = try LabelStack(array, width: Self.width, height: Self.height)
        let options = LoaderOptions(imageSize: side, patchSize: 16, numRegions: 12, train: train)
        let augmenter = SampleAugmenter(options: options)
        let labelColours = Set((0..<12).map { l in let c = SyntheticData.colour(Int32(l)); return [Int(c.0), Int(c.1), Int(c.2)] })
        for seed in 0..<(train ? 24 : 1) {
            var rng = RandomGenerator(seed: UInt64(seed), stream: .test)
            var image = [Float](repeating: 0, count: 3 * side * side)
            var regions = [Float](repeating: 0, count: 12 * side * side)
            _ = image.withUnsafeMutableBufferPointer { i in
                regions.withUnsafeMutableBufferPointer { r in
                    augmenter.process(picture, maps: .labels(maps, background: nil), using: &rng, image: i.baseAddress!, regions: r.baseAddress!)
                }
            }
            // Which region holds each pixel (a label sampled twice gives two identical maps; either will do).
            var owner = [Int](repeating: -1, count: side * side)
            for j in 0..<12 {
                let map = regions[(j * side * side)..<((j + 1) * side * side)]
                #expect(map.allSatisfy { $0 == 0 || $0 == 1 })
                #expect(map.contains(1))
                for (p, v) in map.enumerated() where v == 1 { owner[p] = j }
            }
            // Interior pixels (all within ±3 in the same region) must carry exactly one label colour per region.
            var regionColour: [Int: [Int]] = [:]
            for y in 3..<(side - 3) {
                for x in 3..<(side - 3) {
                    let j = owner[y * side + x]
                    guard j >= 0 else { continue }
                    var interior = true
                    for dy in -3...3 { for dx in -3...3 where owner[(y + dy) * side + x + dx] != j { interior = false } }
                    guard interior else { continue }
                    let c = Self.colour(image, side: side, y: y, x: x)
                    if let known = regionColour[j] {
                        #expect(zip(known, c).allSatisfy { abs($0 - $1) <= 2 }, "seed \(seed) region \(j) at (\(y), \(x)): \(c) vs \(known)")
                    } else {
                        #expect(labelColours.contains { zip($0, c).allSatisfy { abs($0 - $1) <= 2 } }, "seed \(seed): \(c) is no label's colour")
                        regionColour[j] = c
                    }
                }
            }
        }
        if !train {
            // Validation is a plain resize of the whole image: the top-left pixel shows label 0, the bottom-right label 11.
            var rng = RandomGenerator(seed: 0, stream: .test)
            var image = [Float](repeating: 0, count: 3 * side * side)
            image.withUnsafeMutableBufferPointer { i in
                _ = augmenter.process(picture, maps: .labels(maps, background: nil), using: &rng, image: i.baseAddress!, regions: nil)
            }
            let c0 = SyntheticData.colour(0), c11 = SyntheticData.colour(11)
            #expect(Self.colour(image, side: side, y: 0, x: 0) == [Int(c0.0), Int(c0.1), Int(c0.2)])
            #expect(Self.colour(image, side: side, y: side - 1, x: side - 1) == [Int(c11.0), Int(c11.1), Int(c11.2)])
        }
    }

    @Test func flipHappensHalfTheTime() throws {
        // A left-to-right ramp stays increasing under any crop; only the flip makes it decrease.
        let (w, h, side) = (64, 48, 16)
        let ramp = RGBImage(width: w, height: h, pixels: (0..<(w * h)).flatMap { p in [UInt8(4 * (p % w)), 0, 0] })
        let augmenter = SampleAugmenter(options: LoaderOptions(imageSize: side, patchSize: 8, numRegions: 0, train: true))
        var flipped = 0
        for seed in 0..<400 {
            var rng = RandomGenerator(seed: UInt64(seed), stream: .test)
            var image = [Float](repeating: 0, count: 3 * side * side)
            image.withUnsafeMutableBufferPointer { i in
                _ = augmenter.process(ramp, maps: nil, using: &rng, image: i.baseAddress!, regions: nil)
            }
            if image[side * (side / 2)] > image[side * (side / 2) + side - 1] { flipped += 1 }
        }
        #expect((160...240).contains(flipped), "\(flipped) of 400 flipped")
    }
}
