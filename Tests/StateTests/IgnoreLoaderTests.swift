import Testing
@testable import State

private func parse(_ yaml: String) throws -> Declaration {
    try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml")
}

private func errors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
    inputErrors({ _ = try parse(yaml) }, sourceLocation: sourceLocation)
}

/// `ignore:` in schema.yaml: what it reads, and every error at its file:line:column.
@Suite("DeclarationLoader: ignore")
struct IgnoreLoaderTests {
    static let tables = """
        tables:
          orders:
            columns:
              id: { type: bigint }
              note: text
            primary_key: [id]
            indexes:
              orders_note_idx: { columns: [note] }
            checks:
              orders_note_check: "note <> ''"

        """

    @Test("every kind is read, globs in the order written")
    func reads() throws {
        let declaration = try parse("""
            version: 1
            \(Self.tables)ignore:
              tables: [alembic_version, "tmp_*"]
              columns: ["*.legacy_flag"]
              indexes: ["hotfix_*"]
              constraints: [orders.legacy_check]
              sequences: [old_seq]
              functions: ["pgq_*"]
              views: [report_view]
              triggers: ["*.audit_trigger"]
              policies: ["*.tenant_isolation"]
              types: [legacy_kind]
            """)
        let ignore = declaration.ignore
        #expect(ignore.globs.keys.sorted() == IgnoreRules.Kind.allCases)
        #expect(ignore.globs[.tables]?.map(\.pattern) == ["alembic_version", "tmp_*"])
        #expect(ignore.ignores(.tables, "tmp_x"))
        #expect(ignore.ignores(.columns, table: "orders", "legacy_flag"))
        #expect(ignore.ignores(.triggers, table: "orders", "audit_trigger"))
        #expect(declaration.tables.map(\.name) == ["orders"])
    }

    @Test("no ignore:, an empty one, and empty lists ignore nothing")
    func empty() throws {
        #expect(try parse("version: 1\n\(Self.tables)").ignore.isEmpty)
        #expect(try parse("version: 1\n\(Self.tables)ignore:\n").ignore.isEmpty)
        #expect(try parse("version: 1\n\(Self.tables)ignore: {}\n").ignore.isEmpty)
        #expect(try parse("version: 1\n\(Self.tables)ignore:\n  tables: []\n").ignore.isEmpty)
    }

    @Test("an unknown kind is an error with the closest kind")
    func unknownKind() {
        let yaml = "version: 1\n\(Self.tables)ignore:\n  tabels: [alembic_version]\n  sequence: [s]\n  widgets: [w]\n"
        let found = errors(yaml)
        #expect(found.count == 3, "\(found)")
        guard found.count == 3 else { return }
        expectError(found[0], line: 13, column: 3, message: "unknown key 'tabels' in 'ignore'", hint: "did you mean 'tables'?")
        expectError(found[1], line: 14, column: 3, message: "unknown key 'sequence' in 'ignore'",
                    hint: "did you mean 'sequences'?")
        expectError(found[2], line: 15, column: 3, message: "unknown key 'widgets' in 'ignore'",
                    hint: "allowed keys: tables, columns, indexes, constraints, sequences, functions, views, triggers, policies, types")
    }

    @Test("ignore: that is not a mapping, and kinds that are not lists")
    func shapes() {
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore: [alembic_version]\n"), line: 12, column: 9,
                        message: "'ignore' must be a mapping of kinds", hint: "{ tables: [alembic_version] }")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  tables: alembic_version\n"), line: 13, column: 11,
                        message: "'tables' of 'ignore' must be a list of globs, not a single value",
                        hint: "write it as a list: tables: [alembic_version]")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  tables: { a: b }\n"), line: 13, column: 11,
                        message: "'tables' of 'ignore' must be a list of globs, not a mapping")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  tables:\n"), line: 13, column: 3,
                        message: "'tables' of 'ignore' has no value")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  tables: [[a]]\n"), line: 13, column: 12,
                        message: "each glob in 'tables' of 'ignore' must be a single value, not a list")
    }

    @Test("empty, malformed, duplicate and table-less globs are errors at the glob")
    func badGlobs() {
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  tables: [a, \"\"]\n"), line: 13, column: 15,
                        message: "empty glob in 'tables' of 'ignore'")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  indexes: [\"hotfix_[\"]\n"), line: 13, column: 13,
                        message: "unclosed '[' in glob 'hotfix_['", hint: "'[[]'")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  columns: [legacy_flag]\n"), line: 13, column: 13,
                        message: "glob 'legacy_flag' in 'columns' of 'ignore' names no table: columns are written table.column",
                        hint: "did you mean '*.legacy_flag'")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  constraints: [x_check]\n"), line: 13, column: 17,
                        message: "constraints are written table.constraint")
        expectOnlyError(errors("version: 1\n\(Self.tables)ignore:\n  tables: [a, b, a]\n"), line: 13, column: 18,
                        message: "duplicate glob 'a' in 'tables' of 'ignore'", hint: "already listed at line 13")
    }

    @Test("a declared object that is also ignored is an error at the line that declares it")
    func declaredAndIgnored() {
        let yaml = """
            version: 1
            enums:
              legacy_kind: [a, b]
            tables:
              tmp_import:
                columns:
                  id: bigint
              orders:
                columns:
                  id: { type: bigint }
                  legacy_flag: boolean
                  note: { type: text, renamed_from: old_note }
                primary_key: [id]
                indexes:
                  hotfix_orders_idx: { columns: [note] }
                foreign_keys:
                  orders_self_fkey: { columns: [id], references: { table: orders, columns: [id] } }
                checks:
                  orders_note_check: "note <> ''"
              invoices:
                renamed_from: alembic_version
                columns:
                  id: bigint
            ignore:
              tables: [alembic_version, "tmp_*"]
              columns: ["*.legacy_flag", orders.old_note]
              indexes: ["hotfix_*"]
              constraints: ["*.*_pkey", "orders.*_check", orders.orders_self_fkey]
              types: ["legacy_*"]
            """
        let found = errors(yaml)
        let where_ = found.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0)" }
        #expect(where_ == ["3:3", "5:3", "11:7", "12:41", "13:5", "15:7", "17:7", "19:26", "20:3"], "\(found)")
        guard found.count == 9 else { return }
        #expect(found[0].message == "enum 'legacy_kind' is declared, and also ignored by ignore: types 'legacy_*' at line 29")
        #expect(found[1].message == "table 'tmp_import' is declared, and also ignored by ignore: tables 'tmp_*' at line 25")
        #expect(found[1].hint?.contains("never creates, changes or drops an ignored object") == true)
        #expect(found[2].message == "column 'legacy_flag' of table 'orders' is declared, and also ignored by ignore: columns '*.legacy_flag' at line 26")
        #expect(found[3].message == "renamed_from of column 'note' of table 'orders' names 'old_note', which is ignored by ignore: columns 'orders.old_note' at line 26")
        #expect(found[4].message == "constraint 'orders_pkey' of table 'orders' is declared, and also ignored by ignore: constraints '*.*_pkey' at line 28")
        #expect(found[5].message == "index 'hotfix_orders_idx' of table 'orders' is declared, and also ignored by ignore: indexes 'hotfix_*' at line 27")
        #expect(found[6].message.hasPrefix("constraint 'orders_self_fkey' of table 'orders' is declared"))
        #expect(found[7].message.hasPrefix("constraint 'orders_note_check' of table 'orders' is declared"))
        #expect(found[8].message == "renamed_from of table 'invoices' names 'alembic_version', which is ignored by ignore: tables 'alembic_version' at line 25")
    }
}
