import Yams

extension Node {
    /// Where this node starts in `file`: 1-based line and column (columns count Unicode
    /// scalars, as libyaml does). Line 1, column 1 when Yams recorded no mark.
    func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// An empty value, `~` or `null` written without quotes: YAML's "no value".
    var isNull: Bool {
        null != nil
    }

    /// The scalar's text exactly as YAML delivers it, whatever its resolved tag
    /// (`0`, `true` and `now()` all keep their text); nil for a mapping or sequence.
    var scalarText: String? {
        guard case .scalar(let scalar) = self else { return nil }
        return scalar.string
    }

    /// What this node is, for "expected a list, found a mapping" messages.
    var kindDescription: String {
        switch self {
        case .scalar: return isNull ? "no value" : "a single value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
