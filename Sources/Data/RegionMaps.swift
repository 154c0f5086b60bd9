import Dispatch
import Foundation
import Regions

/// Computes FH label maps for a folder of images in the official R-MAE layout: `rmae regions`.
///
/// For every `*.jpg`, `*.jpeg`, `*.png` (any letter case) under `images`, recursively, writes
/// `output/<same relative path, extension replaced by .npy>`: a C-order `[S, H, W]` stack with one map per
/// (scale, minSize) pair, as the official `create_fh_mask_for_coco.py` stacks them. The dtype is `|u1`
/// when every label fits in a byte (the official format); otherwise `<u2` (or `<i4` past 65,536
/// segments), never a silent wrap.
///
/// - Resumable: an output that exists and has the expected header and size is skipped.
/// - Atomic: each output is written to a temporary file beside it, then renamed.
/// - Robust: an image that cannot be decoded is named, counted and skipped.
public struct RegionMaps: Sendable {
    /// FH scales (k), e.g. `[500, 1000, 1500]`.
    public var scales: [Int]
    /// Minimum segment sizes, one per scale.
    public var minSizes: [Int]
    /// Gaussian σ before segmentation.
    public var sigma: Double
    /// Images processed at once.
    public var jobs: Int

    public init(scales: [Int], minSizes: [Int]? = nil, sigma: Double = 0.8, jobs: Int = 1) {
        precondition(!scales.isEmpty, "RegionMaps: no scales")
        precondition(minSizes == nil || minSizes!.count == scales.count, "RegionMaps: one min size per scale")
        self.scales = scales
        self.minSizes = minSizes ?? scales
        self.sigma = sigma
        self.jobs = max(1, jobs)
    }

    /// What happened to one image.
    public enum Outcome: Sendable, Equatable {
        /// Written; `dtype` is the stored type, `segments` the count per scale.
        case written(dtype: NPYArray.DType, segments: [Int])
        /// A valid output already existed.
        case skipped
        /// Could not be read or decoded (the message names the file).
        case failed(String)
    }

    /// Counts after a run.
    public struct Summary: Sendable, Equatable {
        public var total = 0
        public var written = 0
        public var skipped = 0
        /// `(relative path, message)` of each image that failed, in path order.
        public var failures: [(String, String)] = []
        /// Relative paths written wider than `|u1` because some scale has more than 256 segments.
        public var wide: [String] = []

        public static func == (a: Summary, b: Summary) -> Bool {
            a.total == b.total && a.written == b.written && a.skipped == b.skipped && a.wide == b.wide
                && a.failures.map(\.0) == b.failures.map(\.0) && a.failures.map(\.1) == b.failures.map(\.1)
        }
    }

    /// Progress after each image: images finished (any outcome) and the total.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int) -> Void

    // MARK: Walk

    /// Relative paths of the images under `root`, sorted; hidden files and folders are skipped.
    public static func imagePaths(under root: URL) -> [String] {
        let root = root.standardizedFileURL.resolvingSymlinksInPath()
        guard let walker = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else { return [] }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var paths: [String] = []
        for case let url as URL in walker {
            guard ImageDecoder.extensions.contains(url.pathExtension.lowercased()),
                  (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            paths.append(path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : url.lastPathComponent)
        }
        return paths.sorted()
    }

    /// `output/<relative path with the extension replaced by .npy>`.
    public static func outputURL(for relative: String, in output: URL) -> URL {
        output.appendingPathComponent(relative).deletingPathExtension().appendingPathExtension("npy")
    }

    // MARK: One image

    /// The `[S, H, W]` label stack of one image, in the narrowest of `|u1`, `<u2`, `<i4` that holds it.
    public func labelStack(_ image: RGBImage) -> (array: NPYArray, segments: [Int]) {
        let segmenter = FelzenszwalbSegmenter(image: image, sigma: sigma)
        let maps = segmenter.segment(scales: zip(scales, minSizes).map { (Double($0), $1) })
        let segments = maps.map(\.segmentCount)
        let shape = [maps.count, image.height, image.width]
        let labels = maps.flatMap(\.labels)
        let most = segments.max() ?? 0
        if most <= 256 { return (NPYArray(shape: shape, uint8: labels.map { UInt8(truncatingIfNeeded: $0) }), segments) }
        if most <= 65536 { return (NPYArray(shape: shape, uint16: labels.map { UInt16(truncatingIfNeeded: $0) }), segments) }
        return (NPYArray(shape: shape, int32: labels), segments)
    }

    /// True when `url` holds a complete `.npy` of `scales.count` maps (header parses, size matches).
    func isValidOutput(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 4096),
              let (_, shape, offset, bytes) = try? NPYArray.header([UInt8](head), name: url.path),
              shape.count == 3, shape[0] == scales.count,
              let size = try? handle.seekToEnd() else { return false }
        return Int(size) - offset == bytes     // (bytes is overflow-checked; the subtraction cannot overflow)
    }

    /// Processes one image: skip, or decode, segment and write atomically.
    public func process(_ relative: String, images: URL, output: URL) -> Outcome {
        let destination = Self.outputURL(for: relative, in: output)
        if isValidOutput(destination) { return .skipped }
        let image: RGBImage
        do {
            image = try ImageDecoder.decode(contentsOf: images.appendingPathComponent(relative))
        } catch {
            return .failed(error.description)
        }
        let (array, segments) = labelStack(image)
        do {
            try AtomicFile.write(Foundation.Data(array.encoded()), to: destination)
        } catch {
            return .failed("\(error)")
        }
        return .written(dtype: array.dtype, segments: segments)
    }

    // MARK: A folder

    /// Processes every image under `images` on `jobs` threads. Calls `progress` after each image and
    /// `report(relative, outcome)` for each outcome, both from worker threads (serialised).
    public func run(images: URL, output: URL, progress: Progress? = nil,
                    report: (@Sendable (String, Outcome) -> Void)? = nil) -> Summary {
        let paths = Self.imagePaths(under: images)
        let state = RunState(count: paths.count)
        let workers = min(jobs, max(paths.count, 1))
        let job = self
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = state.next() {
                let outcome = job.process(paths[i], images: images, output: output)
                state.finish(i, outcome) { done in
                    report?(paths[i], outcome)
                    progress?(done, paths.count)
                }
            }
        }
        var summary = Summary()
        summary.total = paths.count
        for (path, outcome) in zip(paths, state.outcomes) {
            switch outcome {
            case .written(let dtype, _)?:
                summary.written += 1
                if dtype != .uint8 { summary.wide.append(path) }
            case .skipped?: summary.skipped += 1
            case .failed(let message)?: summary.failures.append((path, message))
            case nil: break
            }
        }
        return summary
    }
}

/// Work queue and results shared by the worker threads; every access holds the lock.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private var done = 0
    private(set) var outcomes: [RegionMaps.Outcome?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard cursor < outcomes.count else { return nil }
        cursor += 1
        return cursor - 1
    }

    func finish(_ i: Int, _ outcome: RegionMaps.Outcome, _ notify: (Int) -> Void) {
        lock.lock(); defer { lock.unlock() }
        outcomes[i] = outcome
        done += 1
        notify(done)
    }
}
