import Foundation

/// A plain value that a comma cut in two inside a flow mapping.
///
/// In `{ type: numeric(6,2) }` the comma ends the value: YAML reads `type:
/// numeric(6` and a key `2)` with no value. The key alone would be reported as
/// unknown with the list of allowed keys; the useful hint is to quote the value.
extension YAMLReader {
    /// The hint for the unknown key of `entries[index]` when it is the tail of the
    /// value before it: `quote the value: type: "numeric(6,2)"`; nil otherwise.
    ///
    /// The value is put back together from the entry whose value opens more
    /// parentheses than it closes and the value-less keys after it, up to the one
    /// that closes them, rejoined with commas as written without spaces.
    static func splitValueHint(at index: Int, of entries: [YAMLEntry], allowed: [String]) -> String? {
        func isTail(_ entry: YAMLEntry) -> Bool { entry.value.isNull && !allowed.contains(entry.key) }
        guard entries.indices.contains(index), isTail(entries[index]) else { return nil }
        var start = index - 1
        while start >= 0, isTail(entries[start]) { start -= 1 }
        guard start >= 0, allowed.contains(entries[start].key), let head = entries[start].value.scalarText,
              openParentheses(in: head) > 0
        else { return nil }
        var value = head
        var end = start + 1
        while end < entries.count, isTail(entries[end]) {
            value += "," + entries[end].key
            if openParentheses(in: value) <= 0 { break }
            end += 1
        }
        guard openParentheses(in: value) == 0, end >= index else { return nil }
        let quoted = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "quote the value: \(entries[start].key): \"\(quoted)\" (a comma ends an unquoted value inside { })"
    }

    /// `(` minus `)` in `text`.
    private static func openParentheses(in text: String) -> Int {
        text.reduce(0) { count, character in
            character == "(" ? count + 1 : character == ")" ? count - 1 : count
        }
    }
}
