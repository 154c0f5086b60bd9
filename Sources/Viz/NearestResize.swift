/// Nearest-neighbour resampling of a label map (no new values appear, unlike bicubic):
/// `out[y, x] = labels[⌊(y + ½) · H / h⌋, ⌊(x + ½) · W / w⌋]`, pixel centres aligned.
/// - Parameters:
///   - labels: `height · width` values, row-major.
/// - Returns: `toHeight · toWidth` values, row-major.
public func nearestResized<T>(_ labels: [T], width: Int, height: Int, toWidth w: Int, toHeight h: Int) -> [T] {
    if w == width && h == height { return labels }
    let columns = (0..<w).map { min(width - 1, Int((Double($0) + 0.5) * Double(width) / Double(w))) }
    let rows = (0..<h).map { min(height - 1, Int((Double($0) + 0.5) * Double(height) / Double(h))) }
    var out: [T] = []
    out.reserveCapacity(w * h)
    for y in 0..<h {
        let base = rows[y] * width
        for x in 0..<w { out.append(labels[base + columns[x]]) }
    }
    return out
}
