import Foundation

/// A line chart on a ``Canvas``: a framed plot area with light grid lines at "nice" ticks (1, 2 or 5 × 10ⁿ),
/// tick labels, a title, an x-axis caption and a legend below, in the built-in 5×7 font.
///
/// ```swift
/// var plot = LinePlot(title: "MASKED-REGION IOU", xLabel: "UPDATE")
/// plot.series = [.init(name: "model", points: [(0, 0.4), (100, 0.7)], color: (200, 30, 30))]
/// try plot.render().upscaled(2).writePNG(to: url)
/// ```
///
/// Data coordinates map linearly to the plot area's pixels: `x0` to its left column, `x1` to its right one,
/// `y0` to its bottom row, `y1` to its top one (``Frame/pixel(x:y:)``). Lines are one pixel wide
/// (Bresenham); points outside the ranges are clipped, non-finite ones break the line.
public struct LinePlot {
    /// One line.
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: (UInt8, UInt8, UInt8)
        /// Drawn as dashes (baselines).
        public var dashed: Bool
        /// A 3×3 square at every point (sparse series such as validation).
        public var markers: Bool

        public init(name: String, points: [(x: Double, y: Double)], color: (UInt8, UInt8, UInt8),
                    dashed: Bool = false, markers: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.dashed = dashed
            self.markers = markers
        }
    }

    public var title: String
    public var xLabel: String
    public var series: [Series]
    /// Fixed axis ranges; nil: the data's range widened to whole ticks.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, series: [Series] = [], xRange: ClosedRange<Double>? = nil,
                yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
    }

    /// Where the plot area lies on the canvas and which data ranges it shows.
    public struct Frame {
        /// The plot area: columns `left ..< left + width`, rows `top ..< top + height`.
        public var left: Int, top: Int, width: Int, height: Int
        public var x: ClosedRange<Double>, y: ClosedRange<Double>
        public var xTicks: [Double], yTicks: [Double]

        /// The canvas pixel of a data point (it may lie outside the plot area).
        public func pixel(x px: Double, y py: Double) -> (x: Int, y: Int) {
            let fx = (px - x.lowerBound) / (x.upperBound - x.lowerBound)
            let fy = (py - y.lowerBound) / (y.upperBound - y.lowerBound)
            return (left + Int((fx * Double(width - 1)).rounded()), top + height - 1 - Int((fy * Double(height - 1)).rounded()))
        }

        public func contains(_ p: (x: Int, y: Int)) -> Bool {
            p.x >= left && p.x < left + width && p.y >= top && p.y < top + height
        }
    }

    /// Ten distinct colours that read well on white (the "tab10" palette), for series by index.
    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ]

    static let lineHeight = BitmapFont.height + 4
    static let grid: (UInt8, UInt8, UInt8) = (225, 225, 225)

    /// The layout of a `width × height` picture.
    public func frame(width: Int, height: Int) -> Frame {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let (x, xTicks) = Self.axis(xRange, data: finite.map(\.x))
        let (y, yTicks) = Self.axis(yRange, data: finite.map(\.y))
        let labelWidth = yTicks.map { Canvas.textWidth(Self.label($0, step: Self.step(yTicks))) }.max() ?? 0
        let left = labelWidth + 8, top = Self.lineHeight + 4, right = 10
        let legendRows = legendLayout(width: width - left - right).rows
        let bottom = 2 * Self.lineHeight + 4 + legendRows * Self.lineHeight
        return Frame(left: left, top: top, width: max(2, width - left - right), height: max(2, height - top - bottom),
                     x: x, y: y, xTicks: xTicks, yTicks: yTicks)
    }

    /// Draws the chart on a white canvas.
    public func render(width: Int = 360, height: Int = 220) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        let f = frame(width: width, height: height)
        canvas.text(Canvas.fitting(title, width: width - f.left - 2), x: f.left, y: 3)
        let (xStep, yStep) = (Self.step(f.xTicks), Self.step(f.yTicks))
        for t in f.yTicks {
            let row = f.pixel(x: f.x.lowerBound, y: t).y
            canvas.fill(x: f.left, y: row, width: f.width, height: 1, color: Self.grid)
            let text = Self.label(t, step: yStep)
            canvas.text(text, x: f.left - 4 - Canvas.textWidth(text), y: row - BitmapFont.height / 2)
        }
        for t in f.xTicks {
            let column = f.pixel(x: t, y: f.y.lowerBound).x
            canvas.fill(x: column, y: f.top, width: 1, height: f.height, color: Self.grid)
            let text = Self.label(t, step: xStep)
            canvas.text(text, x: column - Canvas.textWidth(text) / 2, y: f.top + f.height + 4)
        }
        canvas.stroke(x: f.left - 1, y: f.top - 1, width: f.width + 2, height: f.height + 2, color: (0, 0, 0))
        canvas.text(xLabel, x: f.left + (f.width - Canvas.textWidth(xLabel)) / 2, y: f.top + f.height + 4 + Self.lineHeight)

        for s in series { draw(s, frame: f, on: &canvas) }

        let legend = legendLayout(width: f.width)
        let legendTop = f.top + f.height + 4 + 2 * Self.lineHeight
        for (s, place) in zip(series, legend.places) {
            let (x, y) = (f.left + place.x, legendTop + place.row * Self.lineHeight)
            if s.dashed {
                for dx in stride(from: 0, to: 14, by: 6) { canvas.fill(x: x + dx, y: y + 3, width: 3, height: 2, color: s.color) }
            } else {
                canvas.fill(x: x, y: y + 3, width: 14, height: 2, color: s.color)
            }
            canvas.text(s.name, x: x + 18, y: y)
        }
        return canvas
    }

    /// One series: segments between consecutive finite points, dashes every 4 of 8 pixels when dashed.
    func draw(_ s: Series, frame f: Frame, on canvas: inout Canvas) {
        var previous: (x: Int, y: Int)?
        var run = 0
        for point in s.points {
            guard point.x.isFinite, point.y.isFinite else { previous = nil; continue }
            let p = f.pixel(x: point.x, y: point.y)
            if let a = previous {
                for q in Self.segment(from: a, to: p) where f.contains(q) {
                    if !s.dashed || run % 8 < 4 { canvas.fill(x: q.x, y: q.y, width: 1, height: 1, color: s.color) }
                    run += 1
                }
            } else if f.contains(p) {
                canvas.fill(x: p.x, y: p.y, width: 1, height: 1, color: s.color)
            }
            if s.markers {
                for dy in -1...1 { for dx in -1...1 where f.contains((p.x + dx, p.y + dy)) {
                    canvas.fill(x: p.x + dx, y: p.y + dy, width: 1, height: 1, color: s.color)
                } }
            }
            previous = p
        }
    }

    /// Legend entries flowed left to right in rows of at most `width` pixels.
    func legendLayout(width: Int) -> (places: [(x: Int, row: Int)], rows: Int) {
        var places: [(x: Int, row: Int)] = []
        var x = 0, row = 0
        for s in series {
            let w = 18 + Canvas.textWidth(s.name) + 12
            if x > 0 && x + w > width { x = 0; row += 1 }
            places.append((x, row))
            x += w
        }
        return (places, series.isEmpty ? 0 : row + 1)
    }

    /// The pixels from `a` to `b` inclusive (Bresenham).
    static func segment(from a: (x: Int, y: Int), to b: (x: Int, y: Int)) -> [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        let (dx, dy) = (abs(b.x - a.x), -abs(b.y - a.y))
        let (sx, sy) = (a.x < b.x ? 1 : -1, a.y < b.y ? 1 : -1)
        var (x, y, e) = (a.x, a.y, dx + dy)
        while true {
            out.append((x, y))
            if x == b.x && y == b.y { break }
            let e2 = 2 * e
            if e2 >= dy { e += dy; x += sx }
            if e2 <= dx { e += dx; y += sy }
        }
        return out
    }

    /// A fixed range with its ticks, or the data's range widened to whole ticks (about 5 of them).
    static func axis(_ fixed: ClosedRange<Double>?, data: [Double]) -> (ClosedRange<Double>, [Double]) {
        var lo = fixed?.lowerBound ?? data.min() ?? 0, hi = fixed?.upperBound ?? data.max() ?? 1
        if hi <= lo { (lo, hi) = (lo - max(0.5, abs(lo) * 0.1), hi + max(0.5, abs(hi) * 0.1)) }
        let step = niceStep((hi - lo) / 5)
        if fixed == nil { (lo, hi) = ((lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step) }
        var ticks: [Double] = []
        var t = (lo / step).rounded(.up) * step
        while t <= hi + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return (lo...hi, ticks)
    }

    /// 1, 2 or 5 × 10ⁿ, the nearest at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    static func step(_ ticks: [Double]) -> Double { ticks.count > 1 ? ticks[1] - ticks[0] : 1 }

    /// A tick value with as many decimals as the step needs.
    static func label(_ v: Double, step: Double) -> String {
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(min(decimals, 6))f", v)
    }
}
