import Foundation
import Testing
@testable import State

@Suite("Glob")
struct GlobTests {
    static let cases: [(pattern: String, name: String, matches: Bool)] = [
        ("alembic_version", "alembic_version", true),
        ("alembic_version", "alembic_versions", false),
        ("alembic_version", "Alembic_version", false),       // case-sensitive, as PostgreSQL names
        ("tmp_*", "tmp_", true),
        ("tmp_*", "tmp_2024_01", true),
        ("tmp_*", "xtmp_1", false),
        ("*_tmp", "a_tmp", true),
        ("*", "", true),
        ("*", "anything.at all", true),
        ("*.note", "orders.note", true),                    // `*` crosses the dot
        ("*.note", "orders.notes", false),
        ("orders.*", "orders.note", true),
        ("orders.*", "orders_archive.note", false),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false),
        ("a**b", "ab", true),
        ("?", "a", true),
        ("?", "", false),
        ("?", "ab", false),
        ("v?", "v1", true),
        ("h?tfix_*", "hotfix_orders_idx", true),
        ("[abc]x", "bx", true),
        ("[abc]x", "dx", false),
        ("[a-c]x", "cx", true),
        ("[a-c]x", "dx", false),
        ("[!a-c]x", "dx", true),
        ("[!a-c]x", "ax", false),
        ("[^a-c]x", "dx", true),
        ("[]a]", "]", true),
        ("[!]]", "]", false),
        ("[*]", "*", true),
        ("[*]", "a", false),
        ("a[?]", "a?", true),
        ("a[?]", "ab", false),
        ("[[]x]", "[x]", true),
        ("[a-]", "-", true),
        ("é*", "ecole", false),
        ("é*", "étude", true),
        ("t?le", "täle", true),                              // one Unicode scalar
    ]

    @Test("matching", arguments: cases.indices)
    func matching(_ i: Int) throws {
        let c = Self.cases[i]
        #expect(try Glob(c.pattern).matches(c.name) == c.matches, "\(c.pattern) vs \(c.name)")
    }

    @Test("a literal glob matches exactly its name, metacharacters included")
    func literal() throws {
        for name in ["plain", "a*b", "what?", "[x]", "a.b", "odd\"name", "*"] {
            let glob = Glob(literal: name)
            #expect(glob.matches(name), "\(name)")
            // The escaped text, parsed as any glob is, matches the name and nothing longer.
            let parsed = try Glob(Glob.escaping(name))
            #expect(parsed.matches(name), "\(name)")
            #expect(!parsed.matches(name + "x"), "\(name)")
        }
        #expect(Glob.escaping("a*b?[c]") == "a[*]b[?][[]c]")
        #expect(!Glob(literal: "a*b").matches("axxb"))
    }

    @Test("malformed globs are refused with a hint")
    func syntaxErrors() {
        func error(_ pattern: String) -> Glob.SyntaxError? {
            do {
                _ = try Glob(pattern)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("")?.message == "empty glob")
        #expect(error("tmp_[")?.message == "unclosed '[' in glob 'tmp_['")
        #expect(error("tmp_[")?.hint.contains("'[[]'") == true)
        #expect(error("[!")?.message == "unclosed '[' in glob '[!'")
        #expect(error("[z-a]")?.message == "reversed range 'z-a' in glob '[z-a]'")
        #expect(error("[a-z]") == nil)
        #expect(error("]") == nil)
    }

    @Test("a long pattern against a long name does not backtrack exponentially")
    func noBlowUp() throws {
        let glob = try Glob(String(repeating: "a*", count: 30) + "b")
        #expect(!glob.matches(String(repeating: "a", count: 2_000)))
    }
}

@Suite("IgnoreRules")
struct IgnoreRulesTests {
    @Test("rules match by kind, per-table kinds as table.name")
    func matching() throws {
        let rules = IgnoreRules([
            .tables: [try Glob("alembic_version"), try Glob("tmp_*")],
            .columns: [try Glob("*.legacy_flag")],
            .indexes: [],
        ])
        #expect(rules.globs.keys.sorted() == [.tables, .columns], "kinds without globs are dropped")
        #expect(rules.ignores(.tables, "tmp_1"))
        #expect(!rules.ignores(.tables, "orders"))
        #expect(!rules.ignores(.indexes, "tmp_1"))
        #expect(rules.ignores(.columns, table: "orders", "legacy_flag"))
        #expect(rules.match(.tables, "alembic_version")?.pattern == "alembic_version")
        #expect(IgnoreRules().isEmpty && IgnoreRules(tables: []).isEmpty)
        #expect(IgnoreRules(tables: ["a*"]).ignores(.tables, "a*"))
        #expect(!IgnoreRules(tables: ["a*"]).ignores(.tables, "ab"))
    }

    @Test("rules survive JSON, and a bad kind or glob is refused")
    func codable() throws {
        let rules = IgnoreRules([.tables: [try Glob("alembic_version")], .columns: [try Glob("*.x"), try Glob("t.[ab]")]])
        let data = try JSONEncoder().encode(rules)
        #expect(try JSONDecoder().decode(IgnoreRules.self, from: data) == rules)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(IgnoreRules.self, from: Data(#"{"tabels": ["x"]}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(IgnoreRules.self, from: Data(#"{"tables": ["x["]}"#.utf8))
        }
    }

    @Test("bookkeeping tables of migration tools are known by name")
    func bookkeeping() {
        let found = BookkeepingTables.found(among: ["orders", "schema_migrations", "alembic_version", "users"])
        #expect(found.map(\.name) == ["alembic_version", "schema_migrations"])
        #expect(BookkeepingTables.tools(of: "django_migrations") == "Django")
        #expect(BookkeepingTables.tools(of: "flyway_schema_history") == "Flyway")
        #expect(BookkeepingTables.tools(of: "_prisma_migrations") == "Prisma")
        #expect(BookkeepingTables.tools(of: "databasechangeloglock") == "Liquibase")
        #expect(BookkeepingTables.tools(of: "orders") == nil)
        #expect(BookkeepingTables.found(among: ["Alembic_Version"]).isEmpty)
    }
}
