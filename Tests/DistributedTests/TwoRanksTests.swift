import Data
import Engine
import Foundation
import Regions
import Testing
import TestSupport

/// `mpirun --oversubscribe -np 2 rmae pretrain` against one process at the same global batch: the sample
/// order and the masks do not depend on the number of ranks, so after 3 updates the weights agree to
/// float rounding (1e-5).
private let mpirunPath: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.enabled(if: mpirunPath != nil, "mpirun not found (Debian openmpi-bin; scripts/setup installs it)"))
struct TwoRanksTests {
    static var mpirun: String? { mpirunPath }

    /// The rmae executable built beside this test bundle.
    static var rmae: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rmae")
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OMPI_MCA_btl"] = "self,vader,tcp"
        env["RMAE_MPI_TIMEOUT"] = "120"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func twoRanksTrainTheSameWeightsAsOne() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.rmae.path), "build the rmae executable first: \(Self.rmae.path)")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-mpi-\(UUID().uuidString)")
        let images = root.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        var rng = RandomGenerator(seed: 5, stream: .test)
        for i in 0..<8 {   // 40×40 pictures of coloured blocks: FH finds a few regions in each
            var px = [UInt8](repeating: 0, count: 40 * 40 * 3)
            let colours = (0..<4).map { _ in (UInt8(rng.int(below: 256)), UInt8(rng.int(below: 256)), UInt8(rng.int(below: 256))) }
            for y in 0..<40 { for x in 0..<40 {
                let c = colours[(y / 20) * 2 + x / 20]
                (px[(y * 40 + x) * 3], px[(y * 40 + x) * 3 + 1], px[(y * 40 + x) * 3 + 2]) = c
            } }
            try Data(PNG.encode(pixels: px, width: 40, height: 40, channels: 3)).write(to: images.appendingPathComponent("img\(i).png"))
        }
        let common = ["pretrain", "--data", images.path, "--steps", "3", "batch_size=4", "val_fraction=0", "num_workers=1",
                      "model.img_size=32", "model.patch_size=8", "model.embed_dim=32", "model.depth=1", "model.num_heads=2",
                      "model.decoder_embed_dim=32", "model.decoder_depth=1", "model.decoder_num_heads=2",
                      "model.region_enc_dim=32", "model.region_enc_num_heads=2", "model.region_dec_dim=32",
                      "model.region_dec_num_heads=2", "model.num_region=2"]
        let one = try Self.run(Self.rmae.path, common + ["--out", root.appendingPathComponent("one").path])
        #expect(one.status == 0, "1 rank failed: \(one.output)")
        let two = try Self.run(Self.mpirun!, ["--oversubscribe", "-np", "2", Self.rmae.path]
                               + common + ["--out", root.appendingPathComponent("two").path])
        #expect(two.status == 0, "2 ranks failed: \(two.output)")
        #expect(two.output.contains("data parallel: 2 ranks"))
        let eventFiles = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("two").path)
            .filter { $0.hasPrefix("events.out.tfevents.") }
        #expect(eventFiles.count == 1, "only rank 0 writes a TensorBoard event file: \(eventFiles)")
        let a = try SafeTensors.read(root.appendingPathComponent("one/model_final.safetensors")).tensors
        let b = try SafeTensors.read(root.appendingPathComponent("two/model_final.safetensors")).tensors
        #expect(a.count == b.count && a.count > 50)
        for (name, t) in a {
            expectClose(b[name]!, t, atol: 1e-5, name)
        }
    }

    /// `rmae finetune` the same way: each rank's pixels are weighed by the global batch's counted pixels, so two
    /// ranks take the one-process updates (drop path off: its draws follow each rank's batch shares).
    @Test func twoRanksFinetuneTheSameWeightsAsOne() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.rmae.path), "build the rmae executable first: \(Self.rmae.path)")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-mpi-ft-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try SyntheticSegmentation.write(to: root.appendingPathComponent("data"), train: 8, val: 2)
        let common = ["finetune", "--init", "scratch", "--data", data.path, "--steps", "3", "batch_size=4", "drop_path=0", "val_every=100"]
        let one = try Self.run(Self.rmae.path, common + ["--out", root.appendingPathComponent("one").path])
        #expect(one.status == 0, "1 rank failed: \(one.output)")
        let two = try Self.run(Self.mpirun!, ["--oversubscribe", "-np", "2", Self.rmae.path] + common + ["--out", root.appendingPathComponent("two").path])
        #expect(two.status == 0, "2 ranks failed: \(two.output)")
        let a = try SafeTensors.read(root.appendingPathComponent("one/model_final.safetensors")).tensors
        let b = try SafeTensors.read(root.appendingPathComponent("two/model_final.safetensors")).tensors
        #expect(a.count == b.count && a.count > 50)
        for (name, t) in a { expectClose(b[name]!, t, atol: 1e-5, name) }
    }
}
