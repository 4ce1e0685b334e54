import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// Issue 10, finding 4: a tenant whose texts (checks, defaults, generated
/// expressions, index expressions and predicates) say what the declaration says
/// in another spelling plans in sync, on both sides of PostgreSQL's
/// non-idempotent deparse; a text that says something else still plans a change.
@Suite struct CanonicalTextTests {
    /// The tenant as plain SQL (or Alembic) builds it, with rows.
    static let handWritten = [
        """
        CREATE TABLE tasks (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            status varchar(10) NOT NULL DEFAULT 'todo',
            title text NOT NULL,
            price numeric(10,2) NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
            is_open boolean GENERATED ALWAYS AS (status IN ('todo', 'doing')) STORED,
            CONSTRAINT tasks_status_check CHECK (status IN ('todo', 'doing', 'done')),
            CONSTRAINT tasks_price_check CHECK (price >= 0)
        )
        """,
        "CREATE INDEX tasks_open_title_idx ON tasks (lower(title)) WHERE status IN ('todo', 'doing')",
        "INSERT INTO tasks (status, title, price) VALUES ('todo', 'Write', 1.50), ('doing', 'Test', 2), ('done', 'Ship', 0)",
    ]

    /// What `import` read from such a tenant: the server's deparse, which realised
    /// again prints differently (`ARRAY[('todo'::character varying)::text, ...]`).
    static let imported = """
        version: 1
        tables:
          tasks:
            columns:
              id: { type: bigint, identity: always }
              status: { type: varchar(10), nullable: false, default: "'todo'::character varying" }
              title: { type: text, nullable: false }
              price: { type: "numeric(10,2)", nullable: false, default: "0" }
              created_at: { type: timestamptz, nullable: false, default: "now()" }
              is_open: { type: boolean, generated: "((status)::text = ANY ((ARRAY['todo'::character varying, 'doing'::character varying])::text[]))" }
              # extra
            primary_key: [id]
            indexes:
              tasks_open_title_idx:
                columns: ["lower(title)"]
                where: "((status)::text = ANY ((ARRAY['todo'::character varying, 'doing'::character varying])::text[]))"
            checks:
              tasks_status_check: "(status)::text = ANY ((ARRAY['todo'::character varying, 'doing'::character varying, 'done'::character varying])::text[])"
              tasks_price_check: "price >= (0)::numeric"
        """

    static func declaration(_ yaml: String = imported, extra: String = "") throws -> Declaration {
        try DeclarationLoader.parse(yaml: yaml.replacingOccurrences(of: "      # extra\n", with: extra), file: "schema.yaml")
    }

    /// Every change of every set, as `op object`.
    static func changes(_ plan: PlanFile) -> [String] {
        plan.changeSets.flatMap { set in set.changes.map { "\($0.op.rawValue) \($0.object)" } }
    }

    @Test func handWrittenTenantPlansInSyncWithTheImportedTexts() async throws {
        let h = try await Harness.make(prefix: "canon_hand")
        try h.run(Self.handWritten, in: "t1", createSchema: true)
        let plan = try h.plan(try Self.declaration(), tenants: ["t1"])
        #expect(Self.changes(plan) == [])
        #expect(plan.changeSets.allSatisfy { $0.held.isEmpty })
    }

    /// The other way round: a tenant created from the imported texts, planned
    /// against a declaration written as a person writes it.
    @Test func tenantBuiltFromDeparsedTextsPlansInSyncWithHandWrittenDeclaration() async throws {
        let h = try await Harness.make(prefix: "canon_back")
        let declaration = try Self.declaration()
        // Provision from the imported texts: the tenant holds their deparse.
        let plan = try h.plan(declaration, tenants: ["t1"])
        let report = try h.apply(plan)
        #expect(report.results.allSatisfy { $0.outcome.isSuccess }, "\(describe(report))")
        try h.run(["INSERT INTO tasks (status, title, price) VALUES ('todo', 'Write', 1.5)"], in: "t1")
        let written = try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              tasks:
                columns:
                  id: { type: bigint, identity: always }
                  status: { type: varchar(10), nullable: false, default: "'todo'" }
                  title: { type: text, nullable: false }
                  price: { type: "numeric(10,2)", nullable: false, default: "0" }
                  created_at: { type: timestamptz, nullable: false, default: CURRENT_TIMESTAMP }
                  is_open: { type: boolean, generated: "status IN ('todo', 'doing')" }
                primary_key: [id]
                indexes:
                  tasks_open_title_idx: { columns: ["lower(title)"], where: "status IN ('todo', 'doing')" }
                checks:
                  tasks_status_check: "status IN ('todo', 'doing', 'done')"
                  tasks_price_check: "price >= 0"
            """, file: "schema.yaml")
        let again = try h.plan(written, tenants: ["t1"])
        #expect(Self.changes(again) == [])
    }

    /// With another change on the same table, apply's verification expects the
    /// tenant's own texts to stay: it applies, and the tenant then plans in sync.
    @Test func otherChangesApplyAndVerifyWithTheTenantsTextsKept() async throws {
        let h = try await Harness.make(prefix: "canon_apply")
        try h.run(Self.handWritten, in: "t1", createSchema: true)
        try h.run(Self.handWritten, in: "t2", createSchema: true)
        let declaration = try Self.declaration(extra: "      note: { type: text }\n")
        let plan = try h.plan(declaration, tenants: ["t1", "t2"])
        #expect(Self.changes(plan) == ["add_column column tasks.note"])
        let report = try h.apply(plan)
        #expect(report.results.allSatisfy { $0.outcome == .applied }, "\(describe(report))")
        #expect(try h.rows("SELECT count(*) FROM tasks", in: "t1") == [["3"]])
        let again = try h.plan(declaration, tenants: ["t1", "t2"])
        #expect(Self.changes(again) == [])
    }

    /// Never lenient: a check that allows other values is changed.
    @Test func aTextThatSaysSomethingElseStillChanges() async throws {
        let h = try await Harness.make(prefix: "canon_diff")
        var sql = Self.handWritten
        sql[0] = sql[0].replacingOccurrences(of: "CHECK (status IN ('todo', 'doing', 'done'))",
                                             with: "CHECK (status IN ('todo', 'doing'))")
        sql[1] = sql[1].replacingOccurrences(of: "lower(title)", with: "upper(title)")
        sql[2] = "INSERT INTO tasks (status, title, price) VALUES ('todo', 'Write', 1.50)"
        try h.run(sql, in: "t1", createSchema: true)
        // The single-transaction form: the test is about what changes, not how.
        let plan = try h.plan(try Self.declaration(), tenants: ["t1"], transactional: true)
        #expect(Self.changes(plan).sorted() == [
            "add_constraint constraint tasks_status_check on tasks", "create_index index tasks_open_title_idx on tasks",
            "drop_constraint constraint tasks_status_check on tasks", "drop_index index tasks_open_title_idx",
        ])
    }

    /// A fleet whose tenants carry the same legacy texts pays one realisation per
    /// distinct text, not one per tenant or state; a state in sync pays none.
    @Test func canonicalFormsAreRealisedOncePerText() async throws {
        let h = try await Harness.make(prefix: "canon_cache")
        try h.run(Self.handWritten, in: "t1", createSchema: true)
        try h.run(Self.handWritten + ["CREATE TABLE other (id int)"], in: "t2", createSchema: true)
        let declaration = try Self.declaration()
        let desired = try DesiredState.realise(declaration, on: h.connection)
        let resolver = h.resolver
        let canonicaliser = Canonicaliser(desired: desired) { try resolver.connect(.default, database: "main") }
        defer { canonicaliser.close() }
        #expect(try canonicaliser.reconcile(desired) == nil)
        #expect(canonicaliser.realisations == 0)
        let t1 = try #require(try h.state("t1"))
        let reconciled = try #require(try canonicaliser.reconcile(t1))
        let first = canonicaliser.realisations
        #expect(first >= 2 && first <= 2 * Canonicaliser.maxRounds)
        #expect(Differ(declaration: declaration, desired: reconciled).diff(actual: t1).changes.isEmpty)
        _ = try canonicaliser.reconcile(try #require(try h.state("t2")))
        #expect(canonicaliser.realisations == first)
    }
}
