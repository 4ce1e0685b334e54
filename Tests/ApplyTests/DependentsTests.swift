import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import SQLSyntax
import State
import Testing
import TestSupport

/// One case of `Tests/Fixtures/conformance/deps-*`: its `before.sql` and
/// `schema.yaml` read from the folder, its expectations (those of its
/// `case.yaml`) written here.
struct DependentsCase: Sendable, CustomTestStringConvertible {
    enum Expect: Sendable { case converges, heldBack(String) }
    var folder: String
    var allowed: [String] = []
    var expect: Expect
    var operations: [String]? = nil
    /// Queries run in the tenant after apply, with their rows.
    var after: [(sql: String, rows: [[String?]])] = []

    var testDescription: String { folder }

    static let all: [DependentsCase] = [
        DependentsCase(
            folder: "deps-unique-to-pk-declared-fk", expect: .converges,
            operations: ["drop_constraint", "drop_constraint", "set_not_null", "add_constraint", "add_constraint"],
            after: [("SELECT c.conname, i.relname FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid "
                     + "WHERE c.conname = 'children_parent_id_fkey' AND c.connamespace = current_schema()::regnamespace",
                     [["children_parent_id_fkey", "parents_pkey"]]),
                    ("SELECT count(*) FROM children JOIN parents ON parents.id = children.parent_id", [["2"]])]),
        DependentsCase(
            folder: "deps-unique-to-pk-undeclared-fk",
            expect: .heldBack("foreign key audit_parent_id_fkey on audit, which this plan keeps, depends on it"),
            after: [("SELECT count(*) FROM audit JOIN parents ON parents.id = audit.parent_id", [["1"]])]),
        DependentsCase(
            folder: "deps-view-on-dropped-column-held", allowed: ["column:users.legacy_code"],
            expect: .heldBack("view user_codes depends on it (plan with --allow view:user_codes to drop it too)"),
            after: [("SELECT id, legacy_code FROM user_codes", [["1", "A1"]])]),
        DependentsCase(
            folder: "deps-view-on-dropped-column-allowed", allowed: ["column:users.legacy_code", "view:user_codes"],
            expect: .converges, operations: ["drop_dependent", "drop_column"],
            after: [("SELECT count(*) FROM pg_views WHERE schemaname = current_schema() AND viewname = 'user_codes'", [["0"]]),
                    ("SELECT id, email FROM users ORDER BY id", [["1", "a@example.com"], ["2", "b@example.com"]])]),
        DependentsCase(
            folder: "deps-view-on-retyped-column",
            expect: .heldBack("view top_scores depends on it (plan with --allow view:top_scores to drop it too)"),
            after: [("SELECT player, points FROM top_scores ORDER BY points", [["ann", "7"], ["cy", "9"]])]),
        DependentsCase(
            folder: "deps-index-on-retyped-column", expect: .converges, operations: ["alter_column_type"],
            after: [("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'scores_points_idx'::regclass",
                     [["bigint"]]),
                    ("SELECT player FROM scores WHERE points > 5 ORDER BY points", [["ann"], ["cy"]])]),
        DependentsCase(
            folder: "deps-drop-table-referenced-by-declared-fk", allowed: ["table:customers"], expect: .converges,
            operations: ["drop_constraint", "add_constraint", "drop_table"],
            after: [("SELECT confrelid::regclass::text FROM pg_constraint WHERE conname = 'orders_customer_id_fkey' "
                     + "AND connamespace = current_schema()::regnamespace", [["clients"]]),
                    ("SELECT count(*) FROM orders", [["2"]])]),
        DependentsCase(
            folder: "deps-enum-drop-column-keeps-type", allowed: ["enum:mood"],
            expect: .heldBack("column notes.mood keeps the type"),
            after: [("SELECT id, mood::text FROM notes ORDER BY id", [["1", "happy"], ["2", "sad"]])]),
        DependentsCase(
            folder: "deps-enum-drop-after-retype", allowed: ["enum:mood", "type_change:notes.mood"], expect: .converges,
            operations: ["drop_default", "alter_column_type", "set_default", "drop_type"],
            after: [("SELECT id, mood FROM notes ORDER BY id", [["1", "happy"], ["2", "sad"]]),
                    ("SELECT count(*) FROM pg_type WHERE typname = 'mood' AND typnamespace = current_schema()::regnamespace",
                     [["0"]])]),
        DependentsCase(
            folder: "deps-pk-change-declared-fk", expect: .converges,
            after: [("SELECT i.relname FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid "
                     + "WHERE c.conname = 'children_parent_id_fkey' AND c.connamespace = current_schema()::regnamespace",
                     [["parents_id_key"]]),
                    ("SELECT count(*) FROM children JOIN parents ON parents.id = children.parent_id", [["2"]])]),
        DependentsCase(
            folder: "deps-pk-change-composite-declared-fk", expect: .converges,
            after: [("SELECT i.relname FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid "
                     + "WHERE c.conname = 'children_parent_fkey' AND c.connamespace = current_schema()::regnamespace",
                     [["parents_region_code_key"]]),
                    ("SELECT count(*) FROM children JOIN parents USING (region, code)", [["2"]])]),
    ]
}

/// The statements of a fixture's SQL file: one per `;` that ends a line.
func fixtureStatements(_ text: String) -> [String] {
    text.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
}

let conformanceFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/conformance")

@Suite("Dependents of what a plan drops, rebuilds or retypes", .serialized)
struct DependentsTests {
    static let tenant = "t_deps"

    func read(_ folder: String, _ file: String) throws -> String {
        try String(contentsOf: conformanceFixtures.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
    }

    @Test("fixture cases, on populated tenants", arguments: DependentsCase.all)
    func fixture(_ c: DependentsCase) async throws {
        let h = try await Harness.make(prefix: "deps")
        try h.run(fixtureStatements(read(c.folder, "before.sql")), in: Self.tenant, createSchema: true)
        let declaration = try DeclarationLoader.parse(yaml: read(c.folder, "schema.yaml"), file: "schema.yaml")
        let allowed = try c.allowed.map { try AllowSelector(parsing: $0) }
        let plan = try h.plan(declaration, tenants: [Self.tenant], allowed: allowed)
        let set = try #require(plan.changeSets.first)
        if let operations = c.operations {
            #expect(set.changes.map(\.op.rawValue) == operations, "\(set.changes.map(\.sql))")
        }
        switch c.expect {
        case .converges:
            #expect(set.held.isEmpty, "\(set.held)")
        case .heldBack(let reason):
            #expect(set.held.contains { $0.reason.contains(reason) }, "\(set.held.map(\.reason))")
        }
        let report = try h.apply(plan)
        #expect(report.results.allSatisfy { $0.outcome.isSuccess }, "\(describe(report))")
        for (sql, rows) in c.after {
            #expect(try h.rows(sql, in: Self.tenant) == rows, "\(sql)")
        }
        let again = try h.plan(declaration, tenants: [Self.tenant], allowed: allowed)
        let after = try #require(again.changeSets.first)
        #expect(after.changes.isEmpty, "\(after.changes.map(\.sql))")
        switch c.expect {
        case .converges:
            #expect(after.held.isEmpty, "\(after.held)")
            // A tenant made from schema.yaml alone is the same.
            let fresh = try h.plan(declaration, tenants: ["t_fresh"])
            #expect(try h.apply(fresh).results.allSatisfy { $0.outcome.isSuccess })
            expectSameState(try h.state(Self.tenant), try h.state("t_fresh"), c.folder)
        case .heldBack(let reason):
            #expect(after.held.contains { $0.reason.contains(reason) }, "\(after.held.map(\.reason))")
            #expect(plan.summary.inSync == 0 || set.drifted || set.held.allSatisfy(\.undeclared))
        }
    }
}
