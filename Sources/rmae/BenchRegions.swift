import ArgumentParser
import Data
import Foundation
import Regions

/// `rmae bench regions IMAGE...`: single-thread FH time per image for all scales, against scikit-image.
///
/// Verify, then time: each image is first segmented once and its segment counts printed (compare with
/// the baseline's `segments=`), then timed `--repeat` times; the median is reported. The time covers
/// smoothing, sorting and every scale, not decoding, as `shared/bench/fh_skimage.py` times only
/// `felzenszwalb` calls. When the baseline script is found it runs in the same session and the ratio is
/// printed.
struct BenchRegions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regions", abstract: "Single-thread FH time per image for the COCO scales, vs scikit-image.")

    @Argument(help: "Images (jpg or png).")
    var images: [String]

    @Option(help: "FH scales; min_size equals the scale, as the official preprocessing.")
    var scales: String = "500,1000,1500"

    @Option(help: "Timed runs per image (median reported).")
    var `repeat`: Int = 5

    @Option(help: "scikit-image baseline script; empty to skip.")
    var baseline: String = "../shared/bench/fh_skimage.py"

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func milliseconds(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    }

    /// Runs the scikit-image script on one image; returns its output line and `ms`.
    func baselineRun(_ path: String) throws -> (line: String, ms: Double?)? {
        guard !baseline.isEmpty, FileManager.default.fileExists(atPath: baseline) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", baseline, path, "--scales", scales, "--repeat", "\(max(1, self.repeat))"]
        var environment = ProcessInfo.processInfo.environment
        for key in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"] { environment[key] = "1" }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = text.split(separator: "\n").last.map(String.init) else {
            return ("baseline exited with status \(process.terminationStatus)", nil)
        }
        let ms = line.split(separator: " ").first { $0.hasPrefix("ms=") }.flatMap { Double($0.dropFirst(3)) }
        return (line, ms)
    }

    func run() throws {
        let scaleList = try RegionsCommand.integers(scales, "--scales")
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
        print("machine cpu=\"\(cpu)\" cores=\(ProcessInfo.processInfo.activeProcessorCount) load=\(load) threads=1")
        if baseline.isEmpty || !FileManager.default.fileExists(atPath: baseline) {
            print("baseline skipped (no script at '\(baseline)')")
        }

        for path in images {
            let image = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: path))
            var segments: [Int] = []
            var graphTimes: [Double] = [], totalTimes: [Double] = []
            for _ in 0..<max(1, self.repeat) {
                var segmenter: FelzenszwalbSegmenter?
                let graph = Self.milliseconds { segmenter = FelzenszwalbSegmenter(image: image, sigma: 0.8) }
                let scalesTime = Self.milliseconds {
                    segments = segmenter!.segment(scales: scaleList.map { (Double($0), $0) }).map(\.segmentCount)
                }
                graphTimes.append(graph)
                totalTimes.append(graph + scalesTime)
            }
            let ms = Self.median(totalTimes)
            print(String(format: "swift fh image=%@ size=%dx%d scales=%@ ms=%.2f min_ms=%.2f smooth_sort_ms=%.2f segments=%@",
                         path, image.width, image.height, scales, ms, totalTimes.min()!, Self.median(graphTimes),
                         "\(segments)"))
            // The baseline right after, so both see the same machine load.
            if let (line, theirs) = try baselineRun(path) {
                print(line)
                if let theirs {
                    print(String(format: "ratio image=%@ skimage_ms=%.1f swift_ms=%.2f speedup=%.1fx", path, theirs, ms, theirs / ms))
                }
            }
        }
    }
}
