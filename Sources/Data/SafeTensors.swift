import Engine
import Foundation

/// The safetensors format (used by Hugging Face and our checkpoints): an 8-byte little-endian header length,
/// a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {String: String}}`, then
/// the raw little-endian tensor bytes. We read F32 (and F64, F16, BF16, I64, I32, converted to Float32) and
/// write F32.
public enum SafeTensors {
    /// Largest header we accept (the format's reference implementation uses 100 MB).
    public static let maxHeaderBytes = 100_000_000

    /// A parsed file: tensors by name and the metadata strings.
    public struct File {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]
    }

    /// Reads a whole file. Errors name the file and what is wrong with it.
    public static func read(_ url: URL) throws -> File {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SafeTensorsError(url: url, reason: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(data, url: url)
    }

    static func parse(_ data: Data, url: URL) throws -> File {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(url: url, reason: reason) }
        guard data.count >= 8 else { throw fail("is truncated: \(data.count) bytes, no header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maxHeaderBytes) else { throw fail("declares a \(headerLength)-byte header (limit \(maxHeaderBytes))") }
        let dataStart = 8 + Int(headerLength)
        guard data.count >= dataStart else { throw fail("is truncated: header needs \(headerLength) bytes, file has \(data.count - 8)") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) } catch {
            throw fail("has a malformed JSON header")
        }
        guard let header = json as? [String: Any] else { throw fail("has a header that is not a JSON object") }
        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let m = meta as? [String: Any] else { throw fail("has a __metadata__ that is not an object") }
            for (k, v) in m {
                guard let s = v as? String else { throw fail("has a non-string metadata value for '\(k)'") }
                metadata[k] = s
            }
        }
        let payload = data.count - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = integers(e["shape"]), let offsets = integers(e["data_offsets"]), offsets.count == 2
            else { throw fail("has a malformed entry for tensor '\(name)'") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor '\(name)' has a negative dimension in \(shape)") }
            let width: Int
            switch dtype {
            case "F32", "I32": width = 4
            case "F64", "I64": width = 8
            case "F16", "BF16": width = 2
            default: throw fail("tensor '\(name)' has unsupported dtype \(dtype)")
            }
            guard let bytes = Shape.checkedCount(shape, elementBytes: width) else {
                throw fail("tensor '\(name)' has shape \(shape) whose size overflows")
            }
            let count = bytes / width
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= payload else {
                throw fail("tensor '\(name)' has data offsets [\(begin), \(end)] outside the \(payload)-byte payload (truncated?)")
            }
            guard end - begin == bytes else {
                throw fail("tensor '\(name)' \(dtype)\(shape) needs \(bytes) bytes, offsets give \(end - begin)")
            }
            var values = [Float](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress! + dataStart + begin
                for i in 0..<count {
                    let p = base + i * width
                    switch dtype {
                    case "F32": values[i] = Float(bitPattern: p.loadUnaligned(as: UInt32.self).littleEndian)
                    case "F64": values[i] = Float(Double(bitPattern: p.loadUnaligned(as: UInt64.self).littleEndian))
                    case "I32": values[i] = Float(Int32(bitPattern: p.loadUnaligned(as: UInt32.self).littleEndian))
                    case "I64": values[i] = Float(Int64(bitPattern: p.loadUnaligned(as: UInt64.self).littleEndian))
                    case "BF16": values[i] = Float(bitPattern: UInt32(p.loadUnaligned(as: UInt16.self).littleEndian) << 16)
                    default: values[i] = Float(Float16(bitPattern: p.loadUnaligned(as: UInt16.self).littleEndian))
                    }
                }
            }
            tensors[name] = Tensor(shape: shape, values)
        }
        return File(tensors: tensors, metadata: metadata)
    }

    /// A JSON list of whole numbers that fit an `Int` (exactly; `1e30`, `1.5` or `"4"` give nil).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in list {
            guard let i = item as? Int else { return nil }
            out.append(i)
        }
        return out
    }

    /// Serialises tensors (as F32, names sorted) and metadata.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }   // pad with spaces so the payload is 8-byte aligned
        var out = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            tensors[name]!.withUnsafeBufferPointer { buf in
                for v in buf {
                    var bits = v.bitPattern.littleEndian
                    withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
                }
            }
        }
        return out
    }

    /// Writes atomically: to a temporary file beside `url`, then renamed over it.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(try encode(tensors, metadata: metadata), to: url)
    }
}

/// A safetensors file that cannot be used, with the file and the reason.
public struct SafeTensorsError: Error, CustomStringConvertible {
    public let url: URL
    public let reason: String
    public init(url: URL, reason: String) {
        self.url = url
        self.reason = reason
    }
    public var description: String { "\(url.path): \(reason)" }
}
