import Foundation
import Postgres
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `kill -9` of the built binary in the middle of an online change: after a
/// committed step, during `CREATE INDEX CONCURRENTLY` (which leaves an INVALID
/// index) and during a transactional step (rolled back). Running the same plan
/// again finishes every tenant, rows intact.
@Suite struct OnlineKillTests {
    static let tenants = ["t1", "t2"]

    /// orders with rows in both tenants, then `schema.yaml` changed to `next`, planned.
    static func site(_ prefix: String, next: String) async throws -> SafetySite {
        let site = try await SafetySite.make(prefix)
        try site.write("tenants.yaml", tenantsYAML(tenants))
        try site.write("schema.yaml", SafetySite.onlineSchema())
        try await site.planAndApply()
        for t in tenants {
            try site.execute("INSERT INTO \(t).orders SELECT g, 'note ' || g FROM generate_series(1, 2000) g")
        }
        try site.write("schema.yaml", next)
        // Small tenants: threshold 0 gives them the online form whose steps are killed here.
        let plan = try await site.tenantplan(["plan", "--online-threshold", "0"])
        try #require(plan.exitCode == 0, "\(plan)")
        return site
    }

    static func rows(_ site: SafetySite) throws -> [[String?]] {
        try site.query("SELECT (SELECT count(*) FROM t1.orders), (SELECT count(*) FROM t2.orders)")
    }

    static func invalidIndexes(_ site: SafetySite) throws -> [[String?]] {
        try site.query("""
            SELECT c.relnamespace::regnamespace::text, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE NOT i.indisvalid ORDER BY 1
            """)
    }

    @Test func killedDuringAConcurrentIndexBuildAfterACommittedStepResumes() async throws {
        let site = try await Self.site("online_kill_cic", next: SafetySite.onlineSchema(
            note: "{ type: text, nullable: false }", indexes: "    indexes:\n      orders_note_idx: { columns: [note] }\n"))
        // A snapshot held open (no table lock): the NOT VALID check commits, then
        // CREATE INDEX CONCURRENTLY waits for the snapshot with its index INVALID.
        let blocker = try site.connect()
        defer { blocker.close() }
        try blocker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        _ = try blocker.query("SELECT 1")
        let run = try site.start(["apply", site.path("plan.json"), "--parallel", "1", "--lock-timeout", "60s"],
                                 name: "killed")
        defer { run.kill(SIGKILL) }
        let pid = try await site.waitForApplierWaitingOnLock(statementPrefix: "CREATE INDEX CONCURRENTLY")
        run.kill(SIGKILL)
        let killed = try await run.finish(timeout: 30)
        #expect(killed.exitCode == 128 + SIGKILL, "\(killed)")
        // A backend waiting for a lock notices its client is gone only once it runs
        // again (and would then finish the build): end it, as a lost connection does.
        try site.execute("SELECT pg_terminate_backend($1::int)", [String(pid)])
        try await site.waitForNoApplierSessions()
        try blocker.execute("COMMIT")

        // One tenant got as far as the build: its check is committed, its index INVALID.
        let invalid = try Self.invalidIndexes(site)
        #expect(invalid.count == 1 && invalid.first?[1] == "orders_note_idx", "\(invalid)")
        let checks = try site.query("SELECT count(*) FROM pg_constraint WHERE conname LIKE 'tenantplan_not_null_%'")
        #expect(checks == [["1"]])

        let again = try await site.tenantplan(["apply", "plan.json"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(try Self.invalidIndexes(site).isEmpty)
        #expect(try Self.rows(site) == [["2000", "2000"]])
        try await site.expectInSync()
    }

    @Test func killedDuringATransactionalStepRollsItBackAndResumes() async throws {
        let site = try await Self.site("online_kill_tx", next: SafetySite.onlineSchema(note: "{ type: text, nullable: false }"))
        // A lock the first step's ALTER TABLE (ACCESS EXCLUSIVE) waits for.
        let blocker = try site.connect()
        defer { blocker.close() }
        try blocker.execute("BEGIN")
        try blocker.execute("LOCK TABLE t1.orders IN ACCESS SHARE MODE")
        let run = try site.start(["apply", site.path("plan.json"), "--parallel", "1", "--lock-timeout", "60s"],
                                 name: "killed")
        defer { run.kill(SIGKILL) }
        let pid = try await site.waitForApplierWaitingOnLock(statementPrefix: "ALTER TABLE")
        run.kill(SIGKILL)
        _ = try await run.finish(timeout: 30)
        try site.execute("SELECT pg_terminate_backend($1::int)", [String(pid)])
        try await site.waitForNoApplierSessions()
        try blocker.execute("ROLLBACK")
        // Rolled back: t1 has no check of the online change.
        #expect(try site.query("SELECT count(*) FROM pg_constraint WHERE connamespace = 't1'::regnamespace AND contype = 'c'")
                == [["0"]])

        let again = try await site.tenantplan(["apply", "plan.json"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(try Self.rows(site) == [["2000", "2000"]])
        try await site.expectInSync()
    }

    @Test func killedDuringABackfillResumesFromTheRowsStillNull() async throws {
        let rows = 300_000
        let site = try await SafetySite.make("online_kill_backfill")
        try site.write("tenants.yaml", tenantsYAML(["t1"]))
        try site.write("schema.yaml", SafetySite.onlineSchema())
        try await site.planAndApply()
        try site.execute("INSERT INTO t1.orders SELECT g, 'note ' || g FROM generate_series(1, \(rows)) g")
        try site.execute("ANALYZE t1.orders")
        try site.write("schema.yaml", SafetySite.onlineSchema(
            note: "{ type: text }\n      token: { type: uuid, nullable: false, default: gen_random_uuid() }"))
        let plan = try await site.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")

        let run = try site.start(["apply", site.path("plan.json"), "--backfill-batch", "500"], name: "killed")
        defer { run.kill(SIGKILL) }
        // Killed once some rows are filled, in the middle of the batches.
        let deadline = Date().addingTimeInterval(60)
        var filled = 0
        while Date() < deadline {
            let exists = try site.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 't1.orders'::regclass AND attname = 'token'")
            if exists == [["1"]] {
                filled = Int(try site.query("SELECT count(token) FROM t1.orders").first?.first.flatMap { $0 } ?? "0") ?? 0
                if filled > 0 { break }
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        run.kill(SIGKILL)
        _ = try await run.finish(timeout: 30)
        try await site.waitForNoApplierSessions()
        let stopped = Int(try site.query("SELECT count(token) FROM t1.orders").first?.first.flatMap { $0 } ?? "0") ?? 0
        try #require(filled > 0 && stopped < rows, "killed with \(stopped) of \(rows) rows filled")
        // The marker says the backfill is not done.
        #expect(try site.query("SELECT count(*) FROM pg_constraint WHERE conname = 'tenantplan_backfill_token'") == [["1"]])

        let again = try await site.tenantplan(["apply", "plan.json"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(try site.query("SELECT count(*), count(DISTINCT token) FROM t1.orders") == [["\(rows)", "\(rows)"]])
        #expect(try site.query("SELECT count(*) FROM pg_constraint WHERE connamespace = 't1'::regnamespace AND contype = 'c'")
                == [["0"]])
        try await site.expectInSync()
    }
}

extension SafetySite {
    static func onlineSchema(note: String = "{ type: text }", indexes: String = "") -> String {
        """
        version: 1
        tables:
          orders:
            columns:
              id: { type: bigint, nullable: false }
              note: \(note)
            primary_key: [id]
        \(indexes)
        """
    }
}
