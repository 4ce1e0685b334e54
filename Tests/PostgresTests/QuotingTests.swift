import Postgres
import SQLSyntax
import Testing
import TestSupport

/// Names that must survive `quoteIdentifier` exactly, including ones that would
/// change the meaning of a statement if pasted in unquoted.
let awkwardNames: [String] = [
    "plain",
    "Capital",
    "with space",
    "quo\"te",
    "semi;colon",
    "drop table x; --",
    "ünïcødé",
    "日本",
    "a\"\"b",
    "\"",
    "select",
    "user",
    "dot.ted",
    "back\\slash",
    "it's",
    "$1",
    "123start",
    "trailing ",
    "new\nline",
    "🐘",
    String(repeating: "x", count: 63),
]

/// Values that must survive `quoteLiteral` exactly.
let awkwardValues: [String] = [
    "",
    "plain",
    "it's",
    "''",
    "'",
    "back\\slash",
    "\\'",
    "ends with backslash\\",
    "new\nline\r\nand\ttab",
    "ünïcødé 日本 🐘",
    "'; drop table x; --",
    "$$dollar$$",
    "E'\\x41'",
    "\"double\"",
]

@Suite("Quoting")
struct QuotingTests {
    @Test("quoteIdentifier names exactly the object the server creates")
    func identifierRoundTripsThroughTheCatalog() throws {
        try withTestDatabase(prefix: "quote") { conn, _ throws in
            let schema = "quoting \"tests\"; --"
            try conn.execute("CREATE SCHEMA \(quoteIdentifier(schema))")
            for name in awkwardNames {
                try conn.execute("CREATE TABLE \(quoteIdentifier(schema)).\(quoteIdentifier(name)) ()")
            }
            let rows = try conn.query(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 ORDER BY c.relname
                """, [schema]
            ).rows.map { $0[0] }
            #expect(Set(rows.compactMap { $0 }) == Set(awkwardNames))
            #expect(rows.count == awkwardNames.count)
        }
    }

    @Test("quoteIdentifier agrees with the server's quote_ident", arguments: awkwardNames)
    func identifierAgreesWithQuoteIdent(name: String) throws {
        try withServerConnection { conn throws in
            // quote_ident leaves simple lowercase non-keywords alone; ours always
            // quotes, so compare with the quoted form of what the server left alone.
            let forced = try conn.query(
                """
                SELECT CASE WHEN left(quote_ident($1), 1) = '"' THEN quote_ident($1)
                            ELSE '"' || $1 || '"' END
                """, [name]
            ).scalar
            #expect(forced == quoteIdentifier(name))
        }
    }

    @Test("quoteIdentifier always quotes")
    func identifierAlwaysQuotes() {
        #expect(quoteIdentifier("plain") == "\"plain\"")
        #expect(quoteIdentifier("a\"b") == "\"a\"\"b\"")
        #expect(quoteIdentifier("") == "\"\"")
    }

    @Test("quoteLiteral gives back the value exactly", arguments: awkwardValues)
    func literalRoundTrips(value: String) throws {
        try withServerConnection { conn throws in
            #expect(try conn.query("SELECT \(quoteLiteral(value))").scalar == value)
            #expect(try conn.query("SELECT \(quoteLiteral(value)) = $1", [value]).scalar == "t")
            // The server's own quoting agrees wherever it does not need E'' syntax.
            if !value.contains("\\") {
                #expect(try conn.query("SELECT quote_literal($1)", [value]).scalar == quoteLiteral(value))
            }
        }
    }

    @Test("quoteLiteral works where DDL cannot take a parameter")
    func literalInComment() throws {
        try withTestDatabase(prefix: "comment") { conn, _ throws in
            try conn.execute("CREATE TABLE t ()")
            for value in awkwardValues where !value.isEmpty {
                try conn.execute("COMMENT ON TABLE t IS \(quoteLiteral(value))")
                #expect(try conn.query("SELECT obj_description('t'::regclass, 'pg_class')").scalar == value)
            }
        }
    }
}
