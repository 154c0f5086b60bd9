import Foundation
import Testing
import TestSupport

/// scripts/cpu-scale-study.sh end to end at a tiny scale: both models calibrated, trained, scored with
/// `rmae probe` and `rmae evaluate`, and the report written with its table and plot.
struct CPUScaleStudyScriptTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(.enabled(if: SharedFiles.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                   "needs ../shared/data/eval-mini and python3"))
    func tinyStudyWritesTheTableAndThePlot() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("rmae-study-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        let eval = dir.appendingPathComponent("eval")
        try fm.createDirectory(at: eval, withIntermediateDirectories: true)
        for i in 0..<4 {
            for kind in ["image", "mask"] {
                let name = String(format: "%@_%03d.png", kind, i)
                try fm.copyItem(at: SharedFiles.url("data/eval-mini/\(name)"), to: eval.appendingPathComponent(name))
            }
        }
        let doc = dir.appendingPathComponent("study.md")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.currentDirectoryURL = Self.repository
        p.arguments = ["scripts/cpu-scale-study.sh", "--minutes", "0.03", "--seeds", "0", "--calibration-updates", "6",
                       "--runs", dir.appendingPathComponent("runs").path, "--doc", doc.path, "--eval", eval.path,
                       "--", "model.depth=1", "model.img_size=32", "batch_size=8", "val_images=2"]
        var env = ProcessInfo.processInfo.environment
        env["RMAE"] = CommandOutputTests.rmae.path
        p.environment = env
        let log = dir.appendingPathComponent("log.txt")
        fm.createFile(atPath: log.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: log)
        p.standardError = p.standardOutput
        try p.run()
        p.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 0, "cpu-scale-study.sh failed:\n\(output.suffix(2000))")
        let report = try String(contentsOf: doc, encoding: .utf8)
        for row in ["| mae-s0 |", "| rmae-s0 |", "| MAE |", "| R-MAE |", "](study.png)"] {
            #expect(report.contains(row), "report lacks \(row):\n\(report)")
        }
        // every R-MAE cell is filled: probe beside its random encoder, evaluate beside prompts only
        let rmaeRow = try #require(report.split(separator: "\n").first { $0.hasPrefix("| rmae-s0 |") })
        #expect(!rmaeRow.contains("–"), "R-MAE row has empty cells: \(rmaeRow)")
        let png = try Foundation.Data(contentsOf: dir.appendingPathComponent("study.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "plot is not a PNG")
    }
}
