import ArgumentParser
import Foundation
import Training

/// `rmae parity FILE...`: the Swift model against golden fixtures from the official PyTorch code.
struct ParityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity",
        abstract: "Check the Swift model against golden fixtures made by the official PyTorch R-MAE (forward, backward, one AdamW step).")

    @Argument(help: "Fixture files (.safetensors) with config/optimizer metadata, input.*, output.*, grad.*, step.* tensors.")
    var files: [String]

    @Flag(help: "Print every compared tensor, not only the failures and a summary.") var verbose = false

    func run() throws {
        var failed = 0
        for path in files {
            let report = try FixtureParity.check(URL(fileURLWithPath: path))
            for row in report.rows where verbose || !row.passed {
                print("\(row.passed ? "ok  " : "FAIL") \(report.file) \(row.name) max_error=\(row.error) tolerance=\(row.tolerance)")
            }
            let worst = report.worst.map { " worst=\($0.name) (\($0.error) of \($0.tolerance))" } ?? ""
            print("\(report.passed ? "PASS" : "FAIL") \(report.file) compared=\(report.rows.count)\(worst)")
            if !report.passed { failed += 1 }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
