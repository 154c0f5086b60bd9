import Foundation
import Testing
@testable import Data
import Regions

/// Decoding every format the pipeline meets to RGB8; errors name the file.
@Suite struct ImageDecoderTests {
    /// A small image with distinct, smooth content (so JPEG round trips stay close).
    static func sample(width: Int = 16, height: Int = 12) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)), UInt8((x + y) * 4 % 256)]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func meanAbsoluteError(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        return Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
    }

    // MARK: PNG

    @Test func pngRoundTripIsExact() throws {
        let image = Self.sample()
        #expect(try ImageDecoder.decode(PNG.encode(image), name: "rgb.png") == image)
    }

    @Test func pngGreyIsReplicated() throws {
        let grey: [UInt8] = (0..<20).map { UInt8($0 * 12) }
        let decoded = try ImageDecoder.decode(PNG.encode(pixels: grey, width: 5, height: 4, channels: 1), name: "g.png")
        #expect(decoded.pixels == grey.flatMap { [$0, $0, $0] })
    }

    @Test func pngRGBADropsAlpha() throws {
        let image = Self.sample(width: 4, height: 3)
        var rgba: [UInt8] = []
        for i in 0..<12 { rgba += image.pixels[(3 * i)..<(3 * i + 3)] + [UInt8(i * 20)] }
        #expect(try ImageDecoder.decode(PNG.encode(pixels: rgba, width: 4, height: 3, channels: 4), name: "a.png") == image)
    }

    @Test func pngGreyAlpha8Bit() throws {
        let rows: [[UInt8]] = [[10, 255, 20, 0, 30, 128], [40, 1, 50, 2, 60, 3]]
        let file = TinyPNG.file(width: 3, height: 2, bitDepth: 8, color: .greyAlpha, rows: rows)
        let decoded = try ImageDecoder.decode(file, name: "ga.png")
        #expect(decoded.pixels == [10, 20, 30, 40, 50, 60].flatMap { [$0, $0, $0] })
    }

    @Test func png16BitKeepsTheHighByte() throws {
        // RGB16: (0x1234, 0xABCD, 0xFF00), (0x00FF, 0x8080, 0x0001)
        let rows: [[UInt8]] = [[0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x00, 0x00, 0xFF, 0x80, 0x80, 0x00, 0x01]]
        let rgb = try ImageDecoder.decode(TinyPNG.file(width: 2, height: 1, bitDepth: 16, color: .rgb, rows: rows), name: "16.png")
        #expect(rgb.pixels == [0x12, 0xAB, 0xFF, 0x00, 0x80, 0x00])
        let grey = try ImageDecoder.decode(TinyPNG.file(width: 2, height: 1, bitDepth: 16, color: .grey,
                                                        rows: [[0x7F, 0xFF, 0x01, 0x00]]), name: "g16.png")
        #expect(grey.pixels == [0x7F, 0x7F, 0x7F, 0x01, 0x01, 0x01])
        let rgba = try ImageDecoder.decode(TinyPNG.file(width: 1, height: 1, bitDepth: 16, color: .rgba,
                                                        rows: [[1, 2, 3, 4, 5, 6, 7, 8]]), name: "rgba16.png")
        #expect(rgba.pixels == [1, 3, 5])
    }

    @Test func pngPaletteAndOneBitGrey() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let indexed = try ImageDecoder.decode(TinyPNG.file(width: 3, height: 1, bitDepth: 8, color: .palette,
                                                           rows: [[2, 0, 1]], palette: palette), name: "p.png")
        #expect(indexed.pixels == [0, 0, 255, 255, 0, 0, 0, 255, 0])
        let bits = try ImageDecoder.decode(TinyPNG.file(width: 8, height: 1, bitDepth: 1, color: .grey,
                                                        rows: [[0b1010_0001]]), name: "1bit.png")
        #expect(bits.pixels == [255, 0, 255, 0, 0, 0, 0, 255].flatMap { [$0, $0, $0] })
    }

    // MARK: JPEG

    @Test func jpegBaselineAndProgressive() throws {
        let image = Self.sample()
        for progressive in [false, true] {
            let file = JPEG.encode(pixels: image.pixels, width: image.width, height: image.height, channels: 3,
                                   quality: 100, progressive: progressive)
            let decoded = try ImageDecoder.decode(file, name: "x.jpg")
            #expect(decoded.width == image.width && decoded.height == image.height)
            #expect(Self.meanAbsoluteError(decoded.pixels, image.pixels) < 2, "progressive \(progressive)")
        }
    }

    @Test func jpegGrey() throws {
        let grey: [UInt8] = (0..<(16 * 8)).map { UInt8($0 * 2) }
        let decoded = try ImageDecoder.decode(JPEG.encode(pixels: grey, width: 16, height: 8, channels: 1, quality: 100),
                                              name: "g.jpg")
        #expect(Self.meanAbsoluteError(decoded.pixels, grey.flatMap { [$0, $0, $0] }) < 2)
    }

    /// Adobe CMYK as Photoshop writes it (inverted), stored as CMYK and as YCCK.
    @Test(arguments: [false, true])
    func jpegAdobeCMYK(ycck: Bool) throws {
        let image = Self.sample()
        var cmyk: [UInt8] = []
        for i in 0..<(image.width * image.height) {
            // C = 255 − R etc., K = 0; inverted storage keeps 255 − C = R and 255 − K = 255.
            cmyk += [image.pixels[3 * i], image.pixels[3 * i + 1], image.pixels[3 * i + 2], 255]
        }
        let file = JPEG.encode(pixels: cmyk, width: image.width, height: image.height, channels: 4, quality: 100, ycck: ycck)
        let decoded = try ImageDecoder.decode(file, name: "cmyk.jpg")
        #expect(Self.meanAbsoluteError(decoded.pixels, image.pixels) < 3)
    }

    // MARK: EXIF orientation

    @Test func orientationTable() {
        // 3 wide, 2 high, pixels numbered 0...5 in the red channel.
        let image = RGBImage(width: 3, height: 2, pixels: (0..<6).flatMap { [UInt8($0), 0, 0] })
        let expected: [Int: (Int, Int, [UInt8])] = [
            1: (3, 2, [0, 1, 2, 3, 4, 5]), 2: (3, 2, [2, 1, 0, 5, 4, 3]),
            3: (3, 2, [5, 4, 3, 2, 1, 0]), 4: (3, 2, [3, 4, 5, 0, 1, 2]),
            5: (2, 3, [0, 3, 1, 4, 2, 5]), 6: (2, 3, [3, 0, 4, 1, 5, 2]),
            7: (2, 3, [5, 2, 4, 1, 3, 0]), 8: (2, 3, [2, 5, 1, 4, 0, 3]),
        ]
        for (orientation, (w, h, red)) in expected {
            let o = image.oriented(orientation)
            #expect(o.width == w && o.height == h, "orientation \(orientation)")
            #expect(stride(from: 0, to: o.pixels.count, by: 3).map { o.pixels[$0] } == red, "orientation \(orientation)")
        }
    }

    @Test(arguments: [false, true])
    func jpegExifOrientationIsApplied(littleEndian: Bool) throws {
        let image = Self.sample(width: 16, height: 8)
        let plain = JPEG.encode(pixels: image.pixels, width: 16, height: 8, channels: 3, quality: 100)
        let base = try ImageDecoder.decode(plain, name: "plain.jpg")
        let rotated = try ImageDecoder.decode(TinyEXIF.jpeg(plain, orientation: 6, littleEndian: littleEndian), name: "r.jpg")
        #expect(rotated == base.oriented(6))
        #expect(rotated.width == 8 && rotated.height == 16)
    }

    @Test func pngExifOrientationIsApplied() throws {
        let rows: [[UInt8]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]
        let file = TinyPNG.file(width: 2, height: 2, bitDepth: 8, color: .rgb, rows: rows,
                                exif: TinyEXIF.tiff(orientation: 3, littleEndian: true))
        let decoded = try ImageDecoder.decode(file, name: "o.png")
        #expect(decoded.pixels == [10, 11, 12, 7, 8, 9, 4, 5, 6, 1, 2, 3])
    }

    // MARK: Bad files

    static func expectFailure(_ bytes: [UInt8], name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ImageDecoder.decode(bytes, name: name)
            Issue.record("\(name) decoded without error", sourceLocation: sourceLocation)
        } catch {
            #expect(error.file == name, sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix(name + ": "), sourceLocation: sourceLocation)
            #expect(!error.reason.isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test func truncatedAndCorruptFilesThrow() {
        let image = Self.sample(width: 32, height: 32)
        let jpeg = JPEG.encode(pixels: image.pixels, width: 32, height: 32, channels: 3, quality: 90)
        let progressive = JPEG.encode(pixels: image.pixels, width: 32, height: 32, channels: 3, quality: 90, progressive: true)
        let png = PNG.encode(image)
        Self.expectFailure(Array(jpeg[0..<(jpeg.count / 2)]), name: "half.jpg")
        Self.expectFailure(Array(progressive[0..<(progressive.count / 2)]), name: "half-progressive.jpg")
        Self.expectFailure(Array(jpeg[0..<20]), name: "header-only.jpg")
        Self.expectFailure([0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0x11, count: 200), name: "garbage.jpg")
        Self.expectFailure(Array(png[0..<(png.count / 2)]), name: "half.png")
        var flipped = png
        flipped[40] ^= 0xFF                                      // inside IDAT: CRC mismatch
        Self.expectFailure(flipped, name: "crc.png")
        Self.expectFailure(Array(png[0..<12]), name: "sig-only.png")
        Self.expectFailure([], name: "empty.jpg")
        Self.expectFailure(Array("GIF89a not supported".utf8), name: "fake.png")
    }

    @Test func missingFileNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent/rmae-\(UInt32.random(in: 0...UInt32.max)).jpg")
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.decode(contentsOf: url) }
        do { _ = try ImageDecoder.decode(contentsOf: url) } catch { #expect(error.file == url.path) }
    }
}
