import Testing
@testable import Plan
import State

@Suite("Differ: dependents")
struct DifferDependentsTests {
    static let view = DependentState(kind: .view, name: "item_notes",
                                     on: [.init(.table, "items", column: "id"), .init(.table, "items", column: "legacy")])
    static let report = DependentState(kind: .view, name: "note_count", on: [.init(.view, "item_notes")])

    func items(dependents: [DependentState]) -> (Declaration, SchemaState, SchemaState) {
        let declaration = Declaration(file: "schema.yaml", tables: [
            TableDeclaration(name: "items", columns: [ColumnDeclaration(name: "id", type: "bigint")]),
        ])
        let desired = SchemaState(tables: [TableState(name: "items", columns: [ColumnState(name: "id", type: "bigint")])])
        let actual = SchemaState(
            tables: [TableState(name: "items", columns: [ColumnState(name: "id", type: "bigint"),
                                                         ColumnState(name: "legacy", type: "text")])],
            others: ["view item_notes", "view note_count"], dependents: dependents)
        return (declaration, desired, actual)
    }

    @Test("a column that views stand on is held back, naming each view with its selector")
    func heldColumnDrop() throws {
        let (declaration, desired, actual) = items(dependents: [Self.view, Self.report])
        let policy = DestructivePolicy(allowDestructive: false, selectors: [try AllowSelector(parsing: "column:items.legacy")])
        let diff = Differ(declaration: declaration, desired: desired, policy: policy).diff(actual: actual)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.count == 1)
        #expect(diff.held.first?.reason == "column items.legacy is not in schema.yaml; dropping it loses its data; "
            + "view item_notes depends on it (plan with --allow view:item_notes to drop it too); "
            + "view note_count depends on it (plan with --allow view:note_count to drop it too)")
        // Nothing changes: the tenant is expected exactly as it is.
        #expect(diff.expected.fingerprint == actual.fingerprint)
    }

    @Test("allowed, the views go first, outermost first, and leave the expected state")
    func droppedViews() {
        let (declaration, desired, actual) = items(dependents: [Self.view, Self.report])
        let diff = Differ(declaration: declaration, desired: desired, allowDestructive: true).diff(actual: actual)
        #expect(diff.changes.map(\.sql) == ["DROP VIEW \"note_count\"", "DROP VIEW \"item_notes\"",
                                            "ALTER TABLE \"items\" DROP COLUMN \"legacy\""])
        #expect(diff.changes.map(\.op) == [.dropDependent, .dropDependent, .dropColumn])
        #expect(diff.expected.dependents.isEmpty)
        #expect(diff.expected.others.isEmpty)
        #expect(diff.expected.fingerprint == desired.fingerprint)
    }

    @Test("a renamed column's dependents follow it in the expected state")
    func renamedColumn() {
        let dependent = DependentState(kind: .trigger, name: "touch", table: "items", on: [.init(.table, "items", column: "old")])
        let declaration = Declaration(file: "schema.yaml", tables: [
            TableDeclaration(name: "items", columns: [ColumnDeclaration(name: "new", type: "text", renamedFrom: "old")]),
        ])
        let desired = SchemaState(tables: [TableState(name: "items", columns: [ColumnState(name: "new", type: "text")])])
        let actual = SchemaState(tables: [TableState(name: "items", columns: [ColumnState(name: "old", type: "text")])],
                                 dependents: [dependent])
        let diff = Differ(declaration: declaration, desired: desired).diff(actual: actual)
        #expect(diff.changes.map(\.op) == [.renameColumn])
        #expect(diff.expected.dependents == [DependentState(kind: .trigger, name: "touch", table: "items",
                                                            on: [.init(.table, "items", column: "new")])])
    }

    @Test("a trigger function's body uses a column through NEW or OLD, in any case, quoted or not")
    func recordFields() {
        let body = "CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $function$ "
            + "BEGIN New.Legacy := 1; IF OLD.\"Odd\" THEN NEW.note := 'new.kept'; END IF; RETURN NEW; END $function$"
        #expect(Differ.Run.recordField("legacy", in: body) == "New.Legacy")
        #expect(Differ.Run.recordField("Odd", in: body) == "OLD.Odd")
        #expect(Differ.Run.recordField("note", in: body) == "NEW.note")
        #expect(Differ.Run.recordField("kept", in: body) == nil)
        #expect(Differ.Run.recordField("f", in: body) == nil)
    }

    @Test("an index uses a column in an expression or its predicate, not as a plain or INCLUDE column")
    func indexExpressions() {
        let uses = Differ.Run.usesInExpression
        #expect(!uses("v", "CREATE INDEX i ON t USING btree (v)"))
        #expect(!uses("v", "CREATE INDEX i ON t USING btree (a, v DESC NULLS LAST) INCLUDE (w)"))
        #expect(!uses("v", "CREATE INDEX i ON t USING btree (a) INCLUDE (v)"))
        #expect(uses("v", "CREATE INDEX i ON t USING btree (((v + 1)))"))
        #expect(uses("v", "CREATE INDEX i ON t USING btree (a, lower(v))"))
        #expect(uses("v", "CREATE INDEX i ON t USING btree (a) WHERE (v > 2)"))
        #expect(!uses("v", "CREATE INDEX i ON t USING btree (lower(w)) WHERE (a > 2)"))
        #expect(uses("Odd", "CREATE UNIQUE INDEX i ON t USING btree (\"Odd\", ((\"Odd\")::text))"))
    }

    @Test("key columns and foreign key references are read from deparsed definitions")
    func parsing() {
        #expect(Differ.Run.keyColumns("PRIMARY KEY (region, code)") == ["region", "code"])
        #expect(Differ.Run.keyColumns("UNIQUE (\"Odd, name\")") == ["Odd, name"])
        #expect(Differ.Run.keyColumns("UNIQUE USING btree (id)") == ["id"])
        #expect(Differ.Run.keyColumns("UNIQUE USING btree (lower(email))") == nil)
        #expect(Differ.Run.keyColumns("UNIQUE USING btree (id) WHERE (id > 0)") == nil)
        #expect(Differ.Run.keyColumns("UNIQUE (id) DEFERRABLE") == nil)
        #expect(Differ.Run.foreignKeyReference("FOREIGN KEY (a, b) REFERENCES parents(x, y) ON DELETE CASCADE")?.columns
                == ["x", "y"])
        #expect(Differ.Run.foreignKeyReference("FOREIGN KEY (a) REFERENCES parents(x)")?.table == "parents")
        #expect(Differ.Run.foreignKeyReference("FOREIGN KEY (a) REFERENCES public.plans(id)") == nil)
    }

    @Test("a table that a view holds keeps the tables its foreign keys reference")
    func heldTableKeepsReferencedTables() throws {
        let declaration = Declaration(file: "schema.yaml", tables: [
            TableDeclaration(name: "items", columns: [ColumnDeclaration(name: "id", type: "bigint")]),
        ])
        let items = TableState(name: "items", columns: [ColumnState(name: "id", type: "bigint")])
        let legacy = TableState(name: "legacy", columns: [ColumnState(name: "kind", type: "integer")], constraints: [
            ConstraintState(name: "legacy_kind_fkey", kind: .foreignKey, definition: "FOREIGN KEY (kind) REFERENCES legacy_kinds(id)"),
        ])
        let kinds = TableState(name: "legacy_kinds", columns: [ColumnState(name: "id", type: "integer", notNull: true)],
                               constraints: [ConstraintState(name: "legacy_kinds_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")])
        let actual = SchemaState(tables: [items, legacy, kinds], others: ["view legacy_view"], dependents: [
            DependentState(kind: .view, name: "legacy_view", on: [.init(.table, "legacy", column: "kind")]),
        ])
        let policy = DestructivePolicy(allowDestructive: false, selectors: [try AllowSelector(parsing: "table:legacy*")])
        let diff = Differ(declaration: declaration, desired: SchemaState(tables: [items]), policy: policy).diff(actual: actual)
        #expect(diff.changes.isEmpty, "\(diff.changes.map(\.sql))")
        #expect(diff.held.map(\.object) == ["table legacy", "table legacy_kinds"])
        #expect(diff.held[0].reason.contains("view legacy_view depends on it (plan with --allow view:legacy_view to drop it too)"))
        #expect(diff.expected.fingerprint == actual.fingerprint)
    }
}
