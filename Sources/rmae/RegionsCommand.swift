import ArgumentParser
import Data
import Foundation
import Training

/// `rmae regions IMAGES OUT`: FH label maps for a folder of images, in the official R-MAE layout.
///
/// Wiring only; the walk, the per-image work and the file format live in `Data.RegionMaps`.
struct RegionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regions",
        abstract: "Felzenszwalb–Huttenlocher region maps for every image under a folder (as scikit-image 0.26).",
        discussion: """
            Writes OUT/<relative path>.npy, a C-order [S, H, W] stack (one map per scale), |u1 when every \
            label fits in a byte, else <u2 (reported). Existing valid outputs are skipped, so an interrupted \
            run can be restarted. Unreadable images are named, counted and skipped.
            """)

    @Argument(help: "Folder of images, walked recursively (jpg, jpeg, png in any case).")
    var images: String

    @Argument(help: "Output folder.")
    var output: String

    @Option(help: "FH scales (k), comma separated.")
    var scales: String = "500,1000,1500"

    @Option(help: "Minimum segment size per scale, comma separated (default: the scales).")
    var minSizes: String?

    @Option(help: "Gaussian smoothing before segmentation.")
    var sigma: Double = 0.8

    @Option(help: "Images processed in parallel (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    static func integers(_ text: String, _ name: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(name) must be positive integers separated by commas, got '\(text)'")
        }
        return values.map { $0! }
    }

    func validate() throws {
        let s = try Self.integers(scales, "--scales")
        if let m = minSizes, try Self.integers(m, "--min-sizes").count != s.count {
            throw ValidationError("--min-sizes needs one value per scale (\(s.count))")
        }
        guard sigma >= 0 else { throw ValidationError("--sigma must be non-negative") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: images, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("IMAGES '\(images)' is not a folder")
        }
    }

    func run() throws {
        let maps = RegionMaps(scales: try Self.integers(scales, "--scales"),
                              minSizes: try minSizes.map { try Self.integers($0, "--min-sizes") },
                              sigma: sigma, jobs: jobs)
        let progress = ProgressReporter(label: "regions", total: nil, unit: "images")
        let summary = maps.run(
            images: URL(fileURLWithPath: images), output: URL(fileURLWithPath: output),
            progress: { done, total in progress.update(done, of: total) },
            report: { path, outcome in
                switch outcome {
                case .failed(let message): progress.note("skipped unreadable image: \(message)")
                case .written(let dtype, let segments) where dtype != .uint8:
                    progress.note("note: more than 256 segments (\(segments.max() ?? 0) in \(path)); such files are \(dtype.rawValue), not |u1",
                                  onceFor: "wide")
                default: break
                }
            })
        progress.finish()
        print("regions: \(summary.total) images: written=\(summary.written) skipped=\(summary.skipped) failed=\(summary.failures.count)"
              + (summary.wide.isEmpty ? "" : " wide=\(summary.wide.count) (stored as <u2 or wider)"))
        if summary.total == 0 {
            FileHandle.standardError.write(Data("regions: no jpg/jpeg/png images under \(images)\n".utf8))
            throw ExitCode.failure
        }
        if summary.written + summary.skipped == 0 { throw ExitCode.failure }
    }
}
