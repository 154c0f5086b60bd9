import Regions
import Testing
import Viz

@Suite struct HeatMapTests {
    @Test func upsamplingKeepsConstantsAndStaysInRange() {
        #expect(HeatMap.upsampled([Float](repeating: 0.25, count: 9), gridSize: 3, to: 12).allSatisfy { abs($0 - 0.25) < 1e-6 })
        let grid: [Float] = [0, 1, 0.5, 0.2]
        let up = HeatMap.upsampled(grid, gridSize: 2, to: 8)
        #expect(up.count == 64)
        #expect(up.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(up[0] == 0 && up[7] == 1)                      // corners keep the corner cells (clamped borders)
    }

    @Test func rampRunsFromDarkToBright() {
        let low = HeatMap.color(0), high = HeatMap.color(1)
        #expect(Int(low.0) + Int(low.1) + Int(low.2) < 150)
        #expect(Int(high.0) + Int(high.1) + Int(high.2) > 600)
        #expect(HeatMap.color(-3) == low && HeatMap.color(7) == high && HeatMap.color(.nan) == low)
    }

    @Test func canvasUpscalingRepeatsPixels() {
        var c = Canvas(width: 3, height: 2)
        c.fill(x: 1, y: 1, width: 1, height: 1, color: (1, 2, 3))
        let big = c.upscaled(2)
        #expect((big.width, big.height) == (6, 4))
        for (y, x) in [(2, 2), (2, 3), (3, 2), (3, 3)] {
            let i = (y * 6 + x) * 3
            #expect(Array(big.pixels[i..<(i + 3)]) == [1, 2, 3])
        }
        #expect(Array(big.pixels[0..<3]) == [255, 255, 255])
    }
}
