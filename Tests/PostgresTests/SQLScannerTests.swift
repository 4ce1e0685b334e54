import SQLSyntax
import Testing

@Suite("SQLScanner")
struct SQLScannerTests {
    @Test("an unquoted identifier starts with a letter or _ and goes on with letters, digits, _ and $")
    func identifiers() {
        func end(_ text: String) -> Int? {
            let scalars = Array(text.unicodeScalars)
            return SQLScanner.identifierEnd(in: scalars, from: 0)
        }
        #expect(end("created_at DESC") == 10)
        #expect(end("a1$b(x)") == 4)
        #expect(end("_x") == 2)
        #expect(end("ünïcødé + 1") == 7)
        #expect(end("1abc") == nil)
        #expect(end("$1") == nil)
        #expect(end("\"quoted\"") == nil)
        #expect(end("") == nil)
    }

    @Test("a quoted token ends at its first lone quote; a doubled one stands for a quote")
    func quotedTokens() {
        func token(_ text: String) -> (text: String, rest: String, closed: Bool) {
            let scalars = Array(text.unicodeScalars)
            let token = SQLScanner.quoted(in: scalars, from: 0)
            return (token.text, String(String.UnicodeScalarView(scalars[token.end...])), token.closed)
        }
        #expect(token(#""Odd ""Name" ASC"#) == ("Odd \"Name", " ASC", true))
        #expect(token("'it''s' || x") == ("it's", " || x", true))
        #expect(token(#""""#) == ("", "", true))
        #expect(token(#""a'b" c"#) == ("a'b", " c", true))
        #expect(token(#""never closed"#) == ("never closed", "", false))
        #expect(token(#""ends on a doubled quote"""#) == ("ends on a doubled quote\"", "", false))
    }

    @Test("quotedEnd finds the same end in bytes, Unicode scalars and Characters")
    func quotedEndOnEveryView() {
        for (text, rest) in [(#""a""b" tail"#, " tail"), (#""日本"."x""#, #"."x""#), (#""open"#, nil),
                             ("'x''' y", " y")] {
            let bytes = Array(text.utf8)
            let viaBytes = SQLScanner.quotedEnd(in: bytes, from: 0).map { String(decoding: bytes[$0...], as: UTF8.self) }
            let viaScalars = SQLScanner.quotedEnd(in: text.unicodeScalars, from: text.startIndex)
                .map { String(text.unicodeScalars[$0...]) }
            let viaCharacters = SQLScanner.quotedEnd(in: text, from: text.startIndex).map { String(text[$0...]) }
            #expect(viaBytes == rest)
            #expect(viaScalars == rest)
            #expect(viaCharacters == rest)
        }
    }

    @Test("hasUnquotedShape: what quote_ident leaves unquoted, keywords aside")
    func unquotedShape() {
        for name in ["en_us", "_x", "a1", "int4", "select"] { #expect(SQLScanner.hasUnquotedShape(name), "\(name)") }
        for name in ["", "C", "1a", "a$", "a b", "é", "a.b", "\"x\""] {
            #expect(!SQLScanner.hasUnquotedShape(name), "\(name)")
        }
    }

    @Test("firstUnquotedOccurrence skips double-quoted identifiers, whatever they hold")
    func unquotedOccurrence() {
        func find(_ needle: String, _ text: String) -> Int? {
            SQLScanner.firstUnquotedOccurrence(of: Array(needle.utf8), in: Array(text.utf8))
        }
        #expect(find(") REF", "FOREIGN KEY (a) REF t(id)") == 14)
        #expect(find(") REF", #"FOREIGN KEY ("a) REF") REF t(id)"#) == 21)
        #expect(find(") REF", #"FOREIGN KEY ("a"") REF") REF t(id)"#) == 23)
        #expect(find(") REF", #"FOREIGN KEY ("a) REF t(id)"#) == nil)
        #expect(find("x", "") == nil)
        #expect(find("", "abc") == 0)
        // Single quotes are not special.
        #expect(find("b", "'b'") == 1)
    }

    @Test("firstUnquotedOccurrence agrees with counting quotes byte by byte")
    func unquotedOccurrenceMatchesQuoteCounting() {
        // Every text of up to 7 bytes over a small alphabet, against the plain rule:
        // a match counts where the quotes before it are even in number.
        let alphabet = Array(#"a)"."#.utf8)
        let needle = Array(#")a"#.utf8)
        func reference(_ text: [UInt8]) -> Int? {
            var quoted = false
            var i = 0
            while i + needle.count <= text.count {
                if text[i] == UInt8(ascii: "\"") {
                    quoted.toggle()
                } else if !quoted && text[i..<(i + needle.count)].elementsEqual(needle) {
                    return i
                }
                i += 1
            }
            return nil
        }
        var texts: [[UInt8]] = [[]]
        var layer: [[UInt8]] = [[]]
        for _ in 0..<7 {
            layer = layer.flatMap { text in alphabet.map { text + [$0] } }
            texts += layer
        }
        let mismatches = texts.filter { SQLScanner.firstUnquotedOccurrence(of: needle, in: $0) != reference($0) }
        #expect(mismatches.map { String(decoding: $0, as: UTF8.self) } == [])
    }
}
