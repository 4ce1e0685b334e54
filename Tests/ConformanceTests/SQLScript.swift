/// Splits a SQL file into statements at top-level semicolons.
///
/// The connection runs one statement per call (`PQexecParams`), so `before.sql`
/// and `shared.sql` are split here. Quoted identifiers, string literals
/// (standard-conforming: `''` inside; `E'...'` with backslash escapes), dollar
/// quotes (`$$`, `$tag$`) and both comment forms are skipped; empty statements
/// are dropped.
enum SQLScript {
    static func statements(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var out: [String] = []
        var start = 0
        var i = 0
        func flush(_ end: Int) {
            let statement = String(String.UnicodeScalarView(s[start..<end]))
            if !isBlank(statement) { out.append(statement.trimmingSpace()) }
        }
        while i < s.count {
            let c = s[i]
            let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
            if c == "-" && next == "-" {
                while i < s.count && s[i] != "\n" { i += 1 }
            } else if c == "/" && next == "*" {
                var depth = 1
                i += 2
                while i < s.count && depth > 0 {
                    if s[i] == "/" && i + 1 < s.count && s[i + 1] == "*" { depth += 1; i += 2 }
                    else if s[i] == "*" && i + 1 < s.count && s[i + 1] == "/" { depth -= 1; i += 2 }
                    else { i += 1 }
                }
            } else if c == "'" || c == "\"" {
                let escapes = c == "'" && i > 0 && (s[i - 1] == "E" || s[i - 1] == "e")
                i += 1
                while i < s.count {
                    if escapes && s[i] == "\\" { i += 2; continue }
                    if s[i] == c {
                        if i + 1 < s.count && s[i + 1] == c { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
            } else if c == "$", let tag = dollarTag(s, at: i) {
                i += tag.count
                while i < s.count && !matches(s, at: i, tag) { i += 1 }
                i += tag.count
            } else if c == ";" {
                flush(i)
                i += 1
                start = i
            } else {
                i += 1
            }
        }
        if start < s.count { flush(s.count) }
        return out
    }

    /// `$tag$` starting at `i`, when it is one (not a `$1` parameter).
    private static func dollarTag(_ s: [Unicode.Scalar], at i: Int) -> [Unicode.Scalar]? {
        if i > 0, s[i - 1].properties.isAlphabetic || ("0"..."9").contains(s[i - 1]) || s[i - 1] == "_" { return nil }
        var j = i + 1
        while j < s.count, s[j].properties.isAlphabetic || s[j] == "_" || (j > i + 1 && ("0"..."9").contains(s[j])) {
            j += 1
        }
        guard j < s.count, s[j] == "$" else { return nil }
        return Array(s[i...j])
    }

    private static func matches(_ s: [Unicode.Scalar], at i: Int, _ tag: [Unicode.Scalar]) -> Bool {
        i + tag.count <= s.count && Array(s[i..<(i + tag.count)]) == tag
    }

    /// True when `statement` holds only spaces and comments.
    private static func isBlank(_ statement: String) -> Bool {
        var rest = Substring(statement)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                return rest.isEmpty
            }
        }
    }
}

extension String {
    func trimmingSpace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
