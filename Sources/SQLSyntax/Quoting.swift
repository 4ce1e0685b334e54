/// Quotes an SQL identifier: wraps it in double quotes and doubles every inner one.
///
/// Always quotes, even names that would not need it, so that no name from a file
/// or a catalog can change the meaning of a statement. The test suite checks the
/// result against the server's `quote_ident()`.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingAll("\"", with: "\"\"") + "\""
}

/// Quotes an SQL string literal for the few places where DDL cannot take a bound
/// parameter (`COMMENT ON ... IS`, enum labels).
///
/// Doubles single quotes. Backslashes are literal because every session sets
/// `standard_conforming_strings = on` (see `Connection`). A NUL character cannot
/// be stored in PostgreSQL text, so callers validate it away before rendering.
public func quoteLiteral(_ value: String) -> String {
    "'" + value.replacingAll("'", with: "''") + "'"
}

extension String {
    /// Replaces every occurrence of one ASCII code point.
    ///
    /// Works on Unicode scalars, not Characters: a quote that Unicode would join
    /// with a neighbouring combining mark into one Character is still a quote to
    /// the server, and must be doubled.
    func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == target { out.append(contentsOf: replacement.unicodeScalars) } else { out.append(scalar) }
        }
        return String(out)
    }
}
