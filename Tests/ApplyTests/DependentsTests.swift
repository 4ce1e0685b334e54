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

/// The statements of a fixture's SQL file: one per `;` that ends a line.
func fixtureStatements(_ text: String) -> [String] {
    text.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
}

let conformanceFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/conformance")

/// Dependents the conformance corpus cannot build (its cases hold one tenant
/// schema and `public`): another schema's foreign key, triggers, policies and
/// functions, views on views, ignored views. The `deps-*` cases of the corpus
/// cover the rest.
@Suite("Dependents of what a plan drops, rebuilds or retypes", .serialized)
struct DependentsTests {
    static let tenant = "t_deps"

    func read(_ folder: String, _ file: String) throws -> String {
        try String(contentsOf: conformanceFixtures.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
    }

    static let parentsYAML = """
        version: 1
        tables:
          parents:
            columns:
              id: { type: integer, nullable: false }
              name: { type: text }
            primary_key: [id]
        """

    @Test("a foreign key of another schema on a rebuilt key holds the change back, or is dropped when --allow names it")
    func foreignKeyOfAnotherSchema() async throws {
        let h = try await Harness.make(prefix: "deps")
        try h.run(["CREATE TABLE parents (id integer UNIQUE, name text)", "INSERT INTO parents VALUES (1, 'a'), (2, 'b')"],
                  in: Self.tenant, createSchema: true)
        try h.run(["CREATE TABLE refs (id integer PRIMARY KEY, parent_id integer CONSTRAINT refs_parent_id_fkey "
                   + "REFERENCES \(quoteIdentifier(Self.tenant)).parents (id))", "INSERT INTO refs VALUES (1, 2)"],
                  in: "other", createSchema: true)
        let declaration = try DeclarationLoader.parse(yaml: Self.parentsYAML, file: "schema.yaml")

        let held = try h.plan(declaration, tenants: [Self.tenant])
        let set = try #require(held.changeSets.first)
        // The primary key in its online form: NOT NULL through a validated check,
        // the key from a concurrently built index; the unique stays, held back.
        #expect(set.changes.map(\.op.rawValue) == [
            "add_constraint_not_valid", "create_index_concurrently", "validate_constraint", "set_not_null",
            "add_constraint_using_index", "drop_constraint",
        ])
        let reason = try #require(set.held.first { $0.object == "constraint parents_id_key on parents" })
        #expect(reason.reason.contains("foreign key refs_parent_id_fkey on other.refs depends on it "
                                       + "(plan with --allow constraint:other.refs.refs_parent_id_fkey to drop it too)"))
        // The redundant unique is drift, not an undeclared object merely kept.
        #expect(!reason.undeclared)
        #expect(try h.apply(held).results.allSatisfy { $0.outcome.isSuccess })
        let again = try #require(try h.plan(declaration, tenants: [Self.tenant]).changeSets.first)
        #expect(again.drifted)
        #expect(try h.rows("SELECT count(*) FROM other.refs JOIN \(quoteIdentifier(Self.tenant)).parents p ON p.id = refs.parent_id")
                == [["1"]])

        let allowed = try h.plan(declaration, tenants: [Self.tenant],
                                 allowed: [AllowSelector(parsing: "constraint:other.refs.refs_parent_id_fkey")])
        let dropping = try #require(allowed.changeSets.first)
        #expect(dropping.changes.map(\.sql) == [
            "ALTER TABLE \"other\".\"refs\" DROP CONSTRAINT \"refs_parent_id_fkey\"",
            "ALTER TABLE \"parents\" DROP CONSTRAINT \"parents_id_key\"",
        ])
        #expect(dropping.changes.first?.hazards == [.dropsUnmanagedObject])
        #expect(try h.apply(allowed).results.allSatisfy { $0.outcome.isSuccess })
        #expect(try h.rows("SELECT count(*) FROM pg_constraint WHERE conname = 'refs_parent_id_fkey'") == [["0"]])
        #expect(try h.rows("SELECT count(*) FROM other.refs") == [["1"]])
        let done = try #require(try h.plan(declaration, tenants: [Self.tenant]).changeSets.first)
        #expect(done.inSync && done.held.isEmpty, "\(done.held)")
    }

    @Test("a trigger, a policy and a function on a retyped column hold the change back; --allow-destructive drops them")
    func triggerPolicyFunctionOnRetypedColumn() async throws {
        let h = try await Harness.make(prefix: "deps")
        try h.run([
            "CREATE TABLE scores (id integer PRIMARY KEY, points integer NOT NULL)",
            "INSERT INTO scores VALUES (1, 7), (2, 3)",
            "CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER scores_points BEFORE UPDATE OF points ON scores FOR EACH ROW EXECUTE FUNCTION keep_row()",
            "CREATE POLICY scores_positive ON scores USING (points > 0)",
            "CREATE FUNCTION total_points() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT sum(points) FROM scores; END",
        ], in: Self.tenant, createSchema: true)
        let declaration = try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              scores:
                columns:
                  id: { type: integer, nullable: false }
                  points: { type: bigint, nullable: false }
                primary_key: [id]
            """, file: "schema.yaml")
        let held = try #require(try h.plan(declaration, tenants: [Self.tenant]).changeSets.first)
        #expect(held.changes.isEmpty, "\(held.changes.map(\.sql))")
        let reason = try #require(held.held.first { $0.object == "column scores.points" }).reason
        for name in ["trigger scores_points on scores depends on it (plan with --allow trigger:scores.scores_points",
                     "policy scores_positive on scores depends on it (plan with --allow policy:scores.scores_positive",
                     "function total_points() depends on it (plan with --allow function:total_points"] {
            #expect(reason.contains(name), "\(reason)")
        }
        #expect(held.drifted)

        let plan = try h.plan(declaration, tenants: [Self.tenant], allowDestructive: true)
        let set = try #require(plan.changeSets.first)
        // keep_row(), the trigger's function, depends on no column: it goes as an undeclared function.
        #expect(set.changes.map(\.op.rawValue) == ["drop_dependent", "drop_dependent", "drop_dependent", "alter_column_type", "drop_function"])
        #expect(try h.apply(plan).results.allSatisfy { $0.outcome.isSuccess })
        #expect(try h.rows("SELECT id, points FROM scores ORDER BY id", in: Self.tenant) == [["1", "7"], ["2", "3"]])
        #expect(try h.rows("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'scores'::regclass "
                           + "AND attname = 'points'", in: Self.tenant) == [["bigint"]])
        let done = try #require(try h.plan(declaration, tenants: [Self.tenant]).changeSets.first)
        #expect(done.inSync && done.held.isEmpty, "\(done.held)")
    }

    @Test("views on views of a dropped table are named, and dropped outermost first when allowed")
    func viewsOnViews() async throws {
        let h = try await Harness.make(prefix: "deps")
        try h.run([
            "CREATE TABLE parents (id integer PRIMARY KEY, name text)",
            "INSERT INTO parents VALUES (1, 'a')",
            "CREATE TABLE legacy (id integer PRIMARY KEY, note text)",
            "INSERT INTO legacy VALUES (1, 'x')",
            "CREATE VIEW legacy_notes AS SELECT id, note FROM legacy",
            "CREATE VIEW legacy_report AS SELECT count(*) AS n FROM legacy_notes",
        ], in: Self.tenant, createSchema: true)
        let declaration = try DeclarationLoader.parse(yaml: Self.parentsYAML, file: "schema.yaml")
        let tableOnly = [try AllowSelector(parsing: "table:legacy")]
        let held = try #require(try h.plan(declaration, tenants: [Self.tenant], allowed: tableOnly).changeSets.first)
        let reason = try #require(held.held.first { $0.object == "table legacy" }).reason
        #expect(reason.contains("view legacy_notes depends on it (plan with --allow view:legacy_notes to drop it too)"))
        #expect(reason.contains("view legacy_report depends on it (plan with --allow view:legacy_report to drop it too)"))
        #expect(held.changes.isEmpty)

        let plan = try h.plan(declaration, tenants: [Self.tenant], allowed: tableOnly + [AllowSelector(parsing: "view:legacy_*")])
        let set = try #require(plan.changeSets.first)
        #expect(set.changes.map(\.sql) == ["DROP VIEW \"legacy_report\"", "DROP VIEW \"legacy_notes\"", "DROP TABLE \"legacy\""])
        #expect(try h.apply(plan).results.allSatisfy { $0.outcome.isSuccess })
        #expect(try h.rows("SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                           + "AND relname LIKE 'legacy%'", in: Self.tenant) == [["0"]])
        #expect(try h.rows("SELECT name FROM parents", in: Self.tenant) == [["a"]])
        let done = try #require(try h.plan(declaration, tenants: [Self.tenant]).changeSets.first)
        #expect(done.inSync && done.held.isEmpty, "\(done.held)")
    }

    @Test("an ignored view on a dropped column keeps the column, even with --allow-destructive")
    func ignoredViewOnDroppedColumn() async throws {
        let h = try await Harness.make(prefix: "deps")
        try h.run(fixtureStatements(read("deps-view-on-dropped-column-held", "before.sql")), in: Self.tenant, createSchema: true)
        let declaration = try DeclarationLoader.parse(
            yaml: read("deps-view-on-dropped-column-held", "schema.yaml") + "ignore:\n  views: [user_codes]\n", file: "schema.yaml")
        let plan = try h.plan(declaration, tenants: [Self.tenant], allowDestructive: true)
        let set = try #require(plan.changeSets.first)
        #expect(set.changes.isEmpty, "\(set.changes.map(\.sql))")
        let held = try #require(set.held.first { $0.object == "column users.legacy_code" })
        #expect(held.reason.contains("objects that ignore: leaves alone stand on it"))
        #expect(!held.reason.contains("user_codes"))
        #expect(try h.rows("SELECT id, legacy_code FROM user_codes", in: Self.tenant) == [["1", "A1"]])
    }

    @Test("tenants with the same dependents share one change list; dependents in other schemas are named qualified")
    func sameDependentsShareAState() async throws {
        let h = try await Harness.make(prefix: "deps")
        let build = fixtureStatements(try read("deps-view-on-retyped-column", "before.sql"))
        try h.run(build, in: "t_a", createSchema: true)
        try h.run(build, in: "t_b", createSchema: true)
        let a = try #require(try h.state("t_a")), b = try #require(try h.state("t_b"))
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.dependents == [DependentState(kind: .view, name: "top_scores",
                                                on: [.init(.table, "scores", column: "player"),
                                                     .init(.table, "scores", column: "points")])])
        try h.run(["CREATE VIEW peek AS SELECT id FROM t_a.scores"], in: "public")
        let seen = try #require(try h.state("t_a"))
        #expect(seen.dependents.contains(DependentState(kind: .view, name: "peek", schema: "public",
                                                        on: [.init(.table, "scores", column: "id")])))
    }
}
