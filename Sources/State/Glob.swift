/// A shell-style name pattern, as `ignore:` in `schema.yaml` and `plan --allow`
/// take them.
///
/// `*` matches any run of characters (a `.` too: `*.note` matches `orders.note`),
/// `?` exactly one, `[abc]` one of the set, `[a-z]` one of the range, `[!abc]`
/// (or `[^abc]`) one not in the set; every other character matches itself. A
/// `]` first in a set is part of it, so `[*]`, `[?]`, `[[]` and `[]]` match the
/// literal character: that is how a name holding a metacharacter is written
/// (`Glob.escaping`). Matching is by Unicode scalar and case-sensitive, as
/// PostgreSQL names are.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let elements: [Element]

    private enum Element: Sendable, Hashable {
        case scalar(Unicode.Scalar)
        case any
        case anyRun
        case set(ranges: [ClosedRange<UInt32>], negated: Bool)

        func matches(_ s: Unicode.Scalar) -> Bool {
            switch self {
            case .scalar(let c): c == s
            case .any: true
            case .anyRun: true
            case .set(let ranges, let negated): ranges.contains { $0.contains(s.value) } != negated
            }
        }
    }

    /// Why a pattern is not a glob.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var hint: String
        public var description: String { message }
    }

    /// - Throws: `SyntaxError` for an empty pattern, a `[` without its `]`, or a
    ///   reversed range (`[z-a]`).
    public init(_ pattern: String) throws(SyntaxError) {
        guard !pattern.isEmpty else {
            throw SyntaxError(message: "empty glob", hint: "write a name or a pattern such as tmp_*")
        }
        let scalars = Array(pattern.unicodeScalars)
        var elements: [Element] = []
        var i = 0
        while i < scalars.count {
            switch scalars[i] {
            case "*":
                // `**` is `*`: runs collapse, which keeps matching linear in practice.
                if elements.last != .anyRun { elements.append(.anyRun) }
                i += 1
            case "?":
                elements.append(.any)
                i += 1
            case "[":
                var j = i + 1
                var negated = false
                if j < scalars.count, scalars[j] == "!" || scalars[j] == "^" {
                    negated = true
                    j += 1
                }
                var ranges: [ClosedRange<UInt32>] = []
                var first = true
                while j < scalars.count, first || scalars[j] != "]" {
                    first = false
                    let low = scalars[j]
                    if j + 2 < scalars.count, scalars[j + 1] == "-", scalars[j + 2] != "]" {
                        let high = scalars[j + 2]
                        guard low.value <= high.value else {
                            throw SyntaxError(
                                message: "reversed range '\(low)-\(high)' in glob '\(pattern)'",
                                hint: "write the lower character first, as in [\(high)-\(low)]")
                        }
                        ranges.append(low.value...high.value)
                        j += 3
                    } else {
                        ranges.append(low.value...low.value)
                        j += 1
                    }
                }
                guard j < scalars.count else {
                    throw SyntaxError(
                        message: "unclosed '[' in glob '\(pattern)'",
                        hint: "close the set with ']', or write '[[]' to match a literal '['")
                }
                elements.append(.set(ranges: ranges, negated: negated))
                i = j + 1
            default:
                elements.append(.scalar(scalars[i]))
                i += 1
            }
        }
        self.pattern = pattern
        self.elements = elements
    }

    /// A glob that matches exactly `name`: its metacharacters (`*`, `?`, `[`) are
    /// written as one-character sets.
    public init(literal name: String) {
        pattern = Self.escaping(name)
        elements = name.unicodeScalars.map { .scalar($0) }
    }

    /// `name` as a glob that matches only itself: `a*b` becomes `a[*]b`.
    public static func escaping(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "*", "?", "[": out += "[\(scalar)]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `name` matches the whole pattern.
    ///
    /// The usual greedy match with one backtracking point (the last `*`), which
    /// is exact for globs and takes time proportional to the lengths' product at
    /// worst.
    public func matches(_ name: String) -> Bool {
        let text = Array(name.unicodeScalars)
        var p = 0
        var t = 0
        var star: (pattern: Int, text: Int)?
        while t < text.count {
            if p < elements.count, elements[p] == .anyRun {
                star = (p, t)
                p += 1
            } else if p < elements.count, elements[p].matches(text[t]) {
                p += 1
                t += 1
            } else if let s = star {
                star = (s.pattern, s.text + 1)
                p = s.pattern + 1
                t = s.text + 1
            } else {
                return false
            }
        }
        while p < elements.count, elements[p] == .anyRun { p += 1 }
        return p == elements.count
    }

    public var description: String { pattern }

    /// Globs are equal when written alike: the elements follow from the text.
    public static func == (a: Glob, b: Glob) -> Bool { a.pattern == b.pattern }

    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}
