import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes one TensorBoard event file: scalars and PNG pictures, each tagged with a training step, so that
/// `tensorboard --logdir runs` shows a run with no conversion step.
///
/// The file is `events.out.tfevents.<unix time>.<host>.<pid>` in `directory` (a new file per writer, so a
/// resumed run adds a file beside the earlier ones). It starts with the `file_version` event
/// ("brain.Event:2") and a `SessionLog.START` at `firstStep`: TensorBoard then drops anything an earlier
/// file logged at `firstStep` or later (updates after the checkpoint a run resumed from, which the resumed
/// run logs again), and the curves continue. Every event is written through at once (no buffering), so a
/// running TensorBoard sees it and a killed run loses nothing already logged.
///
/// ```swift
/// let events = try EventFileWriter(directory: runDirectory, firstStep: step + 1)
/// try events.write(["loss": 0.71, "lr": 1.5e-4], step: 10)
/// try events.writeImage(tag: "reconstruction", png: pngBytes, step: 10)
/// ```
public final class EventFileWriter {
    /// The event file.
    public let url: URL
    private let handle: FileHandle

    /// Creates the event file and writes its header events.
    /// - Parameters:
    ///   - directory: the run directory (created if missing).
    ///   - firstStep: the first step this writer will log; earlier files' events from here on are stale.
    ///   - writer: recorded in the file as the program that wrote it.
    public init(directory: URL, firstStep: Int = 0, writer: String = "rmae-swift") throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let now = Date().timeIntervalSince1970
        let base = "events.out.tfevents.\(Int(now)).\(Self.hostname()).\(getpid())"
        var name = base, n = 0
        while fm.fileExists(atPath: directory.appendingPathComponent(name).path) {
            n += 1
            name = "\(base).\(n)"   // sorts after `base`, so readers take the files in the order written
        }
        url = directory.appendingPathComponent(name)
        guard fm.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)

        var header = Tensorboard_Event()
        header.wallTime = now
        header.fileVersion = "brain.Event:2"
        header.sourceMetadata.writer = writer
        try append(header)
        var start = Tensorboard_Event()
        start.wallTime = now
        start.step = Int64(firstStep)
        start.sessionLog.status = .start
        try append(start)
    }

    deinit { try? handle.close() }

    /// Logs every numeric entry of a metrics record (integers and floating-point values) as a scalar
    /// tagged with its key, except the key `"step"`, which is the event's step. Strings and other values
    /// are left out, so new keys in the record flow through with no change here.
    public func write(_ record: [String: Any], step: Int) throws {
        try write(scalars: Self.scalars(in: record), step: step)
    }

    /// Logs scalars at one step (one event). TensorBoard stores them as 32-bit floats.
    public func write(scalars: [(tag: String, value: Double)], step: Int) throws {
        guard !scalars.isEmpty else { return }
        var event = Tensorboard_Event()
        event.wallTime = Date().timeIntervalSince1970
        event.step = Int64(step)
        event.summary.value = scalars.map { tag, value in
            var v = Tensorboard_Summary.Value()
            v.tag = tag
            v.simpleValue = Float(value)
            return v
        }
        try append(event)
    }

    /// Logs a PNG picture (TensorBoard's Images tab).
    /// - Throws: ``EventFileError/notPNG(tag:)`` when `png` is not a PNG file.
    public func writeImage(tag: String, png: [UInt8], step: Int) throws {
        guard let header = PNGHeader(png) else { throw EventFileError.notPNG(tag: tag) }
        var image = Tensorboard_Summary.Image()
        image.width = Int32(header.width)
        image.height = Int32(header.height)
        image.colorspace = Int32(header.colorspace)
        image.encodedImageString = Data(png)
        var value = Tensorboard_Summary.Value()
        value.tag = tag
        value.image = image
        var event = Tensorboard_Event()
        event.wallTime = Date().timeIntervalSince1970
        event.step = Int64(step)
        event.summary.value = [value]
        try append(event)
    }

    /// The numeric entries of `record` but `"step"`, sorted by key.
    static func scalars(in record: [String: Any]) -> [(tag: String, value: Double)] {
        record.keys.sorted().compactMap { key in
            guard key != "step", let value = number(record[key]!) else { return nil }
            return (key, value)
        }
    }

    static func number(_ value: Any) -> Double? {
        switch value {
        case is Bool: nil
        case let x as any BinaryFloatingPoint: Double(x)
        case let x as any BinaryInteger: Double(x)
        default: nil
        }
    }

    private func append(_ event: Tensorboard_Event) throws {
        let bytes: [UInt8] = try event.serializedBytes()
        try handle.write(contentsOf: TFRecord.framed(bytes))
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }
}

/// A value the event file cannot hold.
public enum EventFileError: Error, CustomStringConvertible {
    case notPNG(tag: String)

    public var description: String {
        switch self {
        case .notPNG(let tag): "TensorBoard image '\(tag)': the bytes are not a PNG file"
        }
    }
}
