import Foundation

/// TensorBoard event files as the official `tensorboard` Python package reads them
/// (`EventAccumulator` over a run directory, every event kept), for tests of what rmae writes.
///
/// Needs `python3` with `tensorboard` importable (`pip install tensorboard`; `scripts/setup` installs it);
/// tests gate on ``unavailableReason``.
public enum OfficialTensorBoard {
    /// Why the official reader cannot run here, or nil when it can.
    public static let unavailableReason: String? = {
        guard let result = try? python(["-c", "import tensorboard.backend.event_processing.event_accumulator"]) else {
            return "python3 could not be started"
        }
        if result.status == 0 { return nil }
        if result.status == 127 { return "python3 is not on PATH" }
        return "python3 cannot import tensorboard (pip install tensorboard; scripts/setup installs it): "
            + result.stderr.split(separator: "\n").suffix(1).joined()
    }()

    public static var available: Bool { unavailableReason == nil }

    public struct Scalar: Decodable, Sendable {
        public var step: Int
        public var value: Double
        public var wallTime: Double
    }

    /// One image event, with its PNG decoded by the reader script (chunk CRCs, inflate, row filters).
    public struct Image: Decodable, Sendable {
        public var step: Int
        /// Size stated in the event.
        public var width: Int, height: Int
        /// Size of the decoded PNG, nil when it did not decode (see `error`).
        public var decodedWidth: Int?, decodedHeight: Int?
        public var error: String?
    }

    public struct Logs: Decodable, Sendable {
        /// Tag → events in the order TensorBoard serves them.
        public var scalars: [String: [Scalar]]
        public var images: [String: [Image]]
    }

    /// Everything TensorBoard's reader finds in `directory` (all event files in it, in name order,
    /// with its purging of events a restart made stale).
    public static func read(_ directory: URL) throws -> Logs {
        let result = try python(["-c", script, directory.path])
        guard result.status == 0 else {
            throw ReaderError(description: "the tensorboard reader failed (status \(result.status)): \(result.stderr)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Logs.self, from: Data(result.stdout.utf8))
    }

    public struct ReaderError: Error, CustomStringConvertible { public var description: String }

    static func python(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        // stderr to a file, so a chatty reader cannot fill a second pipe while stdout is being read.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-python-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? Data(contentsOf: errURL)) ?? Data()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static let script = #"""
import json, struct, sys, zlib
from tensorboard.backend.event_processing import event_accumulator as ea

def decode_png(b):
    if b[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('no PNG signature')
    pos, idat, header = 8, b'', None
    while pos < len(b):
        n, = struct.unpack('>I', b[pos:pos + 4])
        kind, data = b[pos + 4:pos + 8], b[pos + 8:pos + 8 + n]
        crc, = struct.unpack('>I', b[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + data) != crc:
            raise ValueError('CRC mismatch in chunk %r' % kind)
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', data)
        elif kind == b'IDAT':
            idat += data
        elif kind == b'IEND':
            break
        pos += 12 + n
    width, height, depth, colour, _, _, interlace = header
    if interlace:
        raise ValueError('interlaced PNG')
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    stride = (width * channels * depth + 7) // 8
    raw = zlib.decompress(idat)
    if len(raw) != height * (1 + stride):
        raise ValueError('%d bytes of pixel data, expected %d' % (len(raw), height * (1 + stride)))
    if any(raw[r * (1 + stride)] > 4 for r in range(height)):
        raise ValueError('unknown row filter')
    return width, height

acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.SCALARS: 0, ea.IMAGES: 0})
acc.Reload()
tags = acc.Tags()
out = {'scalars': {}, 'images': {}}
for tag in tags['scalars']:
    out['scalars'][tag] = [{'step': e.step, 'value': e.value, 'wall_time': e.wall_time} for e in acc.Scalars(tag)]
for tag in tags['images']:
    events = []
    for e in acc.Images(tag):
        item = {'step': e.step, 'width': e.width, 'height': e.height}
        try:
            item['decoded_width'], item['decoded_height'] = decode_png(e.encoded_image_string)
        except Exception as error:
            item['error'] = str(error)
        events.append(item)
    out['images'][tag] = events
print(json.dumps(out))
"""#
}
