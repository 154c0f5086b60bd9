import Data
import Engine
import Foundation
import Testing
import TestSupport

/// The `rmae` executable as a user runs it with standard error going to a log file: progress in plain
/// lines (no carriage return, no escape code) and, for `pretrain`, a TensorBoard event file that the
/// official reader reads back.
@Suite(.serialized) struct CommandOutputTests {
    /// The rmae executable built beside this test bundle.
    static var rmae: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rmae")
    }

    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs rmae with stdout and stderr going to files, as `rmae … 2> log` does.
    static func run(_ arguments: [String], in dir: URL) throws -> (status: Int32, stdout: String, stderr: [UInt8]) {
        let outURL = dir.appendingPathComponent("stdout-\(UUID().uuidString).txt")
        let errURL = dir.appendingPathComponent("stderr-\(UUID().uuidString).log")
        for url in [outURL, errURL] { FileManager.default.createFile(atPath: url.path, contents: nil) }
        let p = Process()
        p.executableURL = rmae
        p.arguments = arguments
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: outURL, encoding: .utf8), [UInt8](try Foundation.Data(contentsOf: errURL)))
    }

    /// `count` 40×40 pictures of four coloured blocks (FH finds a few regions in each).
    static func writeImages(_ count: Int, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var rng = RandomGenerator(seed: 9, stream: .test)
        for i in 0..<count {
            var px = [UInt8](repeating: 0, count: 40 * 40 * 3)
            let colours = (0..<4).map { _ in (0..<3).map { _ in UInt8(rng.int(below: 256)) } }
            for y in 0..<40 { for x in 0..<40 { for c in 0..<3 { px[(y * 40 + x) * 3 + c] = colours[(y / 20) * 2 + x / 20][c] } } }
            try Foundation.Data(PNG.encode(pixels: px, width: 40, height: 40, channels: 3))
                .write(to: folder.appendingPathComponent("img\(i).png"))
        }
    }

    static func expectPlain(_ log: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!log.contains(0x0D), "\(what): a carriage return in the log", sourceLocation: sourceLocation)
        #expect(!log.contains(0x1B), "\(what): an escape code in the log", sourceLocation: sourceLocation)
    }

    @Test func regionsProgressInALogFile() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.rmae.path), "build the rmae executable first: \(Self.rmae.path)")
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeImages(3, to: dir.appendingPathComponent("images"))
        let result = try Self.run(["regions", dir.appendingPathComponent("images").path, dir.appendingPathComponent("fh").path,
                                   "--jobs", "1"], in: dir)
        let log = String(decoding: result.stderr, as: UTF8.self)
        #expect(result.status == 0, "rmae regions failed: \(log)")
        Self.expectPlain(result.stderr, "rmae regions")
        let lines = log.split(separator: "\n")
        #expect(lines.first?.hasPrefix("regions: 1/3 images (33%), ") == true, "log: \(log)")
        #expect(lines.last?.hasPrefix("regions: 3/3 images (100%) in ") == true, "log: \(log)")
        #expect(result.stdout.contains("regions: 3 images: written=3"))
    }

    /// A 4-update run with validation at 2 and 4, then `--resume` to 6: every numeric entry of every
    /// metrics record is a TensorBoard scalar at its step, the reconstruction picture is there at every
    /// validation and decodes at the size of `reconstruction.png`, and the resumed run continues the
    /// curves (one value per step) in a second event file.
    @Test(.enabled(if: OfficialTensorBoard.available, "\(OfficialTensorBoard.unavailableReason ?? "")"))
    func pretrainWritesTensorBoardLogsAndPlainProgress() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.rmae.path), "build the rmae executable first: \(Self.rmae.path)")
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = dir.appendingPathComponent("images"), out = dir.appendingPathComponent("run")
        try Self.writeImages(8, to: images)
        let settings = ["batch_size=2", "val_fraction=0.25", "val_every=2", "log_every=1", "checkpoint_every=2", "num_workers=1",
                        "warmup_steps=1", "model.img_size=32", "model.patch_size=8", "model.embed_dim=16", "model.depth=1",
                        "model.num_heads=2", "model.decoder_embed_dim=16", "model.decoder_depth=1", "model.decoder_num_heads=2",
                        "model.region_enc_dim=16", "model.region_enc_num_heads=2", "model.region_dec_dim=16",
                        "model.region_dec_num_heads=2", "model.num_region=2"]
        let first = try Self.run(["pretrain", "--data", images.path, "--out", out.path, "--steps", "4"] + settings, in: dir)
        let firstLog = String(decoding: first.stderr, as: UTF8.self)
        #expect(first.status == 0, "rmae pretrain failed: \(firstLog)")
        Self.expectPlain(first.stderr, "rmae pretrain")
        #expect(firstLog.contains("pretrain: 1/4 updates (25%), "), "log: \(firstLog)")
        #expect(firstLog.contains("pretrain: 4/4 updates (100%) in "), "log: \(firstLog)")

        let second = try Self.run(["pretrain", "--out", out.path, "--resume", "--steps", "6"], in: dir)
        let secondLog = String(decoding: second.stderr, as: UTF8.self)
        #expect(second.status == 0, "rmae pretrain --resume failed: \(secondLog)")
        Self.expectPlain(second.stderr, "rmae pretrain --resume")
        #expect(secondLog.contains("pretrain: 5/6 updates (83%), "), "log: \(secondLog)")

        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("events.out.tfevents.") }
        #expect(files.count == 2, "event files: \(files)")
        let logs = try OfficialTensorBoard.read(out)

        // Every numeric entry of every record, at its step (TensorBoard keeps 32-bit floats).
        let records = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Foundation.Data($0.utf8)) as! [String: Any] }
        #expect(records.map { $0["step"] as? Int } == [0, 1, 2, 3, 4, 5, 6])   // 0: the untrained model's validation
        var checked = 0
        for record in records {
            let step = record["step"] as! Int
            for (key, value) in record where key != "step" {
                guard let number = (value as? NSNumber)?.doubleValue else { continue }
                let series = logs.scalars[key] ?? []
                let atStep = series.filter { $0.step == step }
                #expect(atStep.count == 1, "\(key) at step \(step): \(atStep.count) values")
                if let got = atStep.first?.value {
                    #expect(abs(got - number) <= 1e-6 * max(1, abs(number)), "\(key) at step \(step): \(got) vs \(number)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 6 * 8 + 4 * 4)   // 8 training entries per step, 4 validation entries at steps 0, 2, 4, 6
        for key in ["loss", "mae_loss", "region_loss", "lr", "grad_norm", "img_per_s", "val_loss", "val_region_iou"] {
            #expect(logs.scalars[key] != nil, "no TensorBoard scalar \(key)")
        }
        #expect(logs.scalars["loss"]?.map(\.step) == [1, 2, 3, 4, 5, 6])
        #expect(logs.scalars["val_loss"]?.map(\.step) == [0, 2, 4, 6])

        let picture = try ImageDecoder.decode(contentsOf: out.appendingPathComponent("reconstruction.png"))
        let shown = try #require(logs.images["reconstruction"])
        #expect(shown.map(\.step) == [0, 2, 4, 6])
        for image in shown {
            #expect(image.error == nil, "step \(image.step): \(image.error ?? "")")
            #expect(image.width == picture.width && image.height == picture.height)
            #expect(image.decodedWidth == picture.width && image.decodedHeight == picture.height)
        }
    }
}
