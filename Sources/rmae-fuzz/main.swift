// rmae-fuzz FORMAT FILE...: parses each file as rmae would and prints one line per file, flushed at once:
// `accepted PATH` or `rejected PATH: reason` (or `server-error PATH: status` for a 5xx of `http`).
// FuzzTests runs it over batches of mutated inputs in a child process, so that a trap (which would kill
// the test process) is caught, and the line it never printed names the file that caused it.
//
// Formats: safetensors, npy, yaml (configuration file), overrides (one key=value per line), coco
// (annotation file, then one loader batch that rasterises its masks over two images named a.png and
// b.png), image (PNG or JPEG), checkpoint, http (raw request bytes sent to an in-process `rmae serve`;
// `IMAGEID` in a request stands for an uploaded image's id); selftest, for the harness's own test.
import Data
import Foundation
import Models
import Regions
import Serve
import TestSupport
import Training

/// The stall limit: with `RMAE_FUZZ_STALL=SECONDS`, an input that takes longer than that to give its line
/// ends the process with SIGALRM, which the harness reads as "hung" from the exit status (a trap ends it
/// with SIGILL, SIGTRAP or SIGSEGV). The kernel keeps the time, so a slow or loaded machine that still
/// makes progress is never mistaken for a hang, and a dying child is never mistaken for one either.
let stallSeconds = ProcessInfo.processInfo.environment["RMAE_FUZZ_STALL"].flatMap(UInt32.init) ?? 0
func armStallAlarm() { if stallSeconds > 0 { alarm(stallSeconds) } }
armStallAlarm()

/// One result line, written at once (unbuffered), so a trap right after it cannot lose it; the stall
/// alarm starts again for the next input.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
    armStallAlarm()
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let format = arguments.first else {
    FileHandle.standardError.write(Data("usage: rmae-fuzz FORMAT FILE...\n".utf8))
    exit(2)
}
let files = arguments.dropFirst().map { URL(fileURLWithPath: $0) }

func report(_ file: URL, _ error: Error?) {
    if let error {
        let reason = "\(error)".replacingOccurrences(of: "\n", with: " ")
        emit("rejected \(file.path): \(reason.prefix(300))")
    } else {
        emit("accepted \(file.path)")
    }
}

func lines(_ url: URL) throws -> [String] {
    try String(decoding: Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map(String.init)
}

/// Two small photos for the coco format's loader.
func photoFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-fuzz-photos-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, (w, h)) in [("a.png", (40, 30)), ("b.png", (24, 36))] {
        let pixels = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        try Data(PNG.encode(pixels: pixels, width: w, height: h, channels: 3)).write(to: folder.appendingPathComponent(name))
    }
    return folder
}

switch format {
case "safetensors":
    for f in files { report(f, Result { _ = try SafeTensors.read(f) }.error) }
case "npy":
    for f in files { report(f, Result { _ = try NPYArray.read(contentsOf: f) }.error) }
case "yaml":
    for f in files { report(f, Result { _ = try TrainingConfig.load(yaml: f) }.error) }
case "overrides":
    for f in files { report(f, Result { try TrainingConfig().overriding(try lines(f)).validate() }.error) }
case "checkpoint":
    for f in files { report(f, Result { _ = try Checkpoint.read(f) }.error) }
case "image":
    for f in files { report(f, Result { _ = try ImageDecoder.decode(contentsOf: f) }.error) }
case "coco":
    let photos = try photoFolder()
    defer { try? FileManager.default.removeItem(at: photos) }
    let options = LoaderOptions(imageSize: 32, patchSize: 8, numRegions: 2, globalBatchSize: 2, workers: 0, prefetch: 1)
    for f in files {
        report(f, Result {
            let annotations = try COCOAnnotations(contentsOf: f)
            let dataset = try Dataset(images: photos, regions: .coco(annotations))
            let loader = try DataLoader(dataset: dataset, options: options, seed: 1)
            _ = try loader.next()
        }.error)
    }
case "http":
    var config = ModelConfig()
    (config.imgSize, config.patchSize, config.embedDim, config.depth, config.numHeads) = (32, 8, 32, 1, 2)
    (config.decoderEmbedDim, config.decoderDepth, config.decoderNumHeads) = (16, 1, 2)
    (config.regionEncDim, config.regionEncNumHeads, config.regionDecDim, config.regionDecNumHeads, config.numRegion) = (16, 2, 16, 2, 2)
    let service = SegmentationService(model: try RegionMAE(config: config, seed: 1), capacity: 4)
    var options = ServeServer.Options(host: "127.0.0.1", port: 0, maxUploadBytes: 1 << 20, demoFolder: nil)
    options.idleTimeout = 0.3
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    _ = Task { try await ServeServer.run(service: service, options: options) { continuation.yield($0) } }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { exit(3) }
    let photo = PNG.encode(pixels: [UInt8](repeating: 128, count: 20 * 20 * 3), width: 20, height: 20, channels: 3)
    let info = try await service.add(photo, name: "fuzz")
    for f in files {
        var bytes = [UInt8](try Data(contentsOf: f))
        if let range = String(decoding: bytes, as: UTF8.self).range(of: "IMAGEID"), bytes.allSatisfy({ $0 < 128 }) {
            let text = String(decoding: bytes, as: UTF8.self)
            bytes = Array(text.replacingCharacters(in: range, with: info.id).utf8)
        }
        let (outcome, _) = RawHTTP.exchange(bytes, port: port, timeout: 30)
        switch outcome {
        case .status(let code) where code >= 500: emit("server-error \(f.path): \(code)")
        case .status(let code) where code >= 200 && code < 300: emit("accepted \(f.path)")
        case .status(let code): emit("rejected \(f.path): status \(code)")
        case .closed: emit("rejected \(f.path): connection closed")
        case .silent: emit("hung \(f.path): no answer within 30 s")
        }
    }
    // (exit without cancelling the server: cancelling it with a connection still open trips a precondition in NIO)
    exit(0)
case "selftest":   // for the harness's own test: a file saying "trap" traps, "hang" never returns
    for f in files {
        let text = String(decoding: try Data(contentsOf: f), as: UTF8.self)
        if text == "trap" { fatalError("selftest trap") }
        if text == "hang" { while true { sleep(1) } }
        report(f, nil)
    }
default:
    FileHandle.standardError.write(Data("rmae-fuzz: unknown format \(format)\n".utf8))
    exit(2)
}

extension Result where Failure == Error {
    /// The error, or nil on success.
    var error: Error? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
