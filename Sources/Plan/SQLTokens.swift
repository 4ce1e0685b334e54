import SQLSyntax

/// The tokens of a deparsed SQL fragment, just enough to compare definitions
/// across a rename: identifiers (quoted or not, compared by name), string
/// literals, and every other character.
///
/// Used only to recognise that PostgreSQL itself will rewrite a definition
/// when a `renamed_from` hint renames a table or column, to find which
/// definitions name a column, and which raw SQL fragments of `schema.yaml`
/// hold a string literal (an enum label). It never produces SQL, and the
/// verified re-reflection in `apply` catches any misjudgement.
struct SQLTokens: Equatable {
    enum Token: Equatable {
        case identifier(String)
        case literal(String)
        case symbol(Unicode.Scalar)
    }

    var tokens: [Token]

    init(_ sql: String) {
        var tokens: [Token] = []
        let scalars = Array(sql.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c.properties.isWhitespace {
                i += 1
            } else if c == "\"" || c == "'" {
                let quoted = SQLScanner.quoted(in: scalars, from: i)
                tokens.append(c == "\"" ? .identifier(quoted.text) : .literal(quoted.text))
                i = quoted.end
            } else if let end = SQLScanner.identifierEnd(in: scalars, from: i) {
                tokens.append(.identifier(String(String.UnicodeScalarView(scalars[i..<end]))))
                i = end
            } else {
                tokens.append(.symbol(c))
                i += 1
            }
        }
        self.tokens = tokens
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    /// The string literals, in order, unquoted.
    var literals: [String] {
        tokens.compactMap {
            if case .literal(let text) = $0 { return text }
            return nil
        }
    }

    /// The same tokens with identifiers renamed.
    func renaming(_ names: [String: String]) -> SQLTokens {
        SQLTokens(tokens: tokens.map {
            if case .identifier(let name) = $0, let new = names[name] { return .identifier(new) }
            return $0
        })
    }
}
