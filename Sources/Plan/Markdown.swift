/// Small pieces of markdown that stay well-formed whatever text goes in them.
///
/// Names and SQL come from files and catalogs: a backtick in a tenant name or
/// three in a comment's text must not end a code span or a code block early.
enum Markdown {
    /// `text` as a code span: delimited by one backtick more than its longest run
    /// of backticks, padded with a space when it starts or ends with one
    /// (CommonMark 6.1). Control characters are shown escaped.
    static func code(_ text: String) -> String {
        let text = text.printable
        let run = String(repeating: "`", count: longestBacktickRun(text) + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return run + pad + text + pad + run
    }

    /// A fenced code block of `lines`, fenced with more backticks than any line
    /// holds in a row (at least three), so that the block ends where it should.
    static func block(_ info: String, _ lines: [String]) -> [String] {
        let longest = lines.map(longestBacktickRun).max() ?? 0
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return [fence + info] + lines + [fence]
    }

    static func longestBacktickRun(_ text: String) -> Int {
        var longest = 0, current = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "`") {
                current += 1
                longest = max(longest, current)
            } else {
                current = 0
            }
        }
        return longest
    }

    /// `4,980`: digits grouped by three, the same in every locale.
    static func number(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `1 tenant`, `4,980 tenants`.
    static func count(_ n: Int, _ noun: String) -> String {
        "\(number(n)) \(noun)\(n == 1 ? "" : "s")"
    }

    /// The size that the budget of a comment counts: UTF-8 bytes, never fewer
    /// than the characters or UTF-16 units that a comment limit may count.
    static func size(_ lines: [String]) -> Int {
        lines.reduce(0) { $0 + $1.utf8.count + 1 }
    }
}
