import Testing
@testable import Viz

@Suite struct LinePlotTests {
    static func colour(_ c: Canvas, _ p: (x: Int, y: Int)) -> [UInt8] {
        let i = (p.y * c.width + p.x) * 3
        return Array(c.pixels[i..<(i + 3)])
    }

    @Test func aDiagonalLineRunsFromCornerToCorner() {
        let red: (UInt8, UInt8, UInt8) = (200, 0, 0)
        let plot = LinePlot(title: "T", xLabel: "X", series: [.init(name: "a", points: [(0, 0), (1, 1)], color: red)],
                            xRange: 0...1, yRange: 0...1)
        let canvas = plot.render(width: 200, height: 150)
        let f = plot.frame(width: 200, height: 150)
        // (0, 0) is the bottom-left pixel of the plot area, (1, 1) the top-right one; both are drawn.
        #expect(f.pixel(x: 0, y: 0) == (f.left, f.top + f.height - 1))
        #expect(f.pixel(x: 1, y: 1) == (f.left + f.width - 1, f.top))
        #expect(Self.colour(canvas, f.pixel(x: 0, y: 0)) == [200, 0, 0])
        #expect(Self.colour(canvas, f.pixel(x: 1, y: 1)) == [200, 0, 0])
        #expect(Self.colour(canvas, f.pixel(x: 0.5, y: 0.5)) == [200, 0, 0])
        // The opposite corners are not on the line.
        #expect(Self.colour(canvas, f.pixel(x: 1, y: 0)) != [200, 0, 0])
        #expect(Self.colour(canvas, f.pixel(x: 0, y: 1)) != [200, 0, 0])
        // The frame is drawn just outside the plot area.
        #expect(Self.colour(canvas, (f.left - 1, f.top + 5)) == [0, 0, 0])
    }

    @Test func aConstantDashedLineHasGapsAndOutOfRangePointsAreClipped() {
        let grey: (UInt8, UInt8, UInt8) = (100, 100, 100)
        let plot = LinePlot(title: "", xLabel: "", series: [
            .init(name: "base", points: [(0, 0.5), (10, 0.5)], color: grey, dashed: true),
            .init(name: "out", points: [(0, 5), (10, 5)], color: (0, 0, 200)),
        ], xRange: 0...10, yRange: 0...1)
        let canvas = plot.render(width: 200, height: 150)
        let f = plot.frame(width: 200, height: 150)
        let row = f.pixel(x: 0, y: 0.5).y
        let onLine = (f.left..<(f.left + f.width)).filter { Self.colour(canvas, ($0, row)) == [100, 100, 100] }.count
        #expect(onLine > f.width / 3 && onLine < 2 * f.width / 3)
        let inside = (f.top..<(f.top + f.height)).flatMap { y in (f.left..<(f.left + f.width)).map { (x: $0, y: y) } }
        #expect(!inside.contains { Self.colour(canvas, $0) == [0, 0, 200] })
    }

    @Test func ticksAreNiceAndCoverTheData() {
        #expect(LinePlot.niceStep(0.13) == 0.2)
        #expect(LinePlot.niceStep(3) == 5)
        #expect(LinePlot.niceStep(80) == 100)
        let (range, ticks) = LinePlot.axis(nil, data: [0.31, 0.78])
        #expect(range.lowerBound <= 0.31 && range.upperBound >= 0.78)
        #expect(ticks.first! >= range.lowerBound && ticks.last! <= range.upperBound + 1e-12)
        #expect(LinePlot.label(0.25, step: 0.05) == "0.25" && LinePlot.label(400, step: 100) == "400")
        // A single value still gets a range.
        let (flat, _) = LinePlot.axis(nil, data: [2, 2])
        #expect(flat.lowerBound < 2 && flat.upperBound > 2)
    }
}
