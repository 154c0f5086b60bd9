import Data
import Foundation
import Models
import NN
import Testing
import TestSupport
import Training

/// Checkpoints check themselves (payload CRC-32C, state and configuration metadata, finite values),
/// `--resume` falls back to the newest intact one, and no update path writes or keeps NaN weights.
@Suite(.serialized) struct CheckpointIntegrityTests {
    static func trained(_ dir: URL, steps: Int = 2, accumIter: Int = 1, clipGrad: Double = 0) throws -> Trainer {
        var c = TrainerTests.config(steps: 10, dir: dir)
        c.accumIter = accumIter
        c.clipGrad = clipGrad
        let t = try Trainer(config: c, source: TrainerTests.source(c), runDirectory: dir)
        for _ in 0..<steps { _ = try t.trainStep() }
        return t
    }

    /// The offset of the tensor payload in a safetensors file.
    static func payloadStart(_ bytes: [UInt8]) -> Int {
        8 + bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }

    @Test func aBitFlipInThePayloadIsDetectedAndNamesTheFile() throws {
        let dir = TrainerTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.trained(dir).saveCheckpoint()
        #expect(try Checkpoint.read(url).step == 2)
        var bytes = [UInt8](try Foundation.Data(contentsOf: url))
        bytes[Self.payloadStart(bytes) + 1000] ^= 0x04          // a mantissa bit: still a finite float
        try Foundation.Data(bytes).write(to: url)
        let error = try #require(throws: SafeTensorsError.self) { try Checkpoint.read(url) }
        #expect(error.description.contains(url.path) && error.description.contains("CRC-32C"), "\(error)")
    }

    @Test func checkpointsWithoutAChecksumStillLoad() throws {
        let dir = TrainerTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.trained(dir).saveCheckpoint()
        let file = try SafeTensors.read(url)
        var metadata = file.metadata
        #expect(metadata.removeValue(forKey: Checkpoint.checksumKey) != nil)
        try SafeTensors.write(file.tensors, metadata: metadata, to: url)
        #expect(try Checkpoint.read(url).step == 2)
    }

    @Test func garbageInTheStateMetadataNamesTheFile() throws {
        let dir = TrainerTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.trained(dir).saveCheckpoint()
        let file = try SafeTensors.read(url)
        for (key, value) in [("state", "{\"step\": \"many\""), ("state", #"{"step": -5, "adamStep": 1, "dataPosition": "0"}"#),
                             ("config", #"{"model": {"num_heads": 0}}"#), ("config", "[1, 2]")] {
            var metadata = file.metadata
            metadata[key] = value
            try SafeTensors.write(file.tensors, metadata: metadata, to: url)
            let error = try #require(throws: SafeTensorsError.self) { try Checkpoint.read(url) }
            #expect(error.description.hasPrefix(url.path), "\(error)")
        }
    }

    @Test func resumeSkipsACorruptLatestCheckpointAndRemovesStaleTemporaries() throws {
        let dir = TrainerTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try Self.trained(dir, steps: 2)
        let good = try t.saveCheckpoint()
        _ = try t.trainStep()
        let bad = try t.saveCheckpoint()
        var bytes = [UInt8](try Foundation.Data(contentsOf: bad))
        bytes[Self.payloadStart(bytes) + 20] ^= 0x01
        try Foundation.Data(bytes).write(to: bad)
        var warnings: [String] = []
        let (checkpoint, url) = try #require(try Checkpoint.newestIntact(in: dir) { warnings.append($0) })
        #expect(url == good && checkpoint.step == 2)
        #expect(warnings.count == 1 && warnings[0].contains(bad.path))
        #expect(Checkpoint.list(in: dir) == [good])                     // the corrupt one is set aside, not pruned against
        #expect(FileManager.default.fileExists(atPath: bad.path + ".corrupt"))
        // a kill during a write leaves a temporary file; the next start removes it
        let stale = dir.appendingPathComponent("checkpoints/.step_00000004.safetensors.123.456.tmp")
        try Foundation.Data([1, 2, 3]).write(to: stale)
        #expect(Checkpoint.removeStaleTemporaries(in: dir) == [stale.lastPathComponent])
        #expect(!FileManager.default.fileExists(atPath: stale.path))
    }

    /// Non-finite optimizer state makes the update non-finite on every path (in place, accumulated,
    /// clipped): the step throws and no checkpoint of the broken weights is written.
    @Test(arguments: [(1, 0.0), (2, 0.0), (1, 1.0)])
    func nonFiniteUpdatesStopOnEveryPathAndWriteNoCheckpoint(accumIter: Int, clipGrad: Double) throws {
        let dir = TrainerTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let healthy = try Self.trained(dir, steps: 1, accumIter: accumIter, clipGrad: clipGrad)
        var poisoned = healthy.makeCheckpoint()
        let name = poisoned.firstMoment.keys.sorted()[0]
        poisoned.firstMoment[name] = poisoned.firstMoment[name]! * Float.nan
        let t = try Trainer(config: healthy.config, source: TrainerTests.source(healthy.config, position: "1"),
                            runDirectory: dir, resume: poisoned)
        #expect(throws: TrainingError.self) { _ = try t.trainStep() }
        let error = try #require(throws: TrainingError.self) { try t.saveCheckpoint() }
        #expect("\(error)".contains("no checkpoint was written"))
        #expect(Checkpoint.list(in: dir).isEmpty)
        #expect(throws: SafeTensorsError.self) { try poisoned.write(to: dir.appendingPathComponent("x.safetensors")) }
    }
}
