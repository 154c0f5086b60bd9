@testable import Regions

/// The straightforward FH of REFERENCE.md §12, kept beside the fast one as its reference: edges in a
/// list of tuples sorted by a comparison sort on `(weight, enumeration index)`, union-find whose root is
/// always the smallest pixel index, labels as the rank of the root. Slow and obviously right.
enum NaiveFelzenszwalb {
    static func segment(_ image: RGBImage, scale: Double, sigma: Double, minSize: Int) -> [Int32] {
        let (h, w) = (image.height, image.width)
        let s = GaussianBlur.smoothed(image, sigma: sigma)
        var edges: [(u: Int, v: Int, w: Double)] = []
        func add(_ p: Int, _ q: Int) {
            var d = 0.0
            for c in 0..<3 { let t = s[p * 3 + c] - s[q * 3 + c]; d += t * t }
            edges.append((p, q, d.squareRoot()))
        }
        for y in 0..<h { for x in 0..<(w - 1) { add(y * w + x + 1, y * w + x) } }
        for y in 0..<(h - 1) { for x in 0..<w { add((y + 1) * w + x, y * w + x) } }
        for y in 0..<(h - 1) { for x in 0..<(w - 1) { add((y + 1) * w + x + 1, y * w + x) } }
        for y in 0..<(h - 1) { for x in 0..<(w - 1) { add(y * w + x + 1, (y + 1) * w + x) } }
        let order = edges.indices.sorted { (edges[$0].w, $0) < (edges[$1].w, $1) }

        let n = h * w, kappa = scale / 255
        var parent = Array(0..<n), size = [Int](repeating: 1, count: n), difference = [Double](repeating: 0, count: n)
        func root(_ p: Int) -> Int {
            var p = p
            while parent[p] != p { parent[p] = parent[parent[p]]; p = parent[p] }
            return p
        }
        func join(_ a: Int, _ b: Int, _ weight: Double) {
            let (r, c) = (min(a, b), max(a, b))
            parent[c] = r
            size[r] += size[c]
            difference[r] = weight
        }
        for e in order {
            let (a, b) = (root(edges[e].u), root(edges[e].v))
            if a == b { continue }
            let ta = Float(difference[a] + kappa / Double(size[a])), tb = Float(difference[b] + kappa / Double(size[b]))
            if edges[e].w < Double(min(ta, tb)) { join(a, b, edges[e].w) }
        }
        for e in order {
            let (a, b) = (root(edges[e].u), root(edges[e].v))
            if a != b && (size[a] < minSize || size[b] < minSize) {
                let (r, c) = (min(a, b), max(a, b))
                parent[c] = r
                size[r] += size[c]
            }
        }
        let roots = (0..<n).map(root)
        let ranks = Dictionary(uniqueKeysWithValues: Set(roots).sorted().enumerated().map { ($1, Int32($0)) })
        return roots.map { ranks[$0]! }
    }
}

/// Deterministic test images.
struct TestImages {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }

    /// Noise around a few flat colour blocks, quantised to `levels` grey levels per channel so that
    /// many edge weights tie exactly.
    mutating func blocks(width: Int, height: Int, levels: Int = 256, noise: Int = 40) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let step = max(1, 256 / levels)
        for y in 0..<height {
            for x in 0..<width {
                let block = (y * 3 / max(height, 1)) * 3 + x * 3 / max(width, 1)
                for c in 0..<3 {
                    let base = (block * 73 + c * 91) % 200
                    let v = min(255, base + Int(next() % UInt64(noise + 1)))
                    pixels[(y * width + x) * 3 + c] = UInt8(v / step * step)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
