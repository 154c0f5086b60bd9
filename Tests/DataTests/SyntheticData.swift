import Foundation
@testable import Data
import Engine
import Regions

/// Small synthetic images and label maps written to a fresh temporary folder, for the pipeline tests.
struct SyntheticData {
    let root: URL

    init(_ name: String = #function) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("rmae-data-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// `width × height` labels in `columns × rows` equal blocks, numbered row-major.
    static func blocks(width: Int, height: Int, columns: Int, rows: Int) -> [Int32] {
        (0..<(width * height)).map { p in
            let (y, x) = (p / width, p % width)
            return Int32((y * rows / height) * columns + x * columns / width)
        }
    }

    /// A distinct colour per label, far apart in at least one channel.
    static func colour(_ label: Int32) -> (UInt8, UInt8, UInt8) {
        let l = Int(label)
        return (UInt8((l * 20) % 256), UInt8(255 - (l * 20) % 256), UInt8((l * 67 + 30) % 256))
    }

    /// An image whose pixels are the colours of `labels`.
    static func image(labels: [Int32], width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for (p, l) in labels.enumerated() {
            let c = colour(l)
            pixels[3 * p] = c.0; pixels[3 * p + 1] = c.1; pixels[3 * p + 2] = c.2
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A random-looking but seeded image.
    static func noise(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var rng = RandomGenerator(seed: seed, stream: .test)
        return RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(rng.int(below: 256)) })
    }

    /// Writes `relative` (a `.png`) under `images/` and, unless `maps` is nil, its `[S, H, W]` `|u1` stack under `fh/`.
    @discardableResult
    func write(_ relative: String, image: RGBImage, maps: [[Int32]]?) throws -> URL {
        let url = root.appendingPathComponent("images").appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Foundation.Data(PNG.encode(image)).write(to: url)
        if let maps {
            let npy = RegionMaps.outputURL(for: relative, in: regions)
            try FileManager.default.createDirectory(at: npy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try NPYArray(shape: [maps.count, image.height, image.width],
                         uint8: maps.flatMap { $0.map { UInt8(truncatingIfNeeded: $0) } }).write(to: npy)
        }
        return url
    }

    var images: URL { root.appendingPathComponent("images") }
    var regions: URL { root.appendingPathComponent("fh") }

    /// `count` noise images of varied sizes named `img_000.png` …, each with a 2-scale block label stack.
    func populate(count: Int, prefix: String = "") throws {
        for i in 0..<count {
            let (w, h) = (40 + (i % 5) * 7, 36 + (i % 3) * 9)
            try write(prefix + String(format: "img_%03d.png", i), image: Self.noise(width: w, height: h, seed: UInt64(i)),
                      maps: [Self.blocks(width: w, height: h, columns: 3, rows: 2),
                             Self.blocks(width: w, height: h, columns: 2, rows: 1)])
        }
    }
}
