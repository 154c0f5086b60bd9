/// TFRecord framing, the container of TensorBoard event files: per record
///
///     uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes
///     data (length bytes)           | uint32 masked CRC-32C of data
public enum TFRecord {
    /// One framed record around `data`.
    public static func framed(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = littleEndian(UInt64(data.count))
        out += length
        out += littleEndian(CRC32C.masked(CRC32C.checksum(length)))
        out += data
        out += littleEndian(CRC32C.masked(CRC32C.checksum(data)))
        return out
    }

    /// The records of a file's bytes, each checked against its two CRCs.
    /// - Throws: ``TFRecordError`` naming the byte offset of the first bad or truncated record.
    public static func records(in bytes: [UInt8]) throws(TFRecordError) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 16 else { throw .truncated(offset: offset) }
            let header = Array(bytes[offset..<offset + 8])
            guard CRC32C.masked(CRC32C.checksum(header)) == readUInt32(bytes, at: offset + 8) else {
                throw .badLengthChecksum(offset: offset)
            }
            let length = header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard length <= UInt64(bytes.count - offset - 16) else { throw .truncated(offset: offset) }
            let start = offset + 12, end = start + Int(length)
            let data = Array(bytes[start..<end])
            guard CRC32C.masked(CRC32C.checksum(data)) == readUInt32(bytes, at: end) else {
                throw .badDataChecksum(offset: offset)
            }
            records.append(data)
            offset = end + 4
        }
        return records
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}

/// A TFRecord stream that does not check out.
public enum TFRecordError: Error, Equatable, CustomStringConvertible {
    case truncated(offset: Int)
    case badLengthChecksum(offset: Int)
    case badDataChecksum(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "TFRecord: truncated record at byte \(offset)"
        case .badLengthChecksum(let offset): "TFRecord: length checksum mismatch in the record at byte \(offset)"
        case .badDataChecksum(let offset): "TFRecord: data checksum mismatch in the record at byte \(offset)"
        }
    }
}
