/// The COCO "compressed RLE" string form of run lengths (`{"size": [h, w], "counts": "…"}` as written by
/// pycocotools' `mask.encode`), decoded and encoded.
///
/// Each run length is first replaced, from the fourth run on, by its difference from the run two before
/// (runs alternate between background and mask, so runs two apart are alike and the differences small).
/// The signed value is then written little-end first in 5-bit groups, one character per group:
///
///     character = 48 + group (5 bits) + 32 · more
///     more      = 1 while the remaining bits are not just the sign extension of this group's top bit
///
/// so every character lies in `"0"` (48) … `"o"` (111). Decoding reverses this: gather groups until one
/// without the `more` bit (32), sign-extend from that group's bit 4 (16), and add back the run two before.
///
/// ```
/// runs [3, 2, 4, 1, 6]  →  values [3, 2, 4, 1 − 2 = −1, 6 − 4 = 2]  →  "3" "2" "4" "O" "2"
/// ```
/// (−1 is the single group 31 = "O": its bit 4 is set and nothing but sign bits remain). pycocotools
/// encodes that 4 × 4 mask as `b'324O2'`; `CompressedCountsTests` pins this and other such strings.
enum CompressedCounts {
    /// Streams the run lengths of a compressed string one at a time, without storing them.
    struct Reader {
        let bytes: [UInt8]
        private var position = 0
        private var index = 0
        private var previous: (Int, Int) = (0, 0)     // runs index − 2 and index − 1
        /// Set when the string ended inside a run or held a character outside "0"…"o".
        private(set) var malformed = false

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        /// The next run length (may be negative in a malformed string), or nil at the end.
        mutating func next() -> Int? {
            guard position < bytes.count else { return nil }
            var value = 0
            var shift = 0
            while true {
                guard position < bytes.count else { malformed = true; return nil }
                let raw = Int(bytes[position]) - 48
                position += 1
                guard (0..<64).contains(raw), shift < 60 else { malformed = true; return nil }
                value |= (raw & 0x1F) << shift
                shift += 5
                if raw & 0x20 == 0 {
                    if raw & 0x10 != 0 { value |= -1 << shift }
                    break
                }
            }
            if index > 2 {
                let (sum, overflow) = value.addingReportingOverflow(previous.0)
                guard !overflow else { malformed = true; return nil }
                value = sum
            }
            previous = (previous.1, value)
            index += 1
            return value
        }
    }

    /// All run lengths of a compressed string, or nil when it is malformed.
    static func decode(_ bytes: [UInt8]) -> [Int]? {
        var reader = Reader(bytes)
        var runs: [Int] = []
        while let run = reader.next() { runs.append(run) }
        return reader.malformed ? nil : runs
    }

    /// The compressed string of `runs` (non-negative run lengths, the first one counting zeros).
    static func encode(_ runs: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, run) in runs.enumerated() {
            var value = i > 2 ? run - runs[i - 2] : run
            var more = true
            while more {
                var group = value & 0x1F
                value >>= 5
                more = group & 0x10 != 0 ? value != -1 : value != 0
                if more { group |= 0x20 }
                out.append(UInt8(group + 48))
            }
        }
        return out
    }
}
