import Foundation

/// Which form a tenant's changes take, from the size of the tables they scan or
/// rewrite.
///
/// The online forms (`OnlineForm`) keep the application reading and writing a
/// big table while it is scanned, at a price: `CREATE INDEX CONCURRENTLY` waits
/// for every older snapshot in the database, and each online stage is a step of
/// its own. On a small table the single transaction holds its locks for a few
/// milliseconds, so a tenant whose scanned tables are all below the threshold
/// gets the single-transaction form, a tenant with one at or above it the online
/// form. One notion of small: `Applier` runs heavy changes of tenants below the
/// same size as light ones (`ApplyOptions.heavyMinimumBytes`).
public enum FormChoice {
    /// 16 MiB: a scan of that much takes a few tens of milliseconds.
    public static let defaultThresholdBytes: Int64 = 16 << 20

    /// Whether a tenant whose scanned tables hold `tableBytes` gets the online
    /// form: always with a threshold of 0, else when one table reaches it.
    public static func online(tableBytes: [String: Int64], threshold: Int64) -> Bool {
        threshold <= 0 || tableBytes.values.contains { $0 >= threshold }
    }

    /// The relations the changes scan or rewrite, as their locks name them.
    public static func scannedTables(_ changes: [Change]) -> Set<String> {
        Set(changes.flatMap { $0.locks.filter { $0.work != .none }.map(\.relation) })
    }

    /// A size as PostgreSQL writes memory settings: `0`, `65536`, `64kB`,
    /// `16MB`, `1GB`, `1TB` (units of 1024; `B` for bytes). Nil when it is none.
    public static func bytes(fromSize text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let shifts: [String: Int64] = ["": 0, "B": 0, "kB": 10, "MB": 20, "GB": 30, "TB": 40]
        guard let shift = shifts[unit] else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: Int64(1) << shift)
        return overflow ? nil : value
    }

    /// `1.9 GB`, `640 kB`, `16 MB`, `8 kB`, `0 bytes`: units of 1024 as
    /// PostgreSQL names them, one decimal below 10.
    public static func sizeText(_ bytes: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let rounded = (value * 10).rounded() / 10
        if rounded < 10 && rounded != rounded.rounded() { return String(format: "%.1f %@", rounded, units[unit]) }
        return "\(Int(value.rounded())) \(units[unit])"
    }
}
