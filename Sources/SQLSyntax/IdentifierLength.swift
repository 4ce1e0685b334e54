/// PostgreSQL's limit on a name's length (`NAMEDATALEN - 1` bytes), and the
/// names it makes up within it.
public enum IdentifierLength {
    /// The most bytes of UTF-8 a name may hold; the server truncates longer ones.
    public static let maxBytes = 63

    /// `text` cut to at most `limit` bytes of UTF-8, never splitting a character.
    public static func clipped(_ text: String, toBytes limit: Int) -> String {
        var result = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            if used + size > limit { break }
            result.unicodeScalars.append(scalar)
            used += size
        }
        return result
    }

    /// `text` followed by `suffix`, `text` clipped so that the whole fits in `maxBytes`.
    public static func withSuffix(_ text: String, _ suffix: String) -> String {
        clipped(text, toBytes: maxBytes - suffix.utf8.count) + suffix
    }

    /// The name PostgreSQL gives a serial or identity column's sequence in a
    /// fresh schema: `makeObjectName(table, column, "seq")`, which shortens the
    /// longer of the two names until the whole fits in 63 bytes.
    public static func sequenceName(table: String, column: String) -> String {
        let available = maxBytes - ("_".utf8.count + "_seq".utf8.count)
        var tableBytes = table.utf8.count
        var columnBytes = column.utf8.count
        while tableBytes + columnBytes > available {
            if tableBytes > columnBytes { tableBytes -= 1 } else { columnBytes -= 1 }
        }
        return clipped(table, toBytes: tableBytes) + "_" + clipped(column, toBytes: columnBytes) + "_seq"
    }
}
