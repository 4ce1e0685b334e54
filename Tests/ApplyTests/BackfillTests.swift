@testable import Apply
import Foundation
import Plan
import Postgres
import SQLSyntax
import State
import Testing
import TestSupport

/// The online form of a column added with a volatile default, against real
/// tenants that hold rows: every row gets its own value, in batches; a tenant
/// stopped in the middle of the backfill resumes from the rows still NULL; a
/// row the application holds is waited for only at the end; the batch takes
/// row locks only.
@Suite struct BackfillTests {
    static let before = [
        "CREATE TABLE sessions (id bigint PRIMARY KEY, user_name text NOT NULL)",
        "INSERT INTO sessions SELECT g, 'user ' || g FROM generate_series(1, 20000) g",
        "ANALYZE sessions",
    ]

    static func declaration() throws -> Declaration {
        try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              sessions:
                columns:
                  id: { type: bigint, nullable: false }
                  user_name: { type: text, nullable: false }
                  token: { type: uuid, nullable: false, default: gen_random_uuid() }
                  seen_at: { type: timestamptz, default: clock_timestamp() }
                primary_key: [id]
            """, file: "schema.yaml")
    }

    /// Rows, distinct tokens, rows with a token, rows with seen_at.
    static func filled(_ h: Harness, _ tenant: String) throws -> [[String?]] {
        try h.rows("SELECT count(*), count(DISTINCT token), count(token), count(seen_at) FROM sessions", in: tenant)
    }

    static func apply(_ h: Harness, _ plan: PlanFile, batch: Int) throws -> ApplyReport {
        var options = ApplyOptions(parallel: 2)
        options.backfillBatch = batch
        return try Applier(connections: h.resolver, options: options).apply(plan)
    }

    @Test("two volatile-default columns are backfilled in batches: every row its own value, no rewrite, in sync after")
    func backfills() async throws {
        let h = try await Harness.make(prefix: "backfill")
        try h.run(Self.before, in: "acme", createSchema: true)
        let filenode = try h.rows("SELECT pg_relation_filenode('sessions')", in: "acme")
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme"])
        let set = try #require(plan.changeSets.first { !$0.inSync })
        #expect(set.changes.filter { $0.op == .backfillColumn }.count == 2)
        #expect(!set.changes.contains { $0.hazards.contains(.tableRewrite) })
        let report = try Self.apply(h, plan, batch: 1500)
        #expect(outcomes(report) == ["acme": .applied], "\(describe(report))")
        #expect(try Self.filled(h, "acme") == [["20000", "20000", "20000", "20000"]])
        // Updated in place, batch by batch: the table was never rewritten.
        #expect(try h.rows("SELECT pg_relation_filenode('sessions')", in: "acme") == filenode)
        #expect(try h.rows("SELECT count(*) FROM pg_constraint WHERE conrelid = 'acme.sessions'::regclass AND contype = 'c'")
                == [["0"]])
        let again = try h.plan(declaration, tenants: ["acme"])
        #expect(again.changeSets.allSatisfy { $0.inSync })
    }

    @Test("a tenant stopped in the middle of a backfill resumes from the rows still NULL, to the exact desired state")
    func resumesInTheMiddle() async throws {
        let h = try await Harness.make(prefix: "backfill_resume")
        try h.run(Self.before, in: "acme", createSchema: true)
        try h.run(Self.before, in: "reference", createSchema: true)
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme", "reference"])
        let set = try #require(plan.changeSets.first { !$0.inSync })
        let steps = try #require(set.steps)
        // The first transaction, then half of the rows filled by hand, as a killed backfill leaves them.
        let first = set.changes.prefix(steps[0].changes).map { $0.statement(tenant: "acme") }
        try h.run(["BEGIN"] + first + ["COMMIT"], in: "acme")
        #expect(try h.fingerprint("acme") == steps[0].to)
        try h.run(["UPDATE sessions SET token = DEFAULT WHERE id <= 10000",
                   "UPDATE sessions SET token = '00000000-0000-0000-0000-000000000001' WHERE id = 1"], in: "acme")
        // Still at the step's state: the marker says the backfill is not done.
        #expect(try h.fingerprint("acme") == steps[0].to)
        let report = try Self.apply(h, plan, batch: 1000)
        #expect(outcomes(report) == ["acme": .applied, "reference": .applied], "\(describe(report))")
        #expect(try Self.filled(h, "acme") == [["20000", "20000", "20000", "20000"]])
        // Rows filled before the stop keep their value.
        #expect(try h.rows("SELECT token::text FROM sessions WHERE id = 1", in: "acme")
                == [["00000000-0000-0000-0000-000000000001"]])
        expectSameState(try h.state("acme"), try h.state("reference"), "acme")
    }

    @Test("a NULL row the application holds is skipped by the batches and filled once it is let go")
    func heldRowFilledAtTheEnd() async throws {
        let h = try await Harness.make(prefix: "backfill_held")
        try h.run(Self.before, in: "acme", createSchema: true)
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme"])
        let set = try #require(plan.changeSets.first { !$0.inSync })
        let steps = try #require(set.steps)
        let first = set.changes.prefix(steps[0].changes).map { $0.statement(tenant: "acme") }
        try h.run(["BEGIN"] + first + ["COMMIT"], in: "acme")
        // The application holds row 5 until every other row is filled (at most a
        // minute): the batches must skip it, not wait for it.
        let holder = try h.db.connect()
        try holder.execute("BEGIN")
        try holder.execute("SELECT 1 FROM acme.sessions WHERE id = 5 FOR UPDATE")
        let watcher = try h.db.connect()
        let box = Unchecked((holder: holder, watcher: watcher))
        let skipped = DispatchSemaphore(value: 0)
        let release = Thread {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if (try? box.value.watcher.query("SELECT count(token) FROM acme.sessions").scalar) == "19999" {
                    skipped.signal()
                    break
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
            try? box.value.holder.execute("COMMIT")
        }
        release.start()
        let report = try Self.apply(h, plan, batch: 4000)
        #expect(skipped.wait(timeout: .now()) == .success, "every row but the held one was filled while it was held")
        #expect(outcomes(report) == ["acme": .applied], "\(describe(report))")
        #expect(try Self.filled(h, "acme") == [["20000", "20000", "20000", "20000"]])
        holder.close()
        watcher.close()
    }

    @Test("a stage waits, without queueing the application, while a vacuum's lock is held on its table: no lock timeout")
    func stageWaitsForVacuum() async throws {
        let h = try await Harness.make(prefix: "backfill_vacuum")
        try h.run(Self.before, in: "acme", createSchema: true)
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme"])
        // Another session holds SHARE UPDATE EXCLUSIVE on the table for 1.5 s, as
        // an autovacuum does (the backfill's dead rows set one off on the table it
        // filled): the first transaction's ADD COLUMN conflicts with it.
        let holder = try h.db.connect()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE acme.sessions IN SHARE UPDATE EXCLUSIVE MODE")
        let app = try h.db.connect()
        try app.execute("SET lock_timeout = '5s'")
        let box = Unchecked((holder: holder, app: app))
        let longest = Unchecked(LongestWait())
        let done = DispatchSemaphore(value: 0), ended = DispatchSemaphore(value: 0)
        let side = Thread {
            // The application updates rows all the while: none of its statements may
            // queue behind a waiting ALTER (the lock timeout's 200 ms each time).
            let release = Date().addingTimeInterval(1.5)
            var released = false
            while done.wait(timeout: .now()) == .timedOut {
                if !released && Date() >= release {
                    try? box.value.holder.execute("COMMIT")
                    released = true
                }
                let start = Date()
                _ = try? box.value.app.execute("UPDATE acme.sessions SET user_name = user_name WHERE id = 7")
                let took = Date().timeIntervalSince(start)
                longest.value.seconds = max(longest.value.seconds, took)
                Thread.sleep(forTimeInterval: 0.01)
            }
            if !released { try? box.value.holder.execute("COMMIT") }
            ended.signal()
        }
        side.start()
        let started = Date()
        let report = try Self.apply(h, plan, batch: 2000)
        let elapsed = Date().timeIntervalSince(started)
        done.signal()
        ended.wait()
        #expect(outcomes(report) == ["acme": .applied], "\(describe(report))")
        #expect(report.results.first?.lockTimeouts ?? 0 == 0, "\(describe(report))")
        #expect(elapsed >= 1.2, "the stage waited for the holder")
        #expect(longest.value.seconds < 0.15, "the application never queued behind a waiting ALTER")
        #expect(try Self.filled(h, "acme") == [["20000", "20000", "20000", "20000"]])
        holder.close()
        app.close()
    }

    @Test("a batch takes ROW EXCLUSIVE on the table, as the change claims, and row locks only")
    func batchLocks() async throws {
        let h = try await Harness.make(prefix: "backfill_locks")
        try h.run(Self.before + ["ALTER TABLE sessions ADD COLUMN token uuid",
                                 "ALTER TABLE sessions ALTER COLUMN token SET DEFAULT gen_random_uuid()"],
                  in: "acme", createSchema: true)
        let change = Step.backfillColumn(table: "sessions", column: "token").change()
        let session = try h.db.connect()
        try session.execute("BEGIN")
        try session.execute("SET LOCAL search_path = acme")
        let inFirstBlock = try h.rows("SELECT count(*) FROM sessions WHERE ctid < '(1,0)'", in: "acme")
        let updated = try session.query(change.sql, ["(0,0)", "(1,0)"]).affectedRows
        #expect(updated.map { [[String($0)]] } == inFirstBlock)
        #expect((updated ?? 0) > 0)
        let modes = try h.rows("""
            SELECT mode FROM pg_locks WHERE pid = $1::int AND locktype = 'relation' AND granted
            AND relation = 'acme.sessions'::regclass ORDER BY mode
            """, [String(session.backendPID)]).compactMap { $0[0] }
        let strongest = modes.compactMap { m in LockLevel.allCases.first { $0.pgLocksMode == m } }.max()
        #expect(strongest == change.locks.map(\.mode).max())
        #expect(strongest == .rowExclusive)
        try session.execute("ROLLBACK")
        session.close()
    }
}

/// The longest statement the side session saw, written by its thread only and
/// read after it ended.
final class LongestWait {
    var seconds = 0.0
}
