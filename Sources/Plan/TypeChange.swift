import Foundation

/// How a column type change affects stored data, judged on the server's
/// canonical type names (`format_type` output).
public enum TypeChange: Equatable, Sendable {
    /// Every old value fits the new type and the table is not rewritten
    /// (`varchar(50)` to `varchar(100)` or `text`, `numeric(10,2)` to `numeric(12,2)`).
    case widening
    /// Every old value fits, but the table is rewritten (`integer` to `bigint`).
    case wideningWithRewrite
    /// Values may not fit or may change: treated as data loss.
    case narrowing

    public static func classify(from old: String, to new: String) -> TypeChange {
        if old == new { return .widening }
        let (oldBase, oldMods) = split(old)
        let (newBase, newMods) = split(new)
        let oldArray = old.hasSuffix("[]"), newArray = new.hasSuffix("[]")
        if oldArray != newArray { return .narrowing }

        let textual = ["character varying", "text"]
        if textual.contains(oldBase) && textual.contains(newBase) {
            if newBase == "text" || newMods.isEmpty { return .widening }
            if oldBase == "text" || oldMods.isEmpty { return .narrowing }
            return newMods[0] >= oldMods[0] ? .widening : .narrowing
        }
        if oldBase == "numeric" && newBase == "numeric" {
            if newMods.isEmpty { return .widening }
            if oldMods.isEmpty { return .narrowing }
            let oldScale = oldMods.count > 1 ? oldMods[1] : 0, newScale = newMods.count > 1 ? newMods[1] : 0
            let oldInteger = oldMods[0] - oldScale, newInteger = newMods[0] - newScale
            if newScale == oldScale && newInteger >= oldInteger { return .widening }
            return newScale >= oldScale && newInteger >= oldInteger ? .wideningWithRewrite : .narrowing
        }
        let integers = ["smallint": 1, "integer": 2, "bigint": 3]
        if let o = integers[oldBase], let n = integers[newBase] { return n >= o ? .wideningWithRewrite : .narrowing }
        if integers[oldBase] != nil && newBase == "numeric" && newMods.isEmpty { return .wideningWithRewrite }
        if oldBase == "real" && newBase == "double precision" { return .wideningWithRewrite }
        if oldBase == "timestamp without time zone" && newBase == "timestamp with time zone" {
            // Fewer fractional digits round the values (`timestamptz(0)` turns
            // 03:04:05.678 into 03:04:06); without a precision, 6 are kept.
            return (newMods.first ?? 6) >= (oldMods.first ?? 6) ? .wideningWithRewrite : .narrowing
        }
        if oldBase == "character varying" && newBase == "character varying" { return .widening }
        return .narrowing
    }

    /// `character varying(200)[]` → (`character varying`, [200]).
    static func split(_ type: String) -> (String, [Int]) {
        var t = type
        while t.hasSuffix("[]") { t.removeLast(2) }
        guard let open = t.firstIndex(of: "("), let close = t.lastIndex(of: ")"), open < close else { return (t, []) }
        let mods = t[t.index(after: open)..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let suffix = t[t.index(after: close)...]
        return ((String(t[..<open]) + suffix).trimmingCharacters(in: .whitespaces), mods)
    }
}
