import Engine
import Foundation

/// A NumPy `.npy` array: C-order, little-endian, dtype `|u1`, `<u2`, `<i4` or `<f4`.
///
/// The file is the 6-byte magic `\x93NUMPY`, a version, a header length, a Python dict literal such as
/// `{'descr': '|u1', 'fortran_order': False, 'shape': (3, 480, 640), }` padded with spaces to a multiple
/// of 64 bytes and ended by `\n`, then the raw data. We write version 1.0, as `numpy.save` does for
/// small headers, and read versions 1, 2 and 3.
public struct NPYArray: Equatable, Sendable {
    /// Element types we read and write.
    public enum DType: String, Sendable, CaseIterable {
        case uint8 = "|u1", uint16 = "<u2", int32 = "<i4", float32 = "<f4"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8: 1
            case .uint16: 2
            case .int32, .float32: 4
            }
        }
    }

    public var dtype: DType
    public var shape: [Int]
    /// Raw little-endian element bytes, C order; `shape.product * dtype.size` of them.
    public var bytes: [UInt8]

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NPYArray: negative dimension in \(shape)")
        precondition(bytes.count == shape.reduce(1, *) * dtype.size,
                     "NPYArray: \(bytes.count) bytes for shape \(shape) of \(dtype.rawValue)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public init(shape: [Int], uint8 values: [UInt8]) {
        self.init(dtype: .uint8, shape: shape, bytes: values)
    }

    public init(shape: [Int], uint16 values: [UInt16]) {
        self.init(dtype: .uint16, shape: shape, bytes: values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    }

    public init(shape: [Int], int32 values: [Int32]) {
        self.init(dtype: .int32, shape: shape, bytes: Self.littleEndianBytes(values.map { UInt32(bitPattern: $0) }))
    }

    public init(shape: [Int], float32 values: [Float]) {
        self.init(dtype: .float32, shape: shape, bytes: Self.littleEndianBytes(values.map(\.bitPattern)))
    }

    static func littleEndianBytes(_ words: [UInt32]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: words.count * 4)
        for (i, w) in words.enumerated() {
            out[4 * i] = UInt8(w & 0xFF); out[4 * i + 1] = UInt8((w >> 8) & 0xFF)
            out[4 * i + 2] = UInt8((w >> 16) & 0xFF); out[4 * i + 3] = UInt8(w >> 24)
        }
        return out
    }

    func word32(_ i: Int) -> UInt32 {
        UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
    }

    /// The elements widened to Int64, whatever the integer dtype (floats are truncated toward zero).
    public var integers: [Int64] {
        switch dtype {
        case .uint8: bytes.map { Int64($0) }
        case .uint16: (0..<count).map { Int64(bytes[2 * $0]) | Int64(bytes[2 * $0 + 1]) << 8 }
        case .int32: (0..<count).map { Int64(Int32(bitPattern: word32($0))) }
        case .float32: (0..<count).map { Int64(Float(bitPattern: word32($0))) }
        }
    }

    /// The elements as Float (exact for all four dtypes' common ranges).
    public var floats: [Float] {
        dtype == .float32 ? (0..<count).map { Float(bitPattern: word32($0)) } : integers.map { Float($0) }
    }
}

/// A malformed or unsupported `.npy` file.
public struct NPYError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}

// MARK: - Reading

extension NPYArray {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads a `.npy` file.
    public static func read(contentsOf url: URL) throws(NPYError) -> NPYArray {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Foundation.Data(contentsOf: url))
        } catch {
            throw NPYError(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(bytes, name: url.path)
    }

    /// Parses the header of an `.npy` file: dtype, shape, the data offset and the data's size in bytes
    /// (overflow-checked: a shape whose size does not fit an `Int` is an error).
    static func header(_ bytes: [UInt8], name: String) throws(NPYError) -> (dtype: DType, shape: [Int], offset: Int, size: Int) {
        func fail(_ reason: String) -> NPYError { NPYError(file: name, reason: reason) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not an .npy file (bad magic)") }
        let major = bytes[6]
        let length: Int, start: Int
        switch major {
        case 1:
            length = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default:
            throw fail("unsupported .npy version \(major)")
        }
        guard start + length <= bytes.count else { throw fail("truncated header") }
        let text = String(decoding: bytes[start..<(start + length)], as: UTF8.self)

        func value(of key: String) -> Substring? {
            guard let k = text.range(of: "'\(key)'") else { return nil }
            guard let colon = text[k.upperBound...].firstIndex(of: ":") else { return nil }
            return text[text.index(after: colon)...].drop { $0 == " " }
        }
        guard let d = value(of: "descr"), let q = d.first, q == "'" || q == "\"",
              let end = d.dropFirst().firstIndex(of: q) else { throw fail("header without descr") }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        let dtype: DType
        switch descr {
        case "|u1", "<u1", "u1": dtype = .uint8
        case "<u2": dtype = .uint16
        case "<i4": dtype = .int32
        case "<f4": dtype = .float32
        default: throw fail("unsupported dtype \(descr) (want |u1, <u2, <i4 or <f4)")
        }
        guard let f = value(of: "fortran_order") else { throw fail("header without fortran_order") }
        if f.hasPrefix("True") { throw fail("Fortran-order arrays are not supported") }
        guard let s = value(of: "shape"), s.first == "(", let close = s.firstIndex(of: ")") else {
            throw fail("header without shape")
        }
        var shape: [Int] = []
        for part in s[s.index(after: s.startIndex)..<close].split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let n = Int(t), n >= 0 else { throw fail("bad shape \(s[...close])") }
            shape.append(n)
        }
        guard let size = Shape.checkedCount(shape, elementBytes: dtype.size) else {
            throw fail("shape \(s[...close]) of \(dtype.rawValue) is too large (its size overflows)")
        }
        return (dtype, shape, start + length, size)
    }

    /// Parses the bytes of an `.npy` file; `name` is used in errors.
    public static func parse(_ bytes: [UInt8], name: String = "<memory>") throws(NPYError) -> NPYArray {
        let (dtype, shape, offset, size) = try header(bytes, name: name)
        guard bytes.count - offset == size else {
            throw NPYError(file: name, reason: "data has \(bytes.count - offset) bytes, shape \(shape) of \(dtype.rawValue) needs \(size)")
        }
        return NPYArray(dtype: dtype, shape: shape, bytes: Array(bytes[offset...]))
    }
}

// MARK: - Writing

extension NPYArray {
    /// The file's bytes: version 1.0 header padded to 64 bytes, then the data.
    public func encoded() -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dict.utf8.count
        return Self.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8) + bytes
    }

    /// Writes the file (not atomically; ``AtomicFile/write(_:to:)`` with ``encoded()`` is the atomic way).
    public func write(to url: URL) throws {
        try Foundation.Data(encoded()).write(to: url)
    }
}
