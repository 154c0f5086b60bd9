import Foundation
import Yams

/// Bounds a YAML document before Yams turns it into values: size, nesting depth and aliases are checked
/// on the text (Yams composes nodes recursively, so 10,000-deep nesting would overflow the stack), then
/// the composed tree is walked with a node budget (an alias is a reference to a whole subtree, so a
/// "billion laughs" document of a few hundred bytes expands to 10⁹ nodes) and for duplicate keys.
public enum YAMLGuard {
    static let maxBytes = 1 << 20
    static let maxDepth = 64
    static let maxAliases = 100
    static let maxNodes = 100_000

    /// Throws a ``YAMLGuardError`` saying which bound the text exceeds.
    public static func check(_ text: String) throws(YAMLGuardError) {
        let size = text.utf8.count
        if size > maxBytes { throw YAMLGuardError("the document has \(size) bytes (limit \(maxBytes))") }
        try scan(text)
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { return }   // malformed YAML: the decoder says why
        guard let node else { return }
        var budget = maxNodes
        try walk(node, depth: 1, budget: &budget)
    }

    /// Nesting depth and alias count from the text alone: block nesting by the stack of indentation levels
    /// (plus `- ` and `? ` indicators that open a level on the same line), flow nesting by `[` and `{`
    /// outside quotes and comments. Errs on the side of counting too deep, never too shallow.
    static func scan(_ text: String) throws(YAMLGuardError) {
        var indents: [Int] = []
        var flow = 0, aliases = 0
        var quote: UInt8? = nil          // inside a '...' or "..." scalar (may span lines)
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let bytes = Array(line)
            var i = 0
            while i < bytes.count && bytes[i] == UInt8(ascii: " ") { i += 1 }
            if i == bytes.count || (quote == nil && bytes[i] == UInt8(ascii: "#")) { continue }
            var inline = 0
            if quote == nil && flow == 0 {
                while let last = indents.last, last > i { indents.removeLast() }
                if indents.last != i { indents.append(i) }
                // "- - - x" and "? ? x" open one level per indicator
                var j = i
                while j < bytes.count, bytes[j] == UInt8(ascii: "-") || bytes[j] == UInt8(ascii: "?"),
                      j + 1 == bytes.count || bytes[j + 1] == UInt8(ascii: " ") {
                    inline += 1
                    j += 2
                    while j < bytes.count && bytes[j] == UInt8(ascii: " ") { j += 1 }
                }
            }
            var previous = UInt8(ascii: " ")
            while i < bytes.count {
                let b = bytes[i]
                if let q = quote {
                    if b == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 2; previous = b; continue }
                    if b == q { quote = nil }
                } else {
                    let tokenStart = previous == UInt8(ascii: " ") || previous == UInt8(ascii: "[") || previous == UInt8(ascii: "{")
                        || previous == UInt8(ascii: ",") || previous == UInt8(ascii: "\t")
                    switch b {
                    case UInt8(ascii: "#") where previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t"):
                        i = bytes.count
                        continue
                    case UInt8(ascii: "\""), UInt8(ascii: "'"):
                        if tokenStart || flow > 0 { quote = b }
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        if tokenStart || flow > 0 {
                            flow += 1
                            if indents.count + inline + flow > maxDepth { throw tooDeep() }
                        }
                    case UInt8(ascii: "]"), UInt8(ascii: "}"):
                        if flow > 0 { flow -= 1 }
                    case UInt8(ascii: "*") where tokenStart:
                        aliases += 1
                        if aliases > maxAliases { throw YAMLGuardError("the document uses more than \(maxAliases) aliases (*name)") }
                    default: break
                    }
                }
                previous = b
                i += 1
            }
            if indents.count + inline + flow > maxDepth { throw tooDeep() }
        }
    }

    static func tooDeep() -> YAMLGuardError { YAMLGuardError("the document nests deeper than \(maxDepth) levels") }

    /// Counts nodes as the decoder would see them (aliases expanded) up to the budget; finds duplicate keys.
    static func walk(_ node: Node, depth: Int, budget: inout Int) throws(YAMLGuardError) {
        budget -= 1
        if budget < 0 {
            throw YAMLGuardError("the document expands to more than \(maxNodes) values (aliases referring to aliases?)")
        }
        if depth > maxDepth { throw tooDeep() }
        switch node {
        case .scalar: break
        case .sequence(let items):
            for item in items { try walk(item, depth: depth + 1, budget: &budget) }
        case .mapping(let pairs):
            var seen = Set<String>()
            for (key, value) in pairs {
                if case .scalar(let s) = key, !seen.insert(s.string).inserted {
                    throw YAMLGuardError("the key '\(s.string)' appears twice in one mapping" + (key.mark.map { " (line \($0.line))" } ?? ""))
                }
                try walk(key, depth: depth + 1, budget: &budget)
                try walk(value, depth: depth + 1, budget: &budget)
            }
        }
    }
}

/// A YAML document that exceeds a bound of ``YAMLGuard`` (or has a duplicate key).
public struct YAMLGuardError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Unknown configuration keys: the message suggests the closest known key.
public enum ConfigurationKeys {
    /// "unknown key 'bach_size' (did you mean 'batch_size'?)".
    public static func unknown(_ key: String, known: [String]) -> String {
        let best = known.map { ($0, distance(key, $0)) }.min { $0.1 < $1.1 }
        if let (name, d) = best, d <= max(2, name.count / 3) {
            return "unknown key '\(key)' (did you mean '\(name)'?)"
        }
        return "unknown key '\(key)' (known: \(known.joined(separator: ", ")))"
    }

    /// Levenshtein edit distance (insertions, deletions, substitutions), on bytes.
    static func distance(_ a: String, _ b: String) -> Int {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...y.count {
                let above = row[j]
                row[j] = min(above + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[y.count]
    }
}
