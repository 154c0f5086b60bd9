import ArgumentParser
import Data
import Dispatch
import Foundation
import Regions
import Training

/// `rmae bench data`: images per second per core for the whole per-sample path of pre-training.
///
/// Input, made in a temporary folder before timing: `--images` COCO-size (640×480) JPEGs (demo photos
/// upscaled, or a synthetic pattern when none is found) and their 3-scale FH stacks (500, 1000, 1500) as
/// `.npy`. Timed: a ``DataLoader`` with no worker threads (everything on this one core) building batches of
/// `--batch` samples: decode the JPEG, read the maps, random resized crop, bicubic/nearest resize to 224,
/// flip, normalise, k = 8 regions, and stack into `[B, 3, 224, 224]` and `[B, 8, 224, 224]`.
/// Then the same with one worker per core, for the machine's total.
///
/// The COCO variants time the same images with instance masks instead of label maps: every FH segment of
/// every scale becomes one annotation of a COCO-format file (overlapping across scales, as SAM's
/// multi-granularity masks do), as compressed run lengths (`coco-rle`) or as a 16-gon inscribed in the
/// segment's bounding box (`coco-polygon`), so the pool holds the same number of candidates as the FH path.
struct BenchData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Data pipeline throughput: 640x480 JPEG + 3-scale FH maps (or the same segments as COCO masks) -> 224 px sample with k = 8.")

    @Option(help: "Distinct images in the temporary dataset.")
    var images: Int = 8

    @Option(help: "Samples per batch.")
    var batch: Int = 8

    @Option(help: "Seconds to time each measurement (after one warm-up batch).")
    var seconds: Double = 3

    @Option(help: "Folder of photos to upscale to 640x480 (first --images JPEGs); synthetic when missing.")
    var photos: String = "../shared/data/demo-mini"

    /// A colourful synthetic 640×480 picture (smooth gradients and blocks), when no photo is available.
    static func synthetic(_ seed: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: 640 * 480 * 3)
        for y in 0..<480 {
            for x in 0..<640 {
                let block = ((y / 60) * 7 + (x / 80) * 3 + seed) % 11
                let p = (y * 640 + x) * 3
                pixels[p] = UInt8((x / 3 + block * 23) % 256)
                pixels[p + 1] = UInt8((y / 2 + block * 41) % 256)
                pixels[p + 2] = UInt8((x + y + block * 17) % 256)
            }
        }
        return RGBImage(width: 640, height: 480, pixels: pixels)
    }

    /// Builds the temporary dataset: `images/NNN.jpg`, `fh/NNN.npy`, and the same segments as COCO
    /// annotation files `rle.json` and `polygon.json`.
    func prepare(in root: URL) throws -> (photos: Int, segments: [Int]) {
        let folder = URL(fileURLWithPath: photos)
        let found = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.lowercased().hasSuffix(".jpg") }.sorted()
        let maker = RegionMaps(scales: RegionSource.autoScales, sigma: RegionSource.autoSigma)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("fh"), withIntermediateDirectories: true)
        var segments: [Int] = []
        let progress = ProgressReporter(label: "bench data: preparing", total: images, unit: "images")
        defer { progress.finish() }
        var entries: [[String: Any]] = []
        var runs: [[String: Any]] = [], polygons: [[String: Any]] = []
        for i in 0..<images {
            var picture: RGBImage
            if i < found.count, let photo = try? ImageDecoder.decode(contentsOf: folder.appendingPathComponent(found[i])) {
                picture = photo.resized(width: 640, height: 480)
            } else {
                picture = Self.synthetic(i)
            }
            let name = String(format: "%03d", i)
            let jpeg = JPEG.encode(picture, quality: 90)
            try Foundation.Data(jpeg).write(to: root.appendingPathComponent("images/\(name).jpg"))
            picture = try ImageDecoder.decode(jpeg, name: name)       // segment what the loader will decode
            let (array, counts) = maker.labelStack(picture)
            try array.write(to: root.appendingPathComponent("fh/\(name).npy"))
            segments += counts
            entries.append(["id": i, "file_name": "\(name).jpg", "width": picture.width, "height": picture.height])
            let plane = picture.width * picture.height
            let labels = array.integers.map { Int32($0) }
            for s in 0..<counts.count {
                let map = Array(labels[(s * plane)..<((s + 1) * plane)])
                for (label, string) in COCOAnnotations.compressedCounts(labels: map, width: picture.width, height: picture.height) {
                    runs.append(["id": runs.count, "image_id": i,
                                 "segmentation": ["size": [picture.height, picture.width], "counts": string]])
                    polygons.append(["id": polygons.count, "image_id": i,
                                     "segmentation": [Self.ellipse(map, label: label, width: picture.width)]])
                }
            }
            progress.update(i + 1)
        }
        for (file, annotations) in [("rle.json", runs), ("polygon.json", polygons)] {
            let json = try JSONSerialization.data(withJSONObject: ["images": entries, "annotations": annotations])
            try json.write(to: root.appendingPathComponent(file))
        }
        return (min(found.count, images), segments)
    }

    /// A 16-gon inscribed in the bounding box of `label`'s pixels, as a COCO polygon `[x0, y0, …]`.
    static func ellipse(_ map: [Int32], label: Int32, width: Int) -> [Double] {
        var (x0, y0, x1, y1) = (Int.max, Int.max, Int.min, Int.min)
        for (p, l) in map.enumerated() where l == label {
            (x0, x1) = (min(x0, p % width), max(x1, p % width + 1))
            (y0, y1) = (min(y0, p / width), max(y1, p / width + 1))
        }
        let (cx, cy, rx, ry) = (Double(x0 + x1) / 2, Double(y0 + y1) / 2, Double(x1 - x0) / 2, Double(y1 - y0) / 2)
        return (0..<16).flatMap { i -> [Double] in
            let a = Double(i) * .pi / 8
            return [cx + rx * cos(a), cy + ry * sin(a)]
        }
    }

    /// Images per second of `loader`, timed over at least `seconds` after one warm-up batch.
    func throughput(_ loader: DataLoader) throws -> Double {
        _ = try loader.next()
        let start = DispatchTime.now().uptimeNanoseconds
        var done = 0
        var elapsed = 0.0
        repeat {
            done += try loader.next().paths.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(done) / elapsed
    }

    func run() throws {
        guard images >= 1, batch >= 1, images >= batch else {
            throw ValidationError("need --images >= --batch >= 1")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-bench-data-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let (fromPhotos, segments) = try prepare(in: root)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("input images=\(images) photos=\(fromPhotos) size=640x480 scales=500,1000,1500 "
              + "segments_mean=\(segments.reduce(0, +) / max(segments.count, 1)) cores=\(cores)")
        let imageFolder = root.appendingPathComponent("images")
        let sources: [(String, RegionSource)] = [
            ("fh", .folder(root.appendingPathComponent("fh"))),
            ("coco-rle", .coco(try COCOAnnotations(contentsOf: root.appendingPathComponent("rle.json")))),
            ("coco-polygon", .coco(try COCOAnnotations(contentsOf: root.appendingPathComponent("polygon.json")))),
        ]
        for (name, source) in sources {
            if case .coco(let file) = source {
                print("regions=\(name) masks=\(file.maskCount) masks_per_image=\(file.maskCount / max(file.imageCount, 1)) problems=\(file.problemCount)")
            }
            let dataset = try Dataset(images: imageFolder, regions: source)
            for type in LoaderOptions.RegionSampleType.allCases {
                var options = LoaderOptions(imageSize: 224, patchSize: 16, numRegions: 8, regionSampleType: type,
                                            globalBatchSize: batch, workers: 0, prefetch: 2, train: true)
                let single = try throughput(DataLoader(dataset: dataset, options: options, seed: 0))
                options.workers = cores
                options.prefetch = 2 * cores
                let all = try throughput(DataLoader(dataset: dataset, options: options, seed: 0))
                print("data regions=\(name) sample=\(type.rawValue) k=8 size=224 batch=\(batch) "
                      + String(format: "img_per_s_per_core=%.1f ms_per_img=%.2f img_per_s_all_cores=%.1f workers=%d",
                               single, 1000 / single, all, cores))
            }
        }
    }
}
