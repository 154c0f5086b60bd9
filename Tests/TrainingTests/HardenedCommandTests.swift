import Data
import Engine
import Foundation
import Models
import Testing
import TestSupport
import Training

/// The `rmae` executable on inputs that used to trap or hang: each must end with a clear message and an
/// ordinary exit status (never a signal).
@Suite(.serialized) struct HardenedCommandTests {
    static func run(_ arguments: [String], in dir: URL) throws -> (status: Int32, stderr: String) {
        let (status, _, stderr) = try CommandOutputTests.run(arguments, in: dir)
        return (status, String(decoding: stderr, as: UTF8.self))
    }

    static func photo(_ dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("photo.png")
        try Foundation.Data(PNG.encode(pixels: [UInt8](repeating: 120, count: 40 * 40 * 3), width: 40, height: 40, channels: 3)).write(to: url)
        return url
    }

    @Test func visualizeRefusesNaNWeightsAndOverflowingShapesWithAMessage() throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandOutputTests.rmae.path))
        let dir = try CommandOutputTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = TestModelConfigs.small()
        var weights = try RegionMAE(config: config, seed: 1).stateDict
        weights["cls_token"] = weights["cls_token"]! * Float.nan
        let nan = dir.appendingPathComponent("nan.safetensors")
        try SafeTensors.write(weights, metadata: ["format": "rmae-swift official state_dict",
                                                  "config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self)], to: nan)
        let photo = try Self.photo(dir)
        let r = try Self.run(["visualize", "--checkpoint", nan.path, photo.path, "--out", dir.appendingPathComponent("out").path], in: dir)
        #expect(r.status != 0 && r.status < 128 && r.stderr.contains("non-finite") && r.stderr.contains("cls_token"), "\(r)")

        var length = UInt64(0).littleEndian
        let header = #"{"t": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}"#
        length = UInt64(header.utf8.count).littleEndian
        let overflow = dir.appendingPathComponent("overflow.safetensors")
        try Foundation.Data(withUnsafeBytes(of: &length) { Array($0) } + Array(header.utf8) + [UInt8](repeating: 0, count: 16)).write(to: overflow)
        let o = try Self.run(["visualize", "--checkpoint", overflow.path, photo.path, "--out", dir.appendingPathComponent("out").path], in: dir)
        #expect(o.status != 0 && o.status < 128 && o.stderr.contains("overflows"), "\(o)")
    }

    @Test func resumeSkipsACorruptLatestCheckpointAndRemovesStaleTemporaries() throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandOutputTests.rmae.path))
        let dir = try CommandOutputTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = dir.appendingPathComponent("images"), out = dir.appendingPathComponent("run")
        try CommandOutputTests.writeImages(6, to: images)
        let settings = ["--model", "mae", "batch_size=2", "val_fraction=0.25", "val_every=100", "checkpoint_every=2", "num_workers=0",
                        "warmup_steps=1", "model.img_size=32", "model.patch_size=8", "model.embed_dim=16", "model.depth=1",
                        "model.num_heads=2", "model.decoder_embed_dim=16", "model.decoder_depth=1", "model.decoder_num_heads=2"]
        let first = try Self.run(["pretrain", "--data", images.path, "--out", out.path, "--steps", "4"] + settings, in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let latest = Checkpoint.url(in: out, step: 4)
        var bytes = [UInt8](try Foundation.Data(contentsOf: latest))
        let payload = 8 + bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        bytes[payload + 100] ^= 0x10
        try Foundation.Data(bytes).write(to: latest)
        let stale = out.appendingPathComponent("checkpoints/.step_00000006.safetensors.1.2.tmp")
        try Foundation.Data(repeating: 0, count: 1000).write(to: stale)
        let second = try Self.run(["pretrain", "--out", out.path, "--resume", "--steps", "6"], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("skipping corrupt checkpoint \(latest.path)") && second.stderr.contains("CRC-32C"), "\(second.stderr)")
        #expect(second.stderr.contains("resuming from \(Checkpoint.url(in: out, step: 2).path)"), "\(second.stderr)")
        #expect(second.stderr.contains("removed stale temporary file"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(Checkpoint.list(in: out).map(\.lastPathComponent).contains("step_00000006.safetensors"))
        #expect(try Checkpoint.read(Checkpoint.url(in: out, step: 4)).step == 4)     // rewritten by the resumed run
    }

    @Test func pretrainRejectsYAMLBombsAndBadValuesBeforeParsing() throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandOutputTests.rmae.path))
        let dir = try CommandOutputTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let deep = dir.appendingPathComponent("deep.yaml")
        try ("model: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
            .write(to: deep, atomically: true, encoding: .utf8)
        let d = try Self.run(["pretrain", "--config", deep.path, "--out", dir.appendingPathComponent("run").path], in: dir)
        #expect(d.status != 0 && d.status < 128 && d.stderr.contains("nests deeper than 64"), "\(d)")
        let o = try Self.run(["pretrain", "--out", dir.appendingPathComponent("run").path, "model.num_heads=0"], in: dir)
        #expect(o.status != 0 && o.status < 128 && o.stderr.contains("num_heads 0 is outside the allowed range"), "\(o)")
        let b = try Self.run(["pretrain", "--out", dir.appendingPathComponent("run").path, "beta2=1.5"], in: dir)
        #expect(b.status != 0 && b.status < 128 && b.stderr.contains("beta2 1.5"), "\(b)")
    }
}
