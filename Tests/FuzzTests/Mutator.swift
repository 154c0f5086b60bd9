import Engine

/// Deterministic mutations of valid inputs: bit flips, truncations, deleted and repeated slices, and
/// numbers (ASCII or 64-bit binary) replaced by huge, negative or non-finite ones.
struct Mutator {
    var rng: RandomGenerator

    init(seed: UInt64) { rng = RandomGenerator(seed: seed, stream: .test) }

    /// Numbers that break arithmetic: overflow in a product or a sum, negative sizes, non-finite values.
    static let numbers = ["0", "-1", "1", "4611686018427387904", "9223372036854775807", "-9223372036854775808",
                          "99999999999999999999999", "1e308", "-1e308", "1e30", ".nan", "nan", "NaN", "inf", "-0",
                          "65536", "4294967296", "2147483648", "1.5", "100000", "16000"]
    static let words: [UInt64] = [0, .max, 1 << 62, 1 << 63, UInt64(Int64.max), 0xFFFF_FFFF, 1 << 32, 0x8000_0000]

    mutating func pick(_ n: Int) -> Int { rng.int(below: max(n, 1)) }

    /// One mutant of `base` (never equal to nothing: an empty base gets a number).
    mutating func mutate(_ base: [UInt8]) -> [UInt8] {
        var b = base
        if b.isEmpty { return Array(Self.numbers[pick(Self.numbers.count)].utf8) }
        switch pick(9) {
        case 0:                                     // flip 1 to 8 bits
            for _ in 0...pick(8) { b[pick(b.count)] ^= UInt8(1 << pick(8)) }
        case 1:                                     // truncate
            b = Array(b.prefix(pick(b.count)))
        case 2, 3:                                  // an ASCII number replaced by a nasty one
            let digits = b.indices.filter { (48...57).contains(b[$0]) }
            let text = Array(Self.numbers[pick(Self.numbers.count)].utf8)
            if let start = digits.isEmpty ? nil : digits[pick(digits.count)] {
                var end = start
                while end < b.count, (48...57).contains(b[end]) || b[end] == UInt8(ascii: ".") || b[end] == UInt8(ascii: "e") { end += 1 }
                var begin = start
                while begin > 0, (48...57).contains(b[begin - 1]) || b[begin - 1] == UInt8(ascii: "-") { begin -= 1 }
                b.replaceSubrange(begin..<end, with: text)
            } else {
                b.insert(contentsOf: text, at: pick(b.count + 1))
            }
        case 4:                                     // a 64-bit word overwritten
            let at = pick(b.count)
            var w = Self.words[pick(Self.words.count)]
            for i in at..<min(at + 8, b.count) { b[i] = UInt8(truncatingIfNeeded: w); w >>= 8 }
        case 5:                                     // a slice deleted
            let at = pick(b.count), n = 1 + pick(min(64, b.count - at))
            b.removeSubrange(at..<min(b.count, at + n))
        case 6:                                     // a slice repeated
            let at = pick(b.count), n = 1 + pick(min(256, b.count - at))
            let slice = Array(b[at..<min(b.count, at + n)])
            for _ in 0...pick(4) { b.insert(contentsOf: slice, at: at) }
        case 7:                                     // bytes set to 0 or 0xFF
            for _ in 0...pick(4) { b[pick(b.count)] = pick(2) == 0 ? 0 : 0xFF }
        default:                                    // a random byte inserted
            b.insert(UInt8(truncatingIfNeeded: rng.next()), at: pick(b.count + 1))
        }
        return b
    }

    /// `count` mutants spread over the seeds; one to three mutations each.
    mutating func mutants(of seeds: [[UInt8]], count: Int) -> [[UInt8]] {
        (0..<count).map { i in
            var b = seeds[i % seeds.count]
            for _ in 0...pick(3) { b = mutate(b) }
            return b
        }
    }
}
