import Data
import Engine
import Foundation

/// A labelled folder where the answer is known: noisy grey photos with one or two squares, red ones class 1
/// ("red"), blue ones class 2 ("blue"), on a grid of 4 px, in the mmseg layout of `rmae finetune`.
public enum SyntheticSegmentation {
    /// Writes `ROOT/{train,val}/{images,labels}` and `ROOT/classes.txt`; returns ROOT.
    @discardableResult
    public static func write(to root: URL, train: Int = 48, val: Int = 12, size: Int = 32, seed: UInt64 = 3) throws -> URL {
        try "red\nblue\n".write(to: root.appendingPathComponent("classes.txt", isDirectory: false).creatingParent(), atomically: true, encoding: .utf8)
        var rng = RandomGenerator(seed: seed, stream: .test)
        for (split, count) in [("train", train), ("val", val)] {
            for sub in ["images", "labels"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent("\(split)/\(sub)"), withIntermediateDirectories: true)
            }
            for i in 0..<count {
                var px = [UInt8](repeating: 0, count: size * size * 3)
                var ids = [UInt8](repeating: 0, count: size * size)
                for p in 0..<(size * size) { let g = UInt8(80 + rng.int(below: 90)); (px[3 * p], px[3 * p + 1], px[3 * p + 2]) = (g, g, g) }
                for _ in 0..<(1 + rng.int(below: 2)) {
                    let cls = UInt8(1 + rng.int(below: 2))
                    let side = 4 * (2 + rng.int(below: 2))
                    let (top, left) = (4 * rng.int(below: (size - side) / 4 + 1), 4 * rng.int(below: (size - side) / 4 + 1))
                    for y in top..<(top + side) {
                        for x in left..<(left + side) {
                            let p = y * size + x, n = UInt8(rng.int(below: 30))
                            (px[3 * p], px[3 * p + 1], px[3 * p + 2]) = cls == 1 ? (210 + n, 30 + n, 30 + n) : (30 + n, 50 + n, 210 + n)
                            ids[p] = cls
                        }
                    }
                }
                let stem = String(format: "%04d", i)
                try Foundation.Data(PNG.encode(pixels: px, width: size, height: size, channels: 3))
                    .write(to: root.appendingPathComponent("\(split)/images/\(stem).png"))
                try Foundation.Data(PNG.encode(pixels: ids, width: size, height: size, channels: 1))
                    .write(to: root.appendingPathComponent("\(split)/labels/\(stem).png"))
            }
        }
        return root
    }
}

extension URL {
    /// Creates the folder this file will live in; returns the file's URL.
    func creatingParent() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}
