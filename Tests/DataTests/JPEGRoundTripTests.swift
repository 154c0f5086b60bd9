import Testing
@testable import Data
import Regions

/// The JPEG encoder used for test inputs and `rmae bench data` round-trips through the decoder.
struct JPEGRoundTripTests {
    @Test func roundTripIsClose() throws {
        let picture = SyntheticData.image(labels: SyntheticData.blocks(width: 64, height: 48, columns: 4, rows: 3), width: 64, height: 48)
            .resized(width: 80, height: 60)
        let bytes = JPEG.encode(picture, quality: 95)
        #expect(bytes.starts(with: [0xFF, 0xD8, 0xFF]))
        let back = try ImageDecoder.decode(bytes, name: "memory.jpg")
        #expect(back.width == 80 && back.height == 60)
        let meanError = zip(back.pixels, picture.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / picture.pixels.count
        #expect(meanError <= 4)
    }
}
