/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord framing.
///
/// Table-driven, one byte per step: event files are small (scalars every few updates, a PNG per
/// validation), so this is never the bottleneck.
public enum CRC32C {
    /// `table[b]` is the CRC of the single byte `b` (from a zero register).
    static let table: [UInt32] = (0..<256).map { byte -> UInt32 in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes`: `checksum(Array("123456789".utf8)) == 0xE3069283`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    /// Continues a CRC-32C over more bytes: `update(update(checksum(a), b))` is the CRC of `a + b`, and
    /// `update(0, bytes)` the CRC of `bytes` alone. For long buffers (checkpoint payloads).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for byte in bytes { c = t[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        return ~c
    }

    /// The "masked" CRC that TFRecord stores, `rotate-right(crc, 15) + 0xA282EAD8`, so that a CRC of
    /// data that itself holds CRCs does not collide with them.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
