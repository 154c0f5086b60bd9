import Data
import Foundation
import Testing
import TestSupport
@testable import TensorBoard

// MARK: - CRC-32C and TFRecord framing

struct CRC32CTests {
    /// RFC 3720 (iSCSI) appendix B.4 vectors and the common check value.
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    /// Masked values as TensorBoard's own `masked_crc32c` gives them.
    @Test func maskedMatchesTensorBoard() {
        #expect(CRC32C.masked(CRC32C.checksum(Array("123456789".utf8))) == 0xC78A_B0E5)
        #expect(CRC32C.masked(CRC32C.checksum([UInt8](repeating: 0, count: 8))) == 0x0798_0329)
        #expect(CRC32C.masked(CRC32C.checksum((0..<32).map { UInt8($0) })) == 0x951F_7892)
    }
}

struct TFRecordTests {
    @Test func framesAndReadsBack() throws {
        let payloads: [[UInt8]] = [[], Array("event".utf8), (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }]
        let stream = payloads.flatMap(TFRecord.framed)
        #expect(stream.count == payloads.map { $0.count + 16 }.reduce(0, +))
        #expect(Array(TFRecord.framed([1, 2, 3]).prefix(8)) == [3, 0, 0, 0, 0, 0, 0, 0])
        #expect(try TFRecord.records(in: stream) == payloads)
    }

    @Test func detectsDamage() {
        let record = TFRecord.framed(Array("scalar".utf8))
        var data = record; data[13] ^= 1
        #expect(throws: TFRecordError.badDataChecksum(offset: 0)) { try TFRecord.records(in: data) }
        var length = record; length[0] ^= 1
        #expect(throws: TFRecordError.badLengthChecksum(offset: 0)) { try TFRecord.records(in: length) }
        #expect(throws: TFRecordError.truncated(offset: record.count)) {
            try TFRecord.records(in: record + Array(record.dropLast()))
        }
    }
}

// MARK: - Event files

struct EventFileWriterTests {
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-tb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func events(_ url: URL) throws -> [Tensorboard_Event] {
        try TFRecord.records(in: [UInt8](Foundation.Data(contentsOf: url))).map { try Tensorboard_Event(serializedBytes: $0) }
    }

    /// A 5×3 RGB picture with a different colour in every pixel.
    static let png = PNG.encode(pixels: (0..<45).map { UInt8($0 * 5) }, width: 5, height: 3, channels: 3)

    @Test func recordKeepsNumbersOnly() {
        let record: [String: Any] = ["step": 7, "loss": 0.5, "epoch": 2, "lr": Float(1e-3), "note": "text", "flag": true,
                                     "count": UInt8(3)]
        let scalars = EventFileWriter.scalars(in: record)
        #expect(scalars.map(\.tag) == ["count", "epoch", "loss", "lr"])
        #expect(scalars.map(\.value) == [3, 2, 0.5, Double(Float(1e-3))])
    }

    @Test func fileLayout() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try EventFileWriter(directory: dir, firstStep: 11)
        try writer.write(["step": 12, "loss": 0.25, "name": "x"], step: 12)
        try writer.writeImage(tag: "picture", png: Self.png, step: 12)
        #expect(throws: EventFileError.self) { try writer.writeImage(tag: "bad", png: [1, 2, 3], step: 12) }
        #expect(writer.url.lastPathComponent.hasPrefix("events.out.tfevents."))

        let events = try Self.events(writer.url)
        #expect(events.count == 4)
        #expect(events[0].fileVersion == "brain.Event:2")
        #expect(events[0].sourceMetadata.writer == "rmae-swift")
        #expect(events[1].sessionLog.status == .start && events[1].step == 11)
        #expect(events[2].step == 12 && events[2].summary.value.map(\.tag) == ["loss"])
        #expect(events[2].summary.value.first?.simpleValue == 0.25)
        let image = events[3].summary.value.first?.image
        #expect(image?.width == 5 && image?.height == 3 && image?.colorspace == 3)
        #expect(image.map { [UInt8]($0.encodedImageString) } == Self.png)

        // A second writer in the same directory never overwrites the first.
        let second = try EventFileWriter(directory: dir, firstStep: 13)
        #expect(second.url != writer.url)
        #expect(second.url.lastPathComponent > writer.url.lastPathComponent)
        #expect(try Self.events(writer.url).count == 4)
    }

    /// The official reader: scalars with their steps, a PNG, and a restarted run whose second file takes
    /// over from its first step on.
    @Test(.enabled(if: OfficialTensorBoard.available, "\(OfficialTensorBoard.unavailableReason ?? "")"))
    func officialReaderReadsItBack() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let first = try EventFileWriter(directory: dir, firstStep: 1)
            for step in 1...5 { try first.write(["loss": Double(step), "epoch": 0], step: step) }
            try first.writeImage(tag: "picture", png: Self.png, step: 5)
        }
        // Resumed from a checkpoint at step 3: steps 4 and 5 of the first file are stale.
        let second = try EventFileWriter(directory: dir, firstStep: 4)
        for step in 4...6 { try second.write(["loss": Double(step) + 0.5, "epoch": 1], step: step) }
        try second.writeImage(tag: "picture", png: Self.png, step: 6)

        let logs = try OfficialTensorBoard.read(dir)
        #expect(Set(logs.scalars.keys) == ["loss", "epoch"])
        #expect(logs.scalars["loss"]?.map(\.step) == [1, 2, 3, 4, 5, 6])
        #expect(logs.scalars["loss"]?.map(\.value) == [1, 2, 3, 4.5, 5.5, 6.5])
        #expect(logs.scalars["epoch"]?.map(\.value) == [0, 0, 0, 1, 1, 1])
        let pictures = try #require(logs.images["picture"])
        #expect(pictures.map(\.step) == [6])
        for p in pictures {
            #expect(p.error == nil)
            #expect(p.width == 5 && p.height == 3 && p.decodedWidth == 5 && p.decodedHeight == 3)
        }
    }
}
