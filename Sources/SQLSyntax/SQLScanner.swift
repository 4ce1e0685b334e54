/// Recognises the pieces of SQL text that tenantplan reads back: unquoted
/// identifiers, double-quoted identifiers and single-quoted string literals.
///
/// One home for these rules, so that every reader of deparsed or declared SQL
/// agrees on where a name or a quoted token ends. A quoted token ends at the
/// first lone quote of its kind; a doubled one (`""` or `''`) stands for one
/// quote character inside it. An unquoted identifier starts with a letter or
/// `_` and goes on with letters, digits, `_` and `$`, as in the server's lexer
/// (which takes every non-ASCII byte as a letter; here that is
/// `Unicode.Scalar.Properties.isAlphabetic`).
/// See https://www.postgresql.org/docs/current/sql-syntax-lexical.html
///
/// The functions are generic over the code units they scan (bytes, Unicode
/// scalars or Characters) and inlinable, so that a caller on a hot path gets a
/// loop specialised for its own type.
public enum SQLScanner {
    /// Whether an unquoted identifier may start with `scalar`: a letter or `_`.
    @inlinable
    public static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic
    }

    /// Whether an unquoted identifier may go on with `scalar`: a letter, a digit,
    /// `_` or `$`.
    @inlinable
    public static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || scalar == "$" || ("0"..."9").contains(scalar)
    }

    /// The end of the unquoted identifier that starts at `start`, or nil when no
    /// identifier starts there.
    @inlinable
    public static func identifierEnd<Scalars: Collection>(in text: Scalars, from start: Scalars.Index)
        -> Scalars.Index? where Scalars.Element == Unicode.Scalar {
        guard start < text.endIndex, isIdentifierStart(text[start]) else { return nil }
        var index = text.index(after: start)
        while index < text.endIndex, isIdentifierPart(text[index]) {
            index = text.index(after: index)
        }
        return index
    }

    /// The end of the quoted token whose opening quote is at `start`: the index
    /// just past its closing quote, or nil when it is never closed.
    ///
    /// The quote is whatever `text[start]` holds (`"` or `'`); a doubled quote
    /// inside the token does not close it.
    @inlinable
    public static func quotedEnd<Units: Collection>(in text: Units, from start: Units.Index) -> Units.Index?
    where Units.Element: Equatable {
        let quote = text[start]
        var index = text.index(after: start)
        while index < text.endIndex {
            if text[index] == quote {
                let next = text.index(after: index)
                guard next < text.endIndex, text[next] == quote else { return next }
                index = text.index(after: next)
            } else {
                index = text.index(after: index)
            }
        }
        return nil
    }

    /// The quoted token whose opening quote is at `start`: its text with every
    /// doubled quote made single, and the index just past its closing quote.
    /// A token that is never closed runs to the end of `text`, with `closed` false.
    @inlinable
    public static func quoted<Scalars: Collection>(in text: Scalars, from start: Scalars.Index)
        -> (text: String, end: Scalars.Index, closed: Bool) where Scalars.Element == Unicode.Scalar {
        let quote = text[start]
        var content = String.UnicodeScalarView()
        var index = text.index(after: start)
        while index < text.endIndex {
            let scalar = text[index]
            index = text.index(after: index)
            if scalar == quote {
                guard index < text.endIndex, text[index] == quote else { return (String(content), index, true) }
                index = text.index(after: index)
            }
            content.append(scalar)
        }
        return (String(content), index, false)
    }

    /// Whether `name` has the shape that `quote_ident` leaves unquoted: a
    /// lowercase ASCII letter or `_`, then lowercase ASCII letters, digits and
    /// `_`. (`quote_ident` also quotes keywords, which this does not know.)
    public static func hasUnquotedShape(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    /// The offset of the first occurrence of `needle` in `text` that does not
    /// stand inside a double-quoted identifier, or nil when there is none.
    ///
    /// Works on UTF-8 bytes, for the hot paths that search deparsed text: a quoted
    /// identifier may hold any text, needle included, but holds its quotes in
    /// pairs. Text after a quote that is never closed counts as quoted. Single
    /// quotes are not special: the deparsed texts searched this way hold no
    /// string literal outside the identifiers.
    @inlinable
    public static func firstUnquotedOccurrence(of needle: [UInt8], in text: [UInt8]) -> Int? {
        guard let first = needle.first else { return 0 }
        let quote = UInt8(ascii: "\"")
        var i = 0
        while i + needle.count <= text.count {
            let byte = text[i]
            if byte == quote {
                guard let end = quotedEnd(in: text, from: i) else { return nil }
                i = end
            } else if byte == first && text[i..<(i + needle.count)].elementsEqual(needle) {
                return i
            } else {
                i += 1
            }
        }
        return nil
    }
}
