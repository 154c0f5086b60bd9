import Data
import Foundation
import Testing
import TestSupport
import Training

/// `rmae finetune` and `rmae segeval` as the interface promises: the run's files, `--resume`, the JSON keys,
/// and errors that name the file.
@Suite(.serialized) struct FinetuneCommandTests {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func finetuneResumeAndSegeval() throws {
        let dir = try CommandOutputTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try SyntheticSegmentation.write(to: dir.appendingPathComponent("data"), train: 16, val: 6)
        let run = dir.appendingPathComponent("run")
        let first = try CommandOutputTests.run(["finetune", "--init", "scratch", "--data", data.path, "--out", run.path, "--steps", "6",
                                                "batch_size=4", "val_every=3", "checkpoint_every=3"], in: dir)
        #expect(first.status == 0, "\(Self.text(first.stderr))")
        #expect(first.stdout.contains("updates 0→6"))
        for file in ["model_final.safetensors", "val_scores.json", "predictions.png", "curves.png", "metrics.csv", "config.yaml",
                     "checkpoints/step_00000006.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file)")
        }
        #expect(Self.text(first.stderr).contains("validation step 3: mIoU"))

        // a run directory with checkpoints is never overwritten; --resume continues it (here to 9 updates)
        let again = try CommandOutputTests.run(["finetune", "--init", "scratch", "--data", data.path, "--out", run.path], in: dir)
        #expect(again.status != 0 && Self.text(again.stderr).contains("--resume"))
        let resumed = try CommandOutputTests.run(["finetune", "--out", run.path, "--resume", "--steps", "9"], in: dir)
        #expect(resumed.status == 0, "\(Self.text(resumed.stderr))")
        #expect(resumed.stdout.contains("updates 6→9"))

        let json = dir.appendingPathComponent("scores.json")
        let scored = try CommandOutputTests.run(["segeval", "--checkpoint", run.path, data.appendingPathComponent("val").path,
                                                 "--json", json.path], in: dir)
        #expect(scored.status == 0, "\(Self.text(scored.stderr))")
        #expect(scored.stdout.contains("mIoU") && scored.stdout.contains("GFLOPs per image"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        #expect(report["miou"] is Double && report["pixel_accuracy"] is Double)
        #expect(Set((report["per_class_iou"] as? [String: Double] ?? [:]).keys) == ["background", "red", "blue"])
        let baselines = try #require(report["baselines"] as? [String: Any])
        for key in ["all_background", "majority"] { #expect((baselines[key] as? [String: Any])?["miou"] is Double, "\(key)") }
        #expect((report["flops_per_image"] as? Double ?? 0) > 1e6)
    }

    @Test func badDataIsNamed() throws {
        let dir = try CommandOutputTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try SyntheticSegmentation.write(to: dir.appendingPathComponent("data"), train: 4, val: 2)
        // a label map of the wrong size
        let label = data.appendingPathComponent("train/labels/0002.png")
        try Foundation.Data(PNG.encode(pixels: [UInt8](repeating: 0, count: 20 * 16), width: 20, height: 16, channels: 1)).write(to: label)
        let wrong = try CommandOutputTests.run(["finetune", "--init", "scratch", "--data", data.path, "--out", dir.appendingPathComponent("r1").path,
                                                "--steps", "2", "batch_size=2"], in: dir)
        #expect(wrong.status != 0 && Self.text(wrong.stderr).contains("train/labels/0002.png") && Self.text(wrong.stderr).contains("20x16"))
        // no classes.txt
        try FileManager.default.removeItem(at: data.appendingPathComponent("classes.txt"))
        let missing = try CommandOutputTests.run(["segeval", "--checkpoint", dir.path, data.appendingPathComponent("val").path], in: dir)
        #expect(missing.status != 0)
        let none = try CommandOutputTests.run(["finetune", "--init", "scratch", "--data", data.path, "--out", dir.appendingPathComponent("r2").path,
                                               "--steps", "2"], in: dir)
        #expect(none.status != 0 && Self.text(none.stderr).contains("classes.txt"))
        // an encoder that does not exist
        let bad = try CommandOutputTests.run(["finetune", "--init", dir.appendingPathComponent("nope").path, "--data", data.path,
                                              "--out", dir.appendingPathComponent("r3").path], in: dir)
        #expect(bad.status != 0 && Self.text(bad.stderr).contains("nope"))
    }

    /// SIGTERM: the update in flight finishes, a checkpoint is written, the run exits cleanly and resumes.
    @Test func sigtermCheckpointsAndExits() throws {
        let dir = try CommandOutputTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try SyntheticSegmentation.write(to: dir.appendingPathComponent("data"), train: 8, val: 2)
        let run = dir.appendingPathComponent("run")
        let log = dir.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = CommandOutputTests.rmae
        p.arguments = ["finetune", "--init", "scratch", "--data", data.path, "--out", run.path, "--steps", "100000", "batch_size=2",
                       "val_every=100000", "checkpoint_every=100000", "log_every=1"]
        p.standardError = try FileHandle(forWritingTo: log)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let metrics = run.appendingPathComponent("metrics.csv")
        for _ in 0..<600 {   // until an update is logged (at most a minute)
            if let text = try? String(contentsOf: metrics, encoding: .utf8), text.split(separator: "\n").count >= 3 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        p.terminate()   // SIGTERM
        p.waitUntilExit()
        let stderr = try String(contentsOf: log, encoding: .utf8)
        #expect(p.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("stopped by signal"))
        let checkpoint = try #require(Checkpoint.list(in: run).last)
        #expect(checkpoint.lastPathComponent.hasPrefix("step_"))
        let resumed = try CommandOutputTests.run(["finetune", "--out", run.path, "--resume", "--steps", "60"], in: dir)
        #expect(resumed.status == 0 && resumed.stdout.contains("→60"), "\(Self.text(resumed.stderr))")
    }
}
