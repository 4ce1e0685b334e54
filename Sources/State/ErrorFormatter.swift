/// The one formatter of the errors users see.
///
/// Each diagnostic reads like a compiler's: where, `error:`, what is wrong, then
/// indented `detail:` and `hint:` lines:
///
///     schema.yaml:13:20: error: unknown key 'nulable' in column 'email' of table 'customers'
///       hint: did you mean 'nullable'?
///     1 error; nothing was changed in any database.
///
/// The closing line counts the diagnostics and appears when the error
/// guarantees that nothing was changed.
public enum ErrorFormatter {
    /// Every diagnostic of `error`, then, with `closingLine` and when the error
    /// guarantees it, the line that says nothing was changed. An error that is not
    /// a `UserFacingError` is `error: ` and its description.
    public static func text(for error: any Error, closingLine: Bool = true) -> String {
        guard let error = error as? any UserFacingError else { return "error: \(error)" }
        let diagnostics = error.diagnostics
        var lines = diagnostics.map(diagnostic)
        if closingLine && error.nothingChanged {
            let count = diagnostics.count
            lines.append("\(count) error\(count == 1 ? "" : "s"); nothing was changed in any database.")
        }
        return lines.joined(separator: "\n")
    }

    /// One diagnostic: `place: error: summary`, then its detail and hint lines.
    public static func diagnostic(_ error: any UserFacingError) -> String {
        var text = (error.place.map { "\($0): " } ?? "") + "error: " + error.summary
        if let detail = error.detail { text += "\n  detail: \(detail)" }
        if let hint = error.hint { text += "\n  hint: \(hint)" }
        return text
    }

    /// One diagnostic on one line, for an entry of a report:
    /// `summary; detail: ...; hint: ...`.
    public static func line(_ error: any UserFacingError) -> String {
        var text = error.summary
        if let detail = error.detail { text += "; detail: \(detail)" }
        if let hint = error.hint { text += "; hint: \(hint)" }
        return text
    }
}
