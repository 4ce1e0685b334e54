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
        func isStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isPart(_ c: Unicode.Scalar) -> Bool { isStart(c) || c == "$" || ("0"..."9").contains(c) }
        while i < scalars.count {
            let c = scalars[i]
            if c.properties.isWhitespace {
                i += 1
            } else if c == "\"" || c == "'" {
                var text = String.UnicodeScalarView()
                i += 1
                while i < scalars.count {
                    if scalars[i] == c {
                        if i + 1 < scalars.count && scalars[i + 1] == c { text.append(c); i += 2; continue }
                        i += 1
                        break
                    }
                    text.append(scalars[i])
                    i += 1
                }
                tokens.append(c == "\"" ? .identifier(String(text)) : .literal(String(text)))
            } else if isStart(c) {
                var text = String.UnicodeScalarView()
                while i < scalars.count && isPart(scalars[i]) { text.append(scalars[i]); i += 1 }
                tokens.append(.identifier(String(text)))
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
