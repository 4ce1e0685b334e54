import Foundation
import Testing
import TestSupport
@testable import State

// MARK: - Helpers shared by the loader tests

/// The errors `body` throws; records an issue when it throws none or something else.
func inputErrors(_ body: () throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
    do {
        try body()
        Issue.record("expected input errors, got none", sourceLocation: sourceLocation)
        return []
    } catch let errors as InputErrors {
        return errors.errors
    } catch {
        Issue.record("expected InputErrors, got \(error)", sourceLocation: sourceLocation)
        return []
    }
}

/// Expects exactly one error, at `line`:`column`, whose message and hint contain the given text.
func expectOnlyError(_ errors: [InputError], line: Int, column: Int, message: String, hint: String? = nil,
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(errors.count == 1, "errors: \(errors)", sourceLocation: sourceLocation)
    guard let error = errors.first else { return }
    expectError(error, line: line, column: column, message: message, hint: hint, sourceLocation: sourceLocation)
}

func expectError(_ error: InputError, line: Int, column: Int, message: String, hint: String? = nil,
                 sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(error.location?.line == line, "\(error)", sourceLocation: sourceLocation)
    #expect(error.location?.column == column, "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.contains(message), "\(error)", sourceLocation: sourceLocation)
    if let hint {
        #expect(error.hint?.contains(hint) == true, "\(error)", sourceLocation: sourceLocation)
    }
}

/// A temporary file holding `data`, removed by the caller.
func temporaryFile(_ data: Data, name: String) throws -> String {
    // Removed when the test process exits.
    let url = try temporaryDirectory().appendingPathComponent(name)
    try data.write(to: url)
    return url.path
}

/// The repository root, found from this file's path (Tests/StateTests/<file>).
func repositoryRoot(_ filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

private func schemaErrors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
    inputErrors({ _ = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml") }, sourceLocation: sourceLocation)
}

private func parse(_ yaml: String) throws -> Declaration {
    try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml")
}

extension Declaration {
    /// The declaration without source locations, to compare structure alone.
    var withoutLocations: Declaration {
        var copy = self
        copy.enums = enums.map { var e = $0; e.location = nil; return e }
        copy.tables = tables.map { table in
            var t = table
            t.location = nil
            t.columns = t.columns.map { var c = $0; c.location = nil; c.fieldLocations = [:]; return c }
            t.primaryKey?.location = nil
            t.uniques = t.uniques.map { var u = $0; u.location = nil; return u }
            t.indexes = t.indexes.map { var i = $0; i.location = nil; return i }
            t.foreignKeys = t.foreignKeys.map { var f = $0; f.location = nil; return f }
            t.checks = t.checks.map { var c = $0; c.location = nil; return c }
            return t
        }
        return copy
    }
}

// MARK: - Happy paths

@Suite struct DeclarationLoaderTests {
    static let specExample = """
        version: 1
        enums:
          order_status: [pending, paid, shipped, cancelled]
        tables:
          customers:
            comment: People who buy things
            columns:                      # ordered: the order is the column order
              id:         { type: bigint, identity: always }
              email:      { type: text, nullable: false }
              name:       { type: varchar(200) }
              created_at: { type: timestamptz, nullable: false, default: now() }
            primary_key: [id]             # constraint name <table>_pkey, or { name: ..., columns: [...] }
            unique:
              customers_email_key: [email]
            indexes:
              customers_created_at_idx: { columns: [created_at] }
              customers_lower_email_idx: { columns: ["lower(email)"], unique: true, where: "email is not null" }
          orders:
            renamed_from: purchases       # rename hint: rename instead of drop + create
            columns:
              id:          { type: bigint, identity: by_default }
              customer_id: { type: bigint, nullable: false }
              status:      { type: order_status, nullable: false, default: "'pending'" }
              total:       { type: "numeric(12,2)", nullable: false, default: "0" }
              shipped_on:  { type: date, renamed_from: shipped_at }
              plan_id:     { type: integer }
            primary_key: [id]
            foreign_keys:
              orders_customer_id_fkey:
                columns: [customer_id]
                references: { table: customers, columns: [id] }
                on_delete: cascade        # no action | restrict | cascade | set null | set default
              orders_plan_id_fkey:
                columns: [plan_id]
                references: { schema: public, table: plans, columns: [id] }   # a shared table
            checks:
              orders_total_check: "total >= 0"
        """

    @Test func specExampleParsesToTheFullStructure() throws {
        let declaration = try parse(Self.specExample)
        let expected = Declaration(
            file: "schema.yaml", version: 1,
            enums: [EnumDeclaration(name: "order_status", values: ["pending", "paid", "shipped", "cancelled"])],
            tables: [
                TableDeclaration(
                    name: "customers",
                    columns: [
                        ColumnDeclaration(name: "id", type: "bigint", nullable: false, identity: .always),
                        ColumnDeclaration(name: "email", type: "text", nullable: false),
                        ColumnDeclaration(name: "name", type: "varchar(200)", nullable: true),
                        ColumnDeclaration(name: "created_at", type: "timestamptz", nullable: false,
                                          defaultExpression: "now()"),
                    ],
                    primaryKey: KeyDeclaration(name: "customers_pkey", columns: ["id"]),
                    uniques: [KeyDeclaration(name: "customers_email_key", columns: ["email"])],
                    indexes: [
                        IndexDeclaration(name: "customers_created_at_idx", columns: ["created_at"]),
                        IndexDeclaration(name: "customers_lower_email_idx", columns: ["lower(email)"], unique: true,
                                         predicate: "email is not null"),
                    ],
                    comment: "People who buy things"),
                TableDeclaration(
                    name: "orders",
                    columns: [
                        ColumnDeclaration(name: "id", type: "bigint", nullable: false, identity: .byDefault),
                        ColumnDeclaration(name: "customer_id", type: "bigint", nullable: false),
                        ColumnDeclaration(name: "status", type: "order_status", nullable: false,
                                          defaultExpression: "'pending'"),
                        ColumnDeclaration(name: "total", type: "numeric(12,2)", nullable: false, defaultExpression: "0"),
                        ColumnDeclaration(name: "shipped_on", type: "date", renamedFrom: "shipped_at"),
                        ColumnDeclaration(name: "plan_id", type: "integer"),
                    ],
                    primaryKey: KeyDeclaration(name: "orders_pkey", columns: ["id"]),
                    foreignKeys: [
                        ForeignKeyDeclaration(name: "orders_customer_id_fkey", columns: ["customer_id"],
                                              referencedTable: "customers", referencedColumns: ["id"],
                                              onDelete: .cascade),
                        ForeignKeyDeclaration(name: "orders_plan_id_fkey", columns: ["plan_id"],
                                              referencedSchema: "public", referencedTable: "plans",
                                              referencedColumns: ["id"]),
                    ],
                    checks: [CheckDeclaration(name: "orders_total_check", expression: "total >= 0")],
                    renamedFrom: "purchases"),
            ])
        #expect(declaration.withoutLocations == expected)
    }

    @Test func locationsPointAtKeysAndValues() throws {
        let declaration = try parse(Self.specExample)
        let file = "schema.yaml"
        #expect(declaration.enums[0].location == SourceLocation(file: file, line: 3, column: 3))
        let customers = try #require(declaration.table(named: "customers"))
        #expect(customers.location == SourceLocation(file: file, line: 5, column: 3))
        let createdAt = try #require(customers.column(named: "created_at"))
        #expect(createdAt.location == SourceLocation(file: file, line: 11, column: 7))
        #expect(createdAt.fieldLocations["type"] == SourceLocation(file: file, line: 11, column: 27))
        #expect(createdAt.fieldLocations["default"] == SourceLocation(file: file, line: 11, column: 66))
        #expect(customers.primaryKey?.location == SourceLocation(file: file, line: 12, column: 5))
        #expect(customers.uniques[0].location == SourceLocation(file: file, line: 14, column: 7))
        #expect(customers.indexes[1].location == SourceLocation(file: file, line: 17, column: 7))
        let orders = try #require(declaration.table(named: "orders"))
        #expect(orders.foreignKeys[1].location == SourceLocation(file: file, line: 33, column: 7))
        // A check's location is its expression, where the server's complaints belong.
        #expect(orders.checks[0].location == SourceLocation(file: file, line: 37, column: 27))
    }

    @Test func generatedAndCollationLocationsAreRecorded() throws {
        let declaration = try parse("""
            version: 1
            tables:
              t:
                columns:
                  a: { type: integer }
                  b: { type: bigint, generated: "a * 2" }
                  c: { type: text, collation: "C", comment: letters }
            """)
        let table = try #require(declaration.tables.first)
        #expect(table.columns[1].generated == "a * 2")
        #expect(table.columns[1].fieldLocations["generated"] == SourceLocation(file: "schema.yaml", line: 6, column: 37))
        #expect(table.columns[2].collation == "C")
        #expect(table.columns[2].comment == "letters")
        #expect(table.columns[2].fieldLocations["collation"] == SourceLocation(file: "schema.yaml", line: 7, column: 35))
    }

    @Test func shortFormColumnIsTheType() throws {
        let declaration = try parse("""
            version: 1
            tables:
              events:
                columns:
                  id: bigserial
                  payload: jsonb
                  at: timestamp(3) with time zone
                primary_key: [id]
            """)
        let columns = try #require(declaration.tables.first?.columns)
        #expect(columns.map(\.name) == ["id", "payload", "at"])
        #expect(columns.map(\.type) == ["bigserial", "jsonb", "timestamp(3) with time zone"])
        #expect(columns.map(\.nullable) == [false, true, true])
        #expect(columns[0].isSerial)
        #expect(columns[1].fieldLocations["type"] == SourceLocation(file: "schema.yaml", line: 6, column: 16))
    }

    @Test func defaultKeepsTheScalarText() throws {
        let declaration = try parse("""
            version: 1
            tables:
              t:
                columns:
                  a: { type: integer, default: 0 }
                  b: { type: boolean, default: true }
                  c: { type: numeric, default: 1.50 }
                  d: { type: text, default: "'x'" }
                  e: { type: text, default: null }
            """)
        let defaults = try #require(declaration.tables.first?.columns.map(\.defaultExpression))
        #expect(defaults == ["0", "true", "1.50", "'x'", "null"])
    }

    @Test func usingIsAOneTimeConversionHint() throws {
        let declaration = try parse("""
            version: 1
            tables:
              t:
                columns:
                  priority: { type: integer, using: "CASE priority WHEN 'high' THEN 2 ELSE 1 END" }
            """)
        let column = try #require(declaration.tables.first?.columns.first)
        #expect(column.using == "CASE priority WHEN 'high' THEN 2 ELSE 1 END")
        #expect(column.fieldLocations["using"]?.line == 5)

        expectOnlyError(schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  p: { type: integer, using: " " }
            """), line: 5, column: 27, message: "'using' of column 'p' of table 't' has no value", hint: "using:")
        expectOnlyError(schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: integer
                  b: { type: integer, generated: "a * 2", using: "a" }
            """), line: 6, column: 47, message: "generated column 'b' of table 't' cannot have using:")
    }

    @Test func primaryKeyMappingFormAndReferentialActionSpellings() throws {
        let declaration = try parse("""
            version: 1
            tables:
              parents:
                columns:
                  a: { type: integer }
                  b: { type: integer }
                primary_key: { name: parents_pk, columns: [a, b] }
              children:
                columns:
                  a: { type: integer }
                  b: { type: integer }
                foreign_keys:
                  children_parent_fkey:
                    columns: [a, b]
                    references: { table: parents, columns: [b, a] }
                    on_delete: set_null
                    on_update: NO ACTION
                  children_parent2_fkey:
                    columns: [b, a]
                    references: { table: parents, columns: [a, b] }
                    on_delete: "set   default"
                    on_update: no_action
            """)
        let parents = try #require(declaration.table(named: "parents"))
        #expect(parents.primaryKey == KeyDeclaration(
            name: "parents_pk", columns: ["a", "b"], location: SourceLocation(file: "schema.yaml", line: 7, column: 5)))
        #expect(parents.columns.map(\.nullable) == [false, false])
        let children = try #require(declaration.table(named: "children"))
        #expect(children.foreignKeys.map(\.onDelete) == [.setNull, .setDefault])
        #expect(children.foreignKeys.map(\.onUpdate) == [.noAction, .noAction])
        #expect(children.foreignKeys[0].referencedColumns == ["b", "a"])
    }

    @Test func indexOptionsAreRead() throws {
        let declaration = try parse("""
            version: 1
            tables:
              docs:
                columns:
                  id: { type: bigint }
                  body: { type: tsvector }
                  title: { type: text }
                indexes:
                  docs_body_idx: { columns: [body], using: gin }
                  docs_title_idx:
                    columns: ["title DESC NULLS LAST", "\\"id\\""]
                    unique: true
                    where: "title is not null"
                    include: [body]
            """)
        let indexes = try #require(declaration.tables.first?.indexes)
        #expect(indexes == [
            IndexDeclaration(name: "docs_body_idx", columns: ["body"], method: "gin",
                             location: SourceLocation(file: "schema.yaml", line: 9, column: 7)),
            IndexDeclaration(name: "docs_title_idx", columns: ["title DESC NULLS LAST", "\"id\""], unique: true,
                             predicate: "title is not null", include: ["body"],
                             location: SourceLocation(file: "schema.yaml", line: 10, column: 7)),
        ])
    }

    @Test func acceptsBuiltinEnumAndQualifiedTypes() throws {
        let declaration = try parse("""
            version: 1
            enums:
              mood: [sad, ok, happy]
            tables:
              t:
                columns:
                  a: "varchar(20)[]"
                  b: double precision
                  c: public.citext
                  d: interval day to second(3)
                  e: "mood[]"
                  f: INTEGER
                  g: '"char"'
                  h: character varying(10) array
                  i: '"mood"'
                  j: tstzmultirange
            """)
        #expect(declaration.tables.first?.columns.count == 10)
    }

    @Test func emptyTablesMappingIsAllowed() throws {
        let declaration = try parse("version: 1\ntables: {}\n")
        #expect(declaration.tables.isEmpty)
        #expect(declaration.version == 1)
    }

    @Test func exampleSchemaFileLoads() throws {
        let path = repositoryRoot().appendingPathComponent("schema.yaml").path
        let declaration = try DeclarationLoader.load(path: path)
        #expect(declaration.enums.map(\.name) == ["order_status"])
        #expect(declaration.tables.map(\.name) == ["customers", "products", "orders", "order_items"])
        let orders = try #require(declaration.table(named: "orders"))
        #expect(orders.indexes.contains { $0.predicate != nil })
        let customers = try #require(declaration.table(named: "customers"))
        #expect(customers.indexes.contains { $0.columns == ["lower(email)"] })
        #expect(declaration.tables.allSatisfy { table in table.foreignKeys.allSatisfy { $0.referencedSchema == nil } })
        // What a real application keeps beside its tables: a trigger and its function, a view.
        #expect(declaration.functions.map(\.name) == ["touch_updated_at"])
        #expect(declaration.table(named: "products")?.triggers.map(\.function) == ["touch_updated_at"])
        #expect(declaration.views.map(\.name) == ["open_orders"])
    }

    @Test func indexElementClassification() {
        #expect(DeclarationLoader.plainColumn(ofIndexElement: "email")?.name == "email")
        #expect(DeclarationLoader.plainColumn(ofIndexElement: "created_at desc nulls first")?.name == "created_at")
        #expect(DeclarationLoader.plainColumn(ofIndexElement: "\"Odd \"\"Name\" ASC")?.name == "Odd \"Name")
        #expect(DeclarationLoader.plainColumn(ofIndexElement: "\"Odd\"")?.quoted == true)
        #expect(DeclarationLoader.plainColumn(ofIndexElement: "lower(email)") == nil)
        #expect(DeclarationLoader.plainColumn(ofIndexElement: "email text_pattern_ops") == nil)
        #expect(DeclarationLoader.plainColumn(ofIndexElement: "a + b") == nil)
    }

    // MARK: - File-level errors

    @Test func missingFile() {
        let errors = inputErrors { _ = try DeclarationLoader.load(path: "/nonexistent/schema.yaml") }
        #expect(errors.count == 1)
        #expect(errors.first?.location == nil)
        #expect(errors.first?.file == "/nonexistent/schema.yaml")
        #expect(errors.first?.message.contains("cannot read") == true)
        #expect(errors.first?.hint?.contains("--schema") == true)
    }

    @Test func nonUTF8FileIsLocated() throws {
        var bytes = Array("version: 1\ntables:\n  t\u{e9}: {}\n".utf8)
        let index = try #require(bytes.firstIndex(of: 0xC3))
        bytes[index] = 0xFF
        bytes.remove(at: index + 1)
        let path = try temporaryFile(Data(bytes), name: "schema.yaml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let errors = inputErrors { _ = try DeclarationLoader.load(path: path) }
        expectOnlyError(errors, line: 3, column: 4, message: "not valid UTF-8", hint: "UTF-8")
    }

    @Test func emptyDocument() {
        expectOnlyError(schemaErrors(""), line: 1, column: 1, message: "empty file: expected version: 1 and tables:")
        expectOnlyError(schemaErrors("# nothing yet\n"), line: 1, column: 1, message: "empty file")
    }

    @Test func yamlSyntaxErrorIsLocated() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns: { id: { type: bigint }
            """)
        #expect(errors.count == 1)
        #expect(errors.first?.location?.line == 5)
        #expect(errors.first?.message.hasPrefix("invalid YAML:") == true)
        #expect(errors.first?.hint?.contains("indentation") == true)
    }

    @Test func controlCharacterIsLocated() {
        let errors = schemaErrors("version: 1\ntables:\n  t\u{7}: {}\n")
        expectOnlyError(errors, line: 3, column: 4, message: "control characters are not allowed")
    }

    @Test func rootMustBeAMapping() {
        expectOnlyError(schemaErrors("- version\n- tables\n"), line: 1, column: 1,
                        message: "the schema file must be a mapping", hint: "version")
    }

    @Test func unsupportedVersionIsTheOnlyErrorReported() {
        let errors = schemaErrors("""
            version: 2
            tabels: {}
            """)
        expectOnlyError(errors, line: 1, column: 10, message: "unsupported version 2; this tenantplan reads version 1",
                        hint: "version: 1")
    }

    @Test func missingVersion() {
        expectOnlyError(schemaErrors("tables: {}\n"), line: 1, column: 1, message: "missing version",
                        hint: "add version: 1")
    }

    @Test func missingTables() {
        expectOnlyError(schemaErrors("version: 1\nenums: {}\n"), line: 1, column: 1, message: "missing tables",
                        hint: "tables:")
    }

    @Test func unknownTopLevelKeySuggestsClosest() {
        expectOnlyError(schemaErrors("version: 1\ntables: {}\nenum: {}\n"), line: 3, column: 1,
                        message: "unknown key 'enum' in the schema file", hint: "did you mean 'enums'?")
    }

    // MARK: - Duplicates in YAML

    @Test func duplicateKeyInBlockMappingPointsAtTheSecond() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: { type: bigint }
                  name: { type: text }
                  id: { type: integer }
            """)
        expectOnlyError(errors, line: 7, column: 7, message: "duplicate key 'id'", hint: "already written at line 5")
    }

    @Test func duplicateKeyInFlowMappingPointsAtTheSecond() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: { type: bigint, type: integer }
            """)
        expectOnlyError(errors, line: 5, column: 27, message: "duplicate key 'type'")
    }

    @Test func duplicateKeysSpelledWithDifferentTags() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  1: { type: bigint }
                  "1": { type: text }
            """)
        expectOnlyError(errors, line: 6, column: 7, message: "duplicate key '1'")
    }

    // MARK: - Columns

    @Test func unknownColumnKeySuggestsClosest() {
        let errors = schemaErrors("""
            version: 1
            tables:
              customers:
                columns:
                  email: { type: text, nulable: false }
            """)
        expectOnlyError(errors, line: 5, column: 28, message: "unknown key 'nulable' in column 'email'",
                        hint: "did you mean 'nullable'?")
    }

    @Test func unknownKeyFarFromAnyListsTheAllowedKeys() {
        let errors = schemaErrors("""
            version: 1
            tables:
              customers:
                columns:
                  email: { type: text }
                owner: bob
            """)
        expectOnlyError(errors, line: 6, column: 5, message: "unknown key 'owner' in table 'customers'",
                        hint: "allowed keys: columns, primary_key, unique, indexes")
    }

    @Test func columnWithoutType() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: { nullable: false }
                  b:
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 5, column: 7, message: "column 'a' of table 't' has no type", hint: "type:")
        expectError(errors[1], line: 6, column: 7, message: "column 'b' of table 't' has no type")
    }

    @Test func nullableMustBeABoolean() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: { type: text, nullable: "false" }
            """)
        expectOnlyError(errors, line: 5, column: 34, message: "'nullable' of column 'a' of table 't' must be true or false",
                        hint: "without quotes")
    }

    @Test func tableWithoutColumns() {
        let errors = schemaErrors("""
            version: 1
            tables:
              a:
                comment: nothing here
              b:
                columns: {}
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 3, column: 3, message: "table 'a' has no columns", hint: "add columns:")
        expectError(errors[1], line: 6, column: 5, message: "table 'b' has no columns")
    }

    @Test func unsupportedIdentity() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: { type: bigint, identity: sometimes }
            """)
        expectOnlyError(errors, line: 5, column: 37, message: "unsupported identity 'sometimes'",
                        hint: "identity: by_default")
    }

    @Test func identityAndGeneratedTogether() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: { type: bigint, identity: always, generated: "1" }
            """)
        expectOnlyError(errors, line: 5, column: 27, message: "cannot be both an identity column and a generated column",
                        hint: "remove identity: or generated:")
    }

    @Test func identityWithDefault() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: { type: bigint, identity: always, default: "0" }
            """)
        expectOnlyError(errors, line: 5, column: 45, message: "identity column 'id' of table 't' cannot have a default",
                        hint: "remove default:")
    }

    @Test func generatedWithDefault() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: { type: integer }
                  b: { type: integer, generated: "a + 1", default: "0" }
            """)
        expectOnlyError(errors, line: 6, column: 47, message: "generated column 'b' of table 't' cannot have a default")
    }

    @Test func identityOnANonIntegerType() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: { type: uuid, identity: always }
                  ids: { type: "bigint[]", identity: always }
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 5, column: 25, message: "identity column 'id' of table 't' has type 'uuid'",
                    hint: "bigint")
        expectError(errors[1], line: 6, column: 32, message: "identity column 'ids' of table 't' has type 'bigint[]'")
    }

    @Test func serialWithDefaultOrIdentity() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: { type: serial, default: "1" }
                  b: { type: bigserial, identity: by_default }
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 5, column: 26, message: "serial column 'a' of table 't' cannot have a default")
        expectError(errors[1], line: 6, column: 29, message: "serial column 'b' of table 't' cannot also be an identity column")
    }

    @Test func identityOrSerialExplicitlyNullable() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: { type: bigint, identity: always, nullable: true }
                  b: { type: serial, nullable: true }
                  c: { type: serial, nullable: false }
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 5, column: 44, message: "identity column 'a' of table 't' cannot be nullable",
                    hint: "remove nullable: true")
        expectError(errors[1], line: 6, column: 26, message: "serial column 'b' of table 't' cannot be nullable")
    }

    @Test func primaryKeyColumnExplicitlyNullable() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  code: { type: text, nullable: true }
                primary_key: [code]
            """)
        expectOnlyError(errors, line: 5, column: 27, message: "primary key column 'code' of table 't' cannot be nullable")
    }

    // MARK: - Types

    @Test func unknownTypeSuggestsTheClosestEnum() {
        let errors = schemaErrors("""
            version: 1
            enums:
              order_status: [pending, paid]
            tables:
              orders:
                columns:
                  status: { type: order_stauts }
            """)
        expectOnlyError(errors, line: 7, column: 23, message: "unknown type 'order_stauts'",
                        hint: "did you mean 'order_status'?")
    }

    @Test func unknownTypeSuggestsTheClosestBuiltin() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: bigintt
            """)
        expectOnlyError(errors, line: 5, column: 11, message: "unknown type 'bigintt'", hint: "did you mean 'bigint'?")
    }

    @Test func unknownTypeWithoutCloseMatchExplainsTheChoices() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  tags: { type: hstore }
            """)
        expectOnlyError(errors, line: 5, column: 21, message: "unknown type 'hstore'",
                        hint: "declare it under enums: or write a schema-qualified shared type such as public.citext")
    }

    @Test func enumTypeMatchIsCaseSensitive() {
        let errors = schemaErrors("""
            version: 1
            enums:
              Mood: [sad, happy]
            tables:
              t:
                columns:
                  m: mood
            """)
        expectOnlyError(errors, line: 7, column: 10, message: "unknown type 'mood'", hint: "did you mean 'Mood'?")
    }

    // MARK: - Names

    @Test func namesOver63BytesAreCountedInUTF8() {
        let long = String(repeating: "é", count: 32)   // 32 characters, 64 bytes
        let fits = String(repeating: "é", count: 31) + "a" // 63 bytes
        let errors = schemaErrors("""
            version: 1
            enums:
              mood: [\(long)]
            tables:
              \(long):
                columns:
                  \(fits): text
                  \(long): text
            """)
        #expect(errors.count == 3)
        expectError(errors[0], line: 3, column: 10, message: "enum label '\(long)' is 64 bytes long",
                    hint: "63 bytes")
        expectError(errors[1], line: 5, column: 3, message: "table name '\(long)' is 64 bytes long")
        expectError(errors[2], line: 8, column: 7, message: "column name '\(long)' is 64 bytes long")
    }

    @Test func defaultPrimaryKeyNameOver63Bytes() {
        let table = String(repeating: "t", count: 60)
        let errors = schemaErrors("""
            version: 1
            tables:
              \(table):
                columns:
                  id: bigint
                primary_key: [id]
            """)
        expectOnlyError(errors, line: 6, column: 5, message: "primary key name '\(table)_pkey' is 65 bytes long",
                        hint: "primary_key: { name:")
    }

    @Test func emptyNames() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  "": text
                indexes:
                  "": { columns: [x] }
            """)
        #expect(errors.count >= 2)
        expectError(errors[0], line: 5, column: 7, message: "empty column name", hint: "give it a name")
        expectError(errors[1], line: 7, column: 7, message: "empty index name")
    }

    @Test func nulCharacterInAString() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                comment: "a\\0b"
                columns:
                  a: text
            """)
        expectOnlyError(errors, line: 4, column: 14, message: "'comment' of table 't' contains a NUL character",
                        hint: "remove it")
    }

    // MARK: - Namespaces

    /// PostgreSQL keeps check and foreign-key names per table: a name used by a
    /// constraint of the same table clashes, one of another table does not.
    @Test func constraintNameUsedTwiceInOneTable() {
        let errors = schemaErrors("""
            version: 1
            tables:
              a:
                columns:
                  x: integer
                unique:
                  x_key: [x]
                checks:
                  x_key: "x > 0"
            """)
        expectOnlyError(errors, line: 9, column: 7,
                        message: "duplicate name 'x_key': already used by the unique constraint 'x_key' of table 'a' at line 7",
                        hint: "constraint names must be unique within their table")
    }

    @Test func checkAndForeignKeyNamesArePerTable() throws {
        let declaration = try parse("""
            version: 1
            tables:
              parent:
                columns:
                  id: bigint
                primary_key: [id]
              a:
                columns:
                  x: integer
                  p: bigint
                unique:
                  x_key: [x]
                foreign_keys:
                  fk_parent: { columns: [p], references: { table: parent, columns: [id] } }
                checks:
                  x_positive: "x > 0"
              b:
                columns:
                  x: integer
                  p: bigint
                foreign_keys:
                  fk_parent: { columns: [p], references: { table: parent, columns: [id] } }
                checks:
                  x_positive: "x > 0"
                  x_key: "x < 100"
            """)
        #expect(declaration.tables.map { $0.checks.map(\.name) } == [[], ["x_positive"], ["x_positive", "x_key"]])
        #expect(declaration.tables.map { $0.foreignKeys.map(\.name) } == [[], ["fk_parent"], ["fk_parent"]])
    }

    @Test func indexNameEqualToAPrimaryKeyNameOfAnotherTable() {
        let errors = schemaErrors("""
            version: 1
            tables:
              a:
                columns:
                  id: bigint
                primary_key: [id]
              b:
                columns:
                  id: bigint
                indexes:
                  a_pkey: { columns: [id] }
            """)
        expectOnlyError(errors, line: 11, column: 7,
                        message: "duplicate name 'a_pkey': already used by the primary key of table 'a' at line 6")
    }

    @Test func indexNameEqualToATableName() {
        let errors = schemaErrors("""
            version: 1
            tables:
              a:
                columns:
                  id: bigint
                indexes:
                  b: { columns: [id] }
              b:
                columns:
                  id: bigint
            """)
        expectOnlyError(errors, line: 7, column: 7,
                        message: "name 'b' of the index 'b' of table 'a' is already used by table 'b' at line 8",
                        hint: "share one namespace")
    }

    @Test func indexNameEqualToAnIdentitySequence() {
        let errors = schemaErrors("""
            version: 1
            tables:
              orders:
                columns:
                  id: { type: bigint, identity: always }
                indexes:
                  orders_id_seq: { columns: [id] }
            """)
        expectOnlyError(errors, line: 7, column: 7,
                        message: "is already used by the sequence of column 'id' of table 'orders' at line 5")
    }

    @Test func enumNamedLikeATable() {
        let errors = schemaErrors("""
            version: 1
            enums:
              customers: [a, b]
            tables:
              customers:
                columns:
                  id: bigint
            """)
        expectOnlyError(errors, line: 3, column: 3, message: "enum 'customers' has the same name as table 'customers'",
                        hint: "row type")
    }

    @Test func enumNamedLikeABuiltinType() {
        expectOnlyError(schemaErrors("version: 1\nenums:\n  text: [a]\ntables: {}\n"), line: 3, column: 3,
                        message: "enum 'text' has the name of a built-in type")
    }

    @Test func duplicateEnumLabel() {
        let errors = schemaErrors("""
            version: 1
            enums:
              order_status: [pending, paid, pending]
            tables: {}
            """)
        expectOnlyError(errors, line: 3, column: 33, message: "duplicate label 'pending' in enum 'order_status'",
                        hint: "already listed at line 3")
    }

    @Test func enumMappingFormWithComment() throws {
        let declaration = try parse("""
            version: 1
            enums:
              order_status: { values: [pending, paid], comment: "where an order is" }
              mood:
                values: [ok]
              plain: [a, b]
              cleared: { values: [x], comment: "" }
            tables: {}
            """)
        #expect(declaration.enumType(named: "order_status")?.values == ["pending", "paid"])
        #expect(declaration.enumType(named: "order_status")?.comment == "where an order is")
        #expect(declaration.enumType(named: "mood")?.values == ["ok"])
        #expect(declaration.enumType(named: "mood")?.comment == nil)
        #expect(declaration.enumType(named: "plain")?.values == ["a", "b"])
        #expect(declaration.enumType(named: "plain")?.comment == nil)
        // PostgreSQL keeps no empty comment: "" is none.
        #expect(declaration.enumType(named: "cleared")?.comment == nil)
        #expect(declaration.enumType(named: "order_status")?.location?.line == 3)
    }

    @Test func enumMappingFormUnknownKey() throws {
        let errors = schemaErrors("""
            version: 1
            enums:
              order_status: { labels: [pending, paid] }
            tables: {}
            """)
        try #require(errors.count == 2, "errors: \(errors)")
        expectError(errors[0], line: 3, column: 3, message: "enum 'order_status' has no values", hint: "add values:")
        expectError(errors[1], line: 3, column: 19, message: "unknown key 'labels' in enum 'order_status'",
                    hint: "values")
    }

    @Test func enumMappingFormMissingValues() {
        expectOnlyError(schemaErrors("""
            version: 1
            enums:
              order_status: { comment: "where an order is" }
            tables: {}
            """), line: 3, column: 3, message: "enum 'order_status' has no values", hint: "add values:")
    }

    @Test func enumMappingFormBadValuesAndComment() throws {
        let errors = schemaErrors("""
            version: 1
            enums:
              a: { values: pending }
              b: { values: [x, x], comment: [no] }
            tables: {}
            """)
        try #require(errors.count == 3, "errors: \(errors)")
        expectError(errors[0], line: 3, column: 16, message: "'values' of enum 'a' must be a list of labels")
        expectError(errors[1], line: 4, column: 20, message: "duplicate label 'x' in enum 'b'")
        expectError(errors[2], line: 4, column: 33, message: "'comment' of enum 'b' must be a single value")
    }

    // MARK: - References

    @Test func unknownColumnsInKeysAndIncludes() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: bigint
                  email: text
                primary_key: [idd]
                unique:
                  t_email_key: [emial]
                indexes:
                  t_idx: { columns: [id], include: [nope] }
            """)
        #expect(errors.count == 3)
        expectError(errors[0], line: 7, column: 19, message: "unknown column 'idd' in the primary key of table 't'",
                    hint: "did you mean 'id'?")
        expectError(errors[1], line: 9, column: 21, message: "unknown column 'emial' in unique constraint 't_email_key'",
                    hint: "did you mean 'email'?")
        expectError(errors[2], line: 11, column: 41, message: "unknown column 'nope' in 'include' of index 't_idx'",
                    hint: "the columns of table 't' are: id, email")
    }

    @Test func columnListedTwiceInAKey() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: integer
                unique:
                  t_a_key: [a, a]
            """)
        expectOnlyError(errors, line: 7, column: 20, message: "column 'a' is listed twice", hint: "once")
    }

    @Test func indexElementsThatArePlainIdentifiersMustBeColumns() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  created_at: timestamptz
                  email: text
                indexes:
                  t_created_idx: { columns: [creatd_at DESC] }
                  t_expr_idx: { columns: ["lower(emial)", "email text_pattern_ops", EMAIL] }
            """)
        expectOnlyError(errors, line: 8, column: 34, message: "unknown column 'creatd_at' in index 't_created_idx'",
                        hint: "did you mean 'created_at'?")
    }

    @Test func indexWithoutColumns() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: integer
                indexes:
                  t_idx: { unique: true }
                  t2_idx: { columns: [] }
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 7, column: 7, message: "index 't_idx' of table 't' has no columns")
        expectError(errors[1], line: 8, column: 26, message: "'columns' of index 't2_idx' of table 't' is empty")
    }

    @Test func foreignKeyToAnUnknownTableOrColumn() {
        let errors = schemaErrors("""
            version: 1
            tables:
              customers:
                columns:
                  id: bigint
                primary_key: [id]
              orders:
                columns:
                  customer_id: bigint
                foreign_keys:
                  orders_customer_fkey:
                    columns: [customer_id]
                    references: { table: custmers, columns: [id] }
                  orders_customer2_fkey:
                    columns: [customer_id]
                    references: { table: customers, columns: [ident] }
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 13, column: 30, message: "references unknown table 'custmers'",
                    hint: "did you mean 'customers'?")
        expectError(errors[1], line: 16, column: 51, message: "unknown column 'ident'")
    }

    @Test func foreignKeyColumnCountMismatch() {
        let errors = schemaErrors("""
            version: 1
            tables:
              a:
                columns:
                  x: integer
                  y: integer
                primary_key: [x, y]
                foreign_keys:
                  a_self_fkey:
                    columns: [x]
                    references: { table: a, columns: [x, y] }
                  a_plan_fkey:
                    columns: [x, y]
                    references: { schema: public, table: plans, columns: [id] }
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 11, column: 42, message: "has 1 column but references 2")
        expectError(errors[1], line: 14, column: 62, message: "has 2 columns but references 1")
    }

    @Test func sharedTableReferenceChecksOnlyTheCount() throws {
        let declaration = try parse("""
            version: 1
            tables:
              a:
                columns:
                  plan_id: integer
                foreign_keys:
                  a_plan_fkey:
                    columns: [plan_id]
                    references: { schema: public, table: plans, columns: [anything] }
            """)
        #expect(declaration.tables[0].foreignKeys[0].referencedSchema == "public")
        #expect(declaration.tables[0].foreignKeys[0].referencedColumns == ["anything"])
    }

    @Test func foreignKeyTargetNeedsAPrimaryKeyOrUniqueConstraint() {
        let errors = schemaErrors("""
            version: 1
            tables:
              orders:
                columns:
                  customer_email: text
                foreign_keys:
                  orders_customer_email_fkey:
                    columns: [customer_email]
                    references: { table: customers, columns: [email] }
              customers:
                columns:
                  id: bigint
                  email: text
                primary_key: [id]
                nope: 1
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 7, column: 7,
                    message: "references (email) of table 'customers', which is not its primary key or a unique constraint",
                    hint: "declare one under unique:")
        expectError(errors[1], line: 15, column: 5, message: "unknown key 'nope'")
    }

    @Test func foreignKeyTargetMayBeAUniqueIndex() throws {
        let declaration = try parse("""
            version: 1
            tables:
              customers:
                columns:
                  email: text
                indexes:
                  customers_email_idx: { columns: [email], unique: true }
              orders:
                columns:
                  customer_email: text
                foreign_keys:
                  orders_customer_email_fkey:
                    columns: [customer_email]
                    references: { table: customers, columns: [email] }
            """)
        #expect(declaration.tables[1].foreignKeys.count == 1)
    }

    @Test func unsupportedReferentialAction() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  id: bigint
                  parent: bigint
                primary_key: [id]
                foreign_keys:
                  t_parent_fkey:
                    columns: [parent]
                    references: { table: t, columns: [id] }
                    on_delete: cascde
                    on_update: nothing
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 12, column: 20, message: "unsupported on_delete 'cascde'",
                    hint: "did you mean 'cascade'?")
        expectError(errors[1], line: 13, column: 20, message: "unsupported on_update 'nothing'",
                    hint: "use one of: no action, restrict, cascade, set null, set default")
    }

    @Test func renamedFromMustNotNameADeclaredTableOrColumn() {
        let errors = schemaErrors("""
            version: 1
            tables:
              orders:
                renamed_from: customers
                columns:
                  id: bigint
                  placed: { type: date, renamed_from: id }
              customers:
                renamed_from: customers
                columns:
                  id: bigint
            """)
        #expect(errors.count == 3)
        expectError(errors[0], line: 4, column: 19, message: "names 'customers', which is a declared table",
                    hint: "must no longer be declared")
        expectError(errors[1], line: 7, column: 43, message: "names 'id', which is a declared column")
        expectError(errors[2], line: 9, column: 19, message: "table 'customers' is renamed from itself")
    }

    @Test func twoColumnsRenamedFromTheSameOldName() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  a: { type: text, renamed_from: old }
                  b: { type: text, renamed_from: old }
            """)
        expectOnlyError(errors, line: 6, column: 38, message: "'old' is already renamed at line 5")
    }

    // MARK: - Shapes and collection

    @Test func wrongShapes() {
        let errors = schemaErrors("""
            version: 1
            enums:
              mood: happy
            tables:
              t:
                columns: [a, b]
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 3, column: 9, message: "'mood' of enums must be a list of labels")
        expectError(errors[1], line: 6, column: 14, message: "'columns' of table 't' must be a mapping")
    }

    @Test func allErrorsAreCollectedAndSortedByLine() {
        let errors = schemaErrors("""
            version: 1
            tables:
              orders:
                columns:
                  id: { type: bigint, nulable: false }
                  status: { type: order_stauts }
                primary_key: [idd]
              customers:
                colums: {}
            """)
        #expect(errors.map { $0.location?.line ?? 0 } == [5, 6, 7, 8, 9])
        #expect(errors.map(\.message) == [
            "unknown key 'nulable' in column 'id' of table 'orders'",
            "unknown type 'order_stauts' for column 'status' of table 'orders'",
            "unknown column 'idd' in the primary key of table 'orders'",
            "table 'customers' has no columns",
            "unknown key 'colums' in table 'customers'",
        ])
    }

    @Test func errorDescriptionReadsLikeACompilerDiagnostic() {
        let errors = schemaErrors("""
            version: 1
            tables:
              t:
                columns:
                  email: { type: text, nulable: false }
            """)
        #expect(errors.first?.description == """
            schema.yaml:5:28: error: unknown key 'nulable' in column 'email' of table 't'
              hint: did you mean 'nullable'?
            """)
    }
}
