import ArgumentParser
import Foundation
import Training

/// `rmae curves`: training curves of one or more runs as a PNG (wiring only; see `Training.RunCurves`).
struct CurvesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curves",
        abstract: "Plot runs' metrics.jsonl: losses and validation masked-region IoU beside its nearest-visible-patch baseline.",
        discussion: """
            One run: training losses and validation IoU (what the run's own curves.png shows). Several runs, one \
            colour each: training and validation pixel loss, and validation masked-region IoU for region models.
            """)

    @Argument(help: "Run directories (each with metrics.jsonl).") var runs: [String]
    @Option(help: "Output PNG.") var out: String
    @Option(help: "Names for the legend, comma-separated (default: the directory names).") var names: String?
    @Option(help: "Horizontal axis: updates or minutes.") var x: String = "updates"

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
        guard RunCurves.XAxis(rawValue: x) != nil else { throw ValidationError("--x: '\(x)' is not updates or minutes") }
        if let names, names.split(separator: ",").count != runs.count {
            throw ValidationError("--names: \(names.split(separator: ",").count) names for \(runs.count) runs")
        }
    }

    func run() throws {
        let labels = names.map { $0.split(separator: ",").map(String.init) }
        let loaded: [RunCurves.Run]
        do {
            loaded = try runs.enumerated().map { i, path in
                try RunCurves.Run(directory: URL(fileURLWithPath: path), name: labels?[i])
            }
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        }
        let file = URL(fileURLWithPath: out)
        try ModelLoading.prepareFolder(for: file)
        try RunCurves.write(loaded, x: RunCurves.XAxis(rawValue: x)!, to: file)
        print("curves: \(file.path)")
    }
}
