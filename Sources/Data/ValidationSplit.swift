/// The held-out validation split: a sample is held out when a stable hash of its relative path falls
/// below the validation fraction.
///
///     h = FNV-1a 64(UTF-8 bytes of the relative path, "/"-separated)
///     held out ⇔ (h >> 11) · 2⁻⁵³ < fraction
///
/// The hash depends on nothing but the path, so the split is the same on every machine, in every run,
/// whatever the walk order, and adding images never moves an existing image across the split.
public enum ValidationSplit {
    /// FNV-1a, 64-bit: offset basis `0xcbf29ce484222325`, prime `0x100000001b3`, one byte at a time.
    /// - Parameter text: hashed as its UTF-8 bytes.
    /// - Returns: the 64-bit hash.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// True when the sample at relative path `path` belongs to the validation split.
    /// - Parameters:
    ///   - path: the sample's path relative to the dataset root, e.g. `n01440764/x.JPEG`.
    ///   - fraction: share of samples held out, in [0, 1]; 0 holds out nothing, 1 everything.
    public static func isValidation(_ path: String, fraction: Double) -> Bool {
        Double(fnv1a64(path) >> 11) * 0x1p-53 < fraction
    }
}
