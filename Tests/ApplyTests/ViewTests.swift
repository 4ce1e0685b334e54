import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// A tenant with views, views on views, a materialized view with its index and
/// a function that reads a view: imported, in sync with itself, and a new
/// tenant built from the file equals it.
extension ImportTests {
    @Test func viewsAndMaterializedViewsImportExactly() async throws {
        let h = try await Harness.make(prefix: "import_views")
        try h.run([
            "CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, status text NOT NULL, total numeric NOT NULL)",
            "INSERT INTO orders VALUES (1, 'ann', 'open', 10), (2, 'bob', 'shipped', 250), (3, 'ann', 'open', 40)",
            "CREATE VIEW order_lines AS SELECT id, customer, total FROM orders",
            "CREATE VIEW open_orders WITH (security_barrier) AS SELECT o.id, o.total FROM orders o WHERE o.status = 'open'",
            "COMMENT ON VIEW open_orders IS 'not shipped yet'",
            "CREATE VIEW customer_totals AS SELECT customer, sum(total) AS spent FROM order_lines GROUP BY customer",
            "CREATE VIEW cheap_open WITH (check_option = cascaded) AS SELECT id, total FROM open_orders WHERE total < 100",
            "CREATE FUNCTION open_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM open_orders $$",
            "CREATE MATERIALIZED VIEW status_totals AS SELECT status, sum(total) AS total FROM orders GROUP BY status",
            "CREATE UNIQUE INDEX status_totals_status ON status_totals (status)",
            "COMMENT ON MATERIALIZED VIEW status_totals IS 'refreshed nightly'",
        ], in: "tenant_v", createSchema: true)
        let declaration = try expectExactImport(h, "tenant_v", fresh: "fresh_v")
        #expect(declaration.views.map(\.name) == ["open_orders", "cheap_open", "order_lines", "customer_totals",
                                                  "status_totals"])
        #expect(declaration.view(named: "open_orders")?.securityBarrier == true)
        #expect(declaration.view(named: "cheap_open")?.checkOption == .cascaded)
        #expect(declaration.view(named: "status_totals")?.indexes.map(\.name) == ["status_totals_status"])
        // The new tenant's views answer from its own (empty) tables; the function reads its view.
        #expect(try h.rows("SELECT open_count(), (SELECT count(*) FROM status_totals)", in: "fresh_v") == [["0", "0"]])
        #expect(try h.rows("SELECT open_count(), (SELECT count(*) FROM status_totals)", in: "tenant_v") == [["2", "2"]])
    }
}

/// The stamp covers what the state reads of views: their rewrite rule, comment and indexes.
extension StampTests {
    @Test func aViewsQueryCommentOrIndexChangesTheServerStamp() async throws {
        let h = try await Harness.make(prefix: "stamp_views")
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY, v integer)",
                   "CREATE VIEW big AS SELECT id, v FROM t WHERE v > 10",
                   "CREATE MATERIALIZED VIEW counts AS SELECT v, count(*) AS n FROM t GROUP BY v"],
                  in: "s", createSchema: true)
        var stamp = try #require(try Self.reflected(h, "s")?.stamp)
        #expect(try Self.serverStamp(h, "s") == stamp)
        for change in ["CREATE OR REPLACE VIEW big AS SELECT id, v FROM t WHERE v > 20",
                       "COMMENT ON VIEW big IS 'big ones'",
                       "CREATE UNIQUE INDEX counts_v ON counts (v)",
                       "ALTER VIEW big SET (security_barrier = true)"] {
            try h.run([change], in: "s")
            let server = try Self.serverStamp(h, "s")
            #expect(server != stamp, "\(change)")
            let reflected = try #require(try Self.reflected(h, "s")?.stamp)
            #expect(reflected == server, "\(change)")
            stamp = reflected
        }
    }
}

/// Views planned and applied on populated tenants: a view rebuilt around a
/// column type change keeps answering, and the plan's lock claims match.
@Suite struct ViewTests {
    static let yaml = """
        version: 1
        tables:
          scores:
            columns:
              id: { type: integer }
              player: { type: text, nullable: false }
              points: { type: bigint, nullable: false }
            primary_key: [id]
        views:
          top_players: { query: "SELECT player FROM top_scores" }
          top_scores: { query: "SELECT player, points FROM scores WHERE points > 5" }
        """

    @Test func declaredViewsAreRebuiltAroundARetypedColumnAndAnswerAfter() async throws {
        let h = try await Harness.make(prefix: "views_retype")
        try h.run(["CREATE TABLE scores (id integer PRIMARY KEY, player text NOT NULL, points integer NOT NULL)",
                   "INSERT INTO scores VALUES (1, 'ann', 7), (2, 'bob', 3)",
                   "CREATE VIEW top_scores AS SELECT player, points FROM scores WHERE points > 5",
                   "CREATE VIEW top_players AS SELECT player FROM top_scores"], in: "t1", createSchema: true)
        let declaration = try DeclarationLoader.parse(yaml: Self.yaml, file: "schema.yaml")
        let plan = try h.plan(declaration, tenants: ["t1", "t2"])
        let t1 = try #require(plan.changeSets.first { $0.tenants.values.contains { $0.contains("t1") } })
        #expect(t1.changes.map(\.sql) == [
            "DROP VIEW \"top_players\"", "DROP VIEW \"top_scores\"",
            "ALTER TABLE \"scores\" ALTER COLUMN \"points\" TYPE bigint",
            "CREATE VIEW \"top_scores\" AS\nSELECT player, points FROM scores WHERE points > 5",
            "CREATE VIEW \"top_players\" AS\nSELECT player FROM top_scores",
        ])
        let report = try h.apply(plan)
        #expect(outcomes(report) == ["t1": .applied, "t2": .applied], "\(describe(report))")
        #expect(try h.rows("SELECT player, pg_typeof(points)::text FROM top_scores", in: "t1") == [["ann", "bigint"]])
        #expect(try h.rows("SELECT player FROM top_players", in: "t1") == [["ann"]])
        let again = try h.plan(declaration, tenants: ["t1", "t2"])
        #expect(!again.hasChanges)
        expectSameState(try h.state("t2"), try h.state("t1"), "new tenant vs. converted tenant")
    }

    /// The locks the view steps claim, against `pg_locks` in an open
    /// transaction: a creation claims none (it takes ACCESS SHARE on what it
    /// reads, nothing stronger), the others their claim on the view.
    @Test(arguments: [
        Step.createView(ViewDeclaration(name: "fresh", query: "SELECT id FROM scores")),
        Step.createView(ViewDeclaration(name: "fresh", query: "SELECT id FROM scores", materialized: true)),
        Step.replaceView(ViewDeclaration(name: "big", query: "SELECT id, points, 1 AS one FROM scores WHERE points > 5")),
        Step.dropView(name: "big", materialized: false),
        Step.dropView(name: "daily", materialized: true),
        Step.commentOnView(name: "big", materialized: false, comment: "big ones"),
        Step.commentOnView(name: "daily", materialized: true, comment: "per points"),
        Step.createViewIndex(view: "daily", IndexDeclaration(name: "daily_n", columns: ["n"])),
    ])
    func viewChangesTakeTheLocksTheyClaim(step: Step) async throws {
        let h = try await Harness.make(prefix: "view_locks")
        try h.run(["CREATE TABLE scores (id integer PRIMARY KEY, points integer NOT NULL)",
                   "INSERT INTO scores SELECT g, g % 10 FROM generate_series(1, 500) g",
                   "CREATE VIEW big AS SELECT id, points FROM scores WHERE points > 5",
                   "CREATE MATERIALIZED VIEW daily AS SELECT points, count(*) AS n FROM scores GROUP BY points"],
                  in: LockLevelTests.tenant, createSchema: true)
        let session = try h.db.connect()
        defer { session.close() }
        try session.execute("SELECT set_config('search_path', $1, false)", [LockLevelTests.tenant])
        try session.execute("BEGIN")
        try session.execute(step.sql)
        let claimed = step.locks(hazards: [])
        let expected = claimed.isEmpty ? [RelationLock("scores", .accessShare)] : claimed
        #expect(try LockLevelTests.held(h.connection, pid: session.backendPID, expected) == expected.map(LockLevelTests.SeenLock.init), "\(step.sql)")
        try session.execute("ROLLBACK")
    }
}
