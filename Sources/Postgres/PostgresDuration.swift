/// A duration as PostgreSQL's time settings take it (`lock_timeout`,
/// `statement_timeout`): a whole number and an optional unit, such as `500ms`,
/// `5s` or `2 min`. A number alone is in milliseconds and `0` turns the timeout
/// off (https://www.postgresql.org/docs/current/config-setting.html).
///
/// It is kept as written: that text is what the setting is given.
public struct PostgresDuration: Hashable, Sendable, CustomStringConvertible {
    /// The units PostgreSQL accepts for time settings.
    public static let units = ["us", "ms", "s", "min", "h", "d"]

    /// The duration as written.
    public let text: String

    /// Reads `text`: ASCII digits, an optional space, an optional unit; nil for anything else.
    public init?(_ text: String) {
        let scalars = text.unicodeScalars
        let digits = scalars.prefix { ("0"..."9").contains($0) }
        guard !digits.isEmpty else { return nil }
        var unit = scalars.dropFirst(digits.count)
        if unit.first == " " { unit = unit.dropFirst() }
        guard unit.isEmpty || Self.units.contains(String(unit)) else { return nil }
        self.text = text
    }

    public var description: String { text }

    /// The duration in seconds (a number alone is milliseconds; `0` is off).
    public var seconds: Double {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let value = Double(digits) ?? 0
        switch text.dropFirst(digits.count).trimmingPrefix(" ") {
        case "us": return value / 1_000_000
        case "", "ms": return value / 1000
        case "s": return value
        case "min": return value * 60
        case "h": return value * 3600
        default: return value * 86400  // "d"
        }
    }
}
