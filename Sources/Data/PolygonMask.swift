/// One mask as COCO polygons (`"segmentation": [[x0, y0, x1, y1, …], …]`, pixel coordinates with the
/// image's top-left corner at (0, 0)); the mask is the union of the polygons.
///
/// Rasterised at the output's resolution only: a source pixel (r, c) is in a polygon when its centre
/// (c + 0.5, r + 0.5) is inside by the even–odd rule, with centres on an edge counted on the half-open
/// side (`xa ≤ c + 0.5 < xb` along a scan line crossing at xa and xb; an edge at height y0 … y1 crosses
/// scan lines y0 ≤ r + 0.5 < y1). Only the source rows the output samples are scanned, so a polygon costs
/// O(edges · output rows) whatever the image size. This is the pixel-centre rule; pycocotools' `frPyObjects`
/// rasterises on a 5× finer lattice and can differ from it by a pixel along edges.
struct PolygonMask: Sendable, Equatable {
    /// Each polygon's vertices as (x, y) pairs, at least 3 per polygon (Float: half the memory of an
    /// annotation file's worth of polygons; the scan itself runs in Double).
    let polygons: [[(x: Float, y: Float)]]

    static func == (a: PolygonMask, b: PolygonMask) -> Bool {
        a.polygons.count == b.polygons.count && zip(a.polygons, b.polygons).allSatisfy { p, q in
            p.count == q.count && zip(p, q).allSatisfy { $0.x == $1.x && $0.y == $1.y }
        }
    }

    /// Vertices from COCO's flat lists; a failure naming the problem when a list is odd, shorter than 3 points,
    /// or holds a non-finite (or absurdly large, ≥ 1e9) number.
    static func make(_ lists: [[Double]]) -> Result<PolygonMask, SampleFailure> {
        guard !lists.isEmpty else { return .failure(SampleFailure("empty polygon list")) }
        var polygons: [[(x: Float, y: Float)]] = []
        for list in lists {
            guard list.count % 2 == 0, list.count >= 6 else {
                return .failure(SampleFailure("a polygon has \(list.count) coordinates (want an even number, at least 6)"))
            }
            guard list.allSatisfy({ $0.isFinite && abs($0) < 1e9 }) else { return .failure(SampleFailure("a polygon has a non-finite coordinate")) }
            polygons.append(stride(from: 0, to: list.count, by: 2).map { (Float(list[$0]), Float(list[$0 + 1])) })
        }
        return .success(PolygonMask(polygons: polygons))
    }

    /// Calls `body(rows, columns)` with output rectangles (columns before the flip) that together cover
    /// exactly the output pixels whose source pixel centre is inside the mask, until `body` returns false.
    func forEachRectangle(in grid: OutputGrid, _ body: (Range<Int>, Range<Int>) -> Bool) {
        var crossings: [Double] = []
        for polygon in polygons {
            var low = Double.infinity, high = -Double.infinity
            for p in polygon { low = min(low, Double(p.y)); high = max(high, Double(p.y)) }
            // Output rows whose source centre can lie in [low, high): source rows ceil(low − 0.5) ..< ceil(high − 0.5).
            let span = grid.outputRows(Self.range(from: low, to: high))
            var y = span.lowerBound
            while y < span.upperBound {
                let r = grid.rows[y]
                var next = y + 1
                while next < span.upperBound && grid.rows[next] == r { next += 1 }
                let centre = Double(r) + 0.5
                crossings.removeAll(keepingCapacity: true)
                var (px, py) = (Double(polygon[polygon.count - 1].x), Double(polygon[polygon.count - 1].y))
                for p in polygon {
                    let (qx, qy) = (Double(p.x), Double(p.y))
                    if (py <= centre) != (qy <= centre) { crossings.append(px + (centre - py) * (qx - px) / (qy - py)) }
                    (px, py) = (qx, qy)
                }
                crossings.sort()
                var i = 0
                while i + 1 < crossings.count {
                    // Columns c with crossings[i] ≤ c + 0.5 < crossings[i + 1].
                    let xs = grid.outputColumns(Self.range(from: crossings[i], to: crossings[i + 1]))
                    if !xs.isEmpty && !body(y..<next, xs) { return }
                    i += 2
                }
                y = next
            }
        }
    }

    /// Pixels i whose centre i + 0.5 lies in [a, b): `ceil(a − 0.5) ..< ceil(b − 0.5)`, with far-off
    /// coordinates clamped before conversion (the grid clips to the crop anyway).
    private static func range(from a: Double, to b: Double) -> Range<Int> {
        func index(_ v: Double) -> Int { Int(min(max((v - 0.5).rounded(.up), -1e12), 1e12)) }
        let low = index(a)
        return low..<max(index(b), low)
    }
}
