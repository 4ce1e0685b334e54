import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import SQLSyntax
import State
import Synchronization
import Testing
import TestSupport

/// How `Applier` meets contention, in-process against the test server: lock timeouts
/// retried a bounded number of times, a lock released between tries, a deadlock it
/// loses, a session killed under it, and another applier holding the same tenant.
/// Each fault is real (another session holds the lock, the server picks the
/// deadlock victim, `pg_terminate_backend` ends the session).
@Suite struct LockAndRetryTests {
    static let before = """
        version: 1
        tables:
          accounts:
            columns:
              id: { type: bigint, nullable: false }
            primary_key: [id]
          orders:
            columns:
              id: { type: bigint, nullable: false }
              note: { type: text }
            primary_key: [id]

        """

    /// `before` plus one column on each table: changes that need ACCESS EXCLUSIVE on `accounts`, then `orders`.
    static let after = before
        .replacingOccurrences(of: "      id: { type: bigint, nullable: false }\n    primary_key: [id]\n  orders:",
                              with: "      id: { type: bigint, nullable: false }\n      tier: { type: integer }\n    primary_key: [id]\n  orders:")
        .replacingOccurrences(of: "      note: { type: text }\n", with: "      note: { type: text }\n      extra: { type: integer }\n")

    /// Tenants `t1`...`t3` in the state of `before`, and the plan to `after`.
    static func setUp(_ prefix: String, tenants: [String] = ["t1", "t2", "t3"]) async throws -> (Harness, PlanFile) {
        let h = try await Harness.make(prefix: prefix)
        let create = try h.plan(try DeclarationLoader.parse(yaml: before, file: "schema.yaml"), tenants: tenants)
        let created = try h.apply(create)
        try #require(created.succeeded, "\(describe(created))")
        try h.connection.execute("INSERT INTO t2.orders VALUES (1, 'keep me')")
        let plan = try h.plan(try DeclarationLoader.parse(yaml: after, file: "schema.yaml"), tenants: tenants)
        try #require(plan.changeSets.count == 1)
        #expect(plan.changeSets[0].changes.map(\.sql) == [#"ALTER TABLE "accounts" ADD COLUMN "tier" integer"#,
                                                          #"ALTER TABLE "orders" ADD COLUMN "extra" integer"#])
        return (h, plan)
    }

    /// Applies on a thread of its own (libpq blocks), so that the test can act meanwhile.
    static func applyInBackground(_ applier: Applier, _ plan: PlanFile) async throws -> ApplyReport {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try applier.apply(plan) }) }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// `applyInBackground`, and how long `apply` took, measured on its thread.
    static func applyInBackground(timed applier: Applier, _ plan: PlanFile) async throws -> (ApplyReport, TimeInterval) {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let started = Date()
                continuation.resume(with: Result { (try applier.apply(plan), Date().timeIntervalSince(started)) })
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// An applier session that waits for a lock.
    struct Waiter {
        var pid: Int32
        var query: String
        /// `Lock` events: `relation`, `advisory`, ...
        var event: String
        /// When its statement started: a retry starts a new one.
        var queryStart: String
    }

    /// The applier sessions of the connected database that wait for a lock (`pg_stat_activity`).
    static func waitingAppliers(_ c: Connection) throws -> [Waiter] {
        // Inside a transaction the statistics are a snapshot taken at their first read.
        try c.execute("SELECT pg_stat_clear_snapshot()")
        return try c.query("""
            SELECT pid::text, query, wait_event, query_start::text FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'tenantplan' AND wait_event_type = 'Lock'
            ORDER BY pid
            """).rows.map { Waiter(pid: Int32($0[0]!)!, query: $0[1] ?? "", event: $0[2] ?? "", queryStart: $0[3] ?? "") }
    }

    /// When the transaction of session `pid` started; nil when it is in none, or gone.
    static func transactionStart(of pid: Int32, _ c: Connection) throws -> String? {
        try c.execute("SELECT pg_stat_clear_snapshot()")
        return try c.query("SELECT xact_start::text FROM pg_stat_activity WHERE pid = $1", [String(pid)]).scalar
    }

    /// How long a side session may hold a lock, or wait for a condition, before the test
    /// gives up. A failing run's bound, never a duration a passing run needs: the lock is
    /// released as soon as the test is done with it. Generous, because the clock starts
    /// on the side session's own thread while the test's task may still wait for a thread
    /// of the cooperative pool, which the full suite keeps busy on 2 cores for a minute and
    /// more; a lock released on that clock let the applier through before it was meant to
    /// wait.
    static let sideSessionLimit: TimeInterval = 600

    /// A side session that takes a lock with `statement` in a transaction and
    /// holds it until `finished` is signalled (at most `sideSessionLimit`).
    static func holding(on db: TestDatabase, until finished: DispatchSemaphore, _ statement: String,
                        _ parameters: [String?] = []) -> SideSession {
        SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            try c.execute(statement, parameters)
            ready()
            _ = finished.wait(timeout: .now() + sideSessionLimit)
            try c.execute("ROLLBACK")
            return nil
        }
    }

    /// Polls every 5 ms on the calling thread until `condition` holds. For side sessions
    /// on plain threads, where timing matters: they do not wait for the cooperative pool.
    static func poll(_ what: String, timeout: TimeInterval = sideSessionLimit, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.005)
        }
        throw TestSupportError("timed out after \(Int(timeout)) s waiting until \(what)")
    }

    // MARK: Lock timeouts

    @Test func aLockTimeoutIsRetriedExactlyRetriesTimesThenTheTenantFailsUntouched() async throws {
        let (h, plan) = try await Self.setUp("retry_count")
        let before = try h.fingerprint("t2")
        let db = h.db
        let finished = DispatchSemaphore(value: 0)
        // Holds the lock until the run ends (at most a minute: a run that never ends fails, not hangs).
        let side = Self.holding(on: db, until: finished, "LOCK TABLE t2.accounts IN ACCESS EXCLUSIVE MODE")
        try await side.ready()
        let options = ApplyOptions(parallel: 3, lockTimeout: "100ms", retries: 3)
        let applier = Applier(connections: h.resolver, options: options)
        let (report, elapsed) = try await Self.applyInBackground(timed: applier, plan)
        finished.signal()
        _ = try await side.result()

        #expect(outcomes(report) == ["t1": .applied, "t2": .failed, "t3": .applied], "\(describe(report))")
        let failed = try #require(report.results.first { $0.tenant == "t2" })
        #expect(failed.attempts == 4, "one try and three retries: \(describe(report))")
        #expect(failed.failure?.sqlState == "55P03")
        #expect(failed.failure?.message == "canceling statement due to lock timeout")
        // Four waits of 100 ms and backoffs of at most 0.2 + 0.4 + 0.8 s (the lock is never released).
        #expect(elapsed < 15, "took \(elapsed) s")
        #expect(failed.seconds >= 0.4 && failed.seconds < 15, "\(failed.seconds) s")
        #expect(report.results.filter { $0.tenant != "t2" }.allSatisfy { $0.attempts == 1 })
        #expect(try h.fingerprint("t2") == before)
        #expect(try h.fingerprint("t1") == plan.changeSets[0].to)
    }

    /// Another session holds t2.orders until the applier's first try has timed out,
    /// then lets go, while the applier backs off or waits in its second try.
    @Test func aLockReleasedAfterTheFirstTryTimedOutIsTakenOnTheNextTry() async throws {
        let (h, plan) = try await Self.setUp("retry_release")
        let db = h.db
        let side = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            try c.execute("LOCK TABLE t2.orders IN ACCESS EXCLUSIVE MODE")
            ready()
            var first: (pid: Int32, transaction: String)?
            try Self.poll("the first try waits at t2.orders") {
                first = try Self.waitingAppliers(c).first { $0.event == "relation" }
                    .map { ($0.pid, try Self.transactionStart(of: $0.pid, c) ?? "") }
                return first != nil
            }
            // Timed out: the transaction of the first try is over. It can end no other way
            // while the lock is held; `query_start` or "nobody waits" could change or hold
            // for a moment under load without the first try having ended.
            try Self.poll("the first try timed out") {
                try Self.transactionStart(of: first!.pid, c) != first!.transaction
            }
            try c.execute("ROLLBACK")
            return nil
        }
        try await side.ready()
        // Each try waits 1 s: the second gives the side session ample time to let go.
        let applier = Applier(connections: h.resolver, options: ApplyOptions(parallel: 1, lockTimeout: "1s", retries: 5))
        let report = try await Self.applyInBackground(applier, plan)
        _ = try await side.result()

        #expect(outcomes(report) == ["t1": .applied, "t2": .applied, "t3": .applied], "\(describe(report))")
        #expect(report.results.first { $0.tenant == "t2" }?.attempts == 2, "\(describe(report))")
        #expect(try h.fingerprint("t2") == plan.changeSets[0].to)
        #expect(try h.rows("SELECT note FROM t2.orders") == [["keep me"]])
    }

    // MARK: Deadlock

    /// The applier holds ACCESS EXCLUSIVE on t2.accounts and waits for t2.orders, which
    /// another session holds and which then asks for t2.accounts. That session's
    /// `deadlock_timeout` is higher than the applier's, so that the server aborts the applier's statement
    /// (40P01); the applier rolls back, backs off and succeeds on the next try.
    @Test func aDeadlockTheApplierLosesIsRetriedAndTheOtherSessionGoesOn() async throws {
        let (h, plan) = try await Self.setUp("retry_deadlock")
        let db = h.db
        // The applier's sessions check for a deadlock after 2 s of waiting (one check per
        // wait): time enough for the other session to close the cycle first.
        try h.connection.execute("ALTER DATABASE \(quoteIdentifier(db.name)) SET deadlock_timeout = '2s'")
        let side = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            try c.execute("SET LOCAL deadlock_timeout = '30s'")
            try c.execute("LOCK TABLE t2.orders IN ACCESS SHARE MODE")
            ready()
            try Self.poll("the applier waits at orders") {
                try Self.waitingAppliers(c).contains { $0.query.hasPrefix(#"ALTER TABLE "orders""#) }
            }
            // Blocks behind the applier's ACCESS EXCLUSIVE lock on accounts until the server breaks the cycle.
            let count = try c.query("SELECT count(*) FROM t2.accounts").scalar
            try c.execute("COMMIT")
            return count
        }
        try await side.ready()
        let applier = Applier(connections: h.resolver, options: ApplyOptions(parallel: 1, lockTimeout: "30s", retries: 2))
        let report = try await Self.applyInBackground(applier, plan)
        let otherResult = try await side.result()

        #expect(otherResult == "0", "the other session went on after the deadlock")
        #expect(outcomes(report) == ["t1": .applied, "t2": .applied, "t3": .applied], "\(describe(report))")
        #expect(report.results.first { $0.tenant == "t2" }?.attempts == 2, "\(describe(report))")
        #expect(try h.fingerprint("t2") == plan.changeSets[0].to)
    }

    // MARK: A killed session

    /// One worker, one connection for every tenant: its session is terminated while it
    /// waits in the middle of t2's changes. The worker opens a new connection, t2's first
    /// change is gone with the old transaction, and the retry applies both.
    @Test func aTerminatedSessionIsReplacedAndTheTenantRetriedFromItsStart() async throws {
        let (h, plan) = try await Self.setUp("retry_terminate")
        let db = h.db
        let side = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            try c.execute("LOCK TABLE t2.orders IN ACCESS SHARE MODE")
            ready()
            var first: Int32 = 0
            try Self.poll("the applier waits at orders") {
                first = try Self.waitingAppliers(c).first { $0.query.hasPrefix(#"ALTER TABLE "orders""#) }?.pid ?? 0
                return first != 0
            }
            // t1 was done on this very session: it is the only connection of the run. Its first
            // change to t2, made in the open transaction, is not visible (pg_attribute takes no lock).
            let sessions = try c.query("""
                SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenantplan'
                """).scalar ?? ""
            let columns = try c.query("""
                SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = 't2.accounts'::regclass AND attnum > 0
                """).scalar ?? ""
            let terminated = try c.query("SELECT pg_terminate_backend($1::int)", [String(first)]).scalar ?? ""
            try Self.poll("a new session waits at orders") {
                try Self.waitingAppliers(c).contains { $0.pid != first && $0.query.hasPrefix(#"ALTER TABLE "orders""#) }
            }
            try c.execute("ROLLBACK")
            return "sessions=\(sessions) accounts=\(columns) terminated=\(terminated)"
        }
        try await side.ready()
        let applier = Applier(connections: h.resolver, options: ApplyOptions(parallel: 1, lockTimeout: "30s", retries: 1))
        let report = try await Self.applyInBackground(applier, plan)
        #expect(try await side.result() == "sessions=1 accounts=id terminated=t")

        #expect(outcomes(report) == ["t1": .applied, "t2": .applied, "t3": .applied], "\(describe(report))")
        #expect(report.results.first { $0.tenant == "t2" }?.attempts == 2, "\(describe(report))")
        #expect(report.results.first { $0.tenant == "t3" }?.attempts == 1, "t3 runs on the new connection")
        #expect(try h.fingerprint("t2") == plan.changeSets[0].to)
        #expect(try h.rows("SELECT note FROM t2.orders") == [["keep me"]])
    }

    // MARK: Another applier

    /// Another applier holds t2 for longer than `--lock-budget`: the applier tries
    /// t2's lock for the budget, then waits once under `lock_timeout` and gives up
    /// with the server's own lock timeout, naming the session that holds it; t2 is
    /// untouched and the other tenants are applied.
    @Test func anotherApplierHoldingTheTenantPastTheBudgetFailsItWithTheServersLockTimeout() async throws {
        let (h, plan) = try await Self.setUp("retry_advisory_budget")
        let before = try h.fingerprint("t2")
        let db = h.db
        let finished = DispatchSemaphore(value: 0)
        let side = Self.holding(on: db, until: finished, "SELECT pg_advisory_xact_lock($1::int4, hashtext($2))",
                                [String(Applier.lockClass), "t2"])
        try await side.ready()
        let applier = Applier(connections: h.resolver,
                              options: ApplyOptions(parallel: 2, lockTimeout: "100ms", retries: 0, lockBudget: 1))
        let report = try await Self.applyInBackground(applier, plan)
        finished.signal()
        _ = try await side.result()

        #expect(outcomes(report) == ["t1": .applied, "t2": .failed, "t3": .applied], "\(describe(report))")
        let failed = try #require(report.results.first { $0.tenant == "t2" })
        #expect(failed.failure?.sqlState == "55P03", "\(describe(report))")
        #expect(failed.failure?.statement?.contains("pg_advisory_xact_lock") == true, "\(describe(report))")
        #expect(failed.seconds >= 1, "it tried for the whole budget first: \(failed.seconds) s")
        #expect(try h.fingerprint("t2") == before)
    }

    /// Another applier (here, a session that took the tenant's advisory lock and makes
    /// the same change) holds t2: the applier waits for it, re-reads t2 and finds it
    /// already in the planned state, so it changes nothing there. It waits by trying
    /// the lock, ending its transaction after each try (never queueing in the
    /// server, where its snapshot would hold up the other's concurrent builds): the
    /// side session sees those tries as the database's rolled-back transactions.
    @Test func anApplierWaitsForAnotherHoldingTheTenantAndFindsItAlreadyApplied() async throws {
        let (h, plan) = try await Self.setUp("retry_advisory")
        let db = h.db
        let side = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            try c.execute("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))", [String(Applier.lockClass), "t2"])
            ready()
            let rolledBack = "SELECT xact_rollback::text FROM pg_stat_database WHERE datname = current_database()"
            try c.execute("SELECT pg_stat_clear_snapshot()")
            let before = Int(try c.query(rolledBack).scalar ?? "") ?? 0
            // t1 and t3 commit; only t2's tries end in a rollback. Whenever the side
            // session looks, no applier queues in the server for t2's lock.
            var queued: [Waiter] = []
            try Self.poll("the applier tries t2's advisory lock again and again") {
                queued += try Self.waitingAppliers(c).filter { $0.event == "advisory" }
                try c.execute("SELECT pg_stat_clear_snapshot()")
                return (Int(try c.query(rolledBack).scalar ?? "") ?? 0) >= before + 3
            }
            #expect(queued.isEmpty, "no applier queues for the tenant's lock: \(queued)")
            try c.execute("SELECT set_config('search_path', 't2', true)")
            try c.execute(#"ALTER TABLE "accounts" ADD COLUMN "tier" integer"#)
            try c.execute(#"ALTER TABLE "orders" ADD COLUMN "extra" integer"#)
            try c.execute("COMMIT")
            return nil
        }
        try await side.ready()
        let applier = Applier(connections: h.resolver, options: ApplyOptions(parallel: 2))
        let report = try await Self.applyInBackground(applier, plan)
        _ = try await side.result()

        #expect(outcomes(report) == ["t1": .applied, "t2": .alreadyApplied, "t3": .applied], "\(describe(report))")
        #expect(report.results.allSatisfy { $0.attempts == 1 })
        #expect(try h.fingerprint("t2") == plan.changeSets[0].to)
    }
}

/// A session run on a plain thread by a script that blocks (libpq) and polls with
/// exact timing; the script calls `ready()` once it holds what the test needs.
///
/// Locks that an applier waits for are held here, never by the test's own task: should
/// the script fail, its connection closes and the applier goes on, so a failing test
/// ends instead of waiting forever for an applier that waits for the test.
final class SideSession: Sendable {
    private let outcome = Mutex<Result<String?, any Error>?>(nil)
    private let readySignal = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(_ script: @escaping @Sendable (_ ready: () -> Void) throws -> String?) {
        Thread.detachNewThread { [self] in
            let result = Result { try script { self.readySignal.signal() } }
            outcome.withLock { $0 = result }
            readySignal.signal()  // a script that failed early must not leave `ready()` waiting
            done.signal()
        }
    }

    /// Waits until the script called `ready()`; throws if it failed first.
    func ready(timeout: TimeInterval = LockAndRetryTests.sideSessionLimit) async throws {
        guard await Self.wait(readySignal, timeout) else { throw TestSupportError("the side session did not get ready") }
        if case .failure(let error)? = stored() { throw error }
    }

    /// Waits for the script to end and returns what it returned.
    func result(timeout: TimeInterval = LockAndRetryTests.sideSessionLimit) async throws -> String? {
        guard await Self.wait(done, timeout) else {
            throw TestSupportError("the side session did not finish within \(Int(timeout)) s")
        }
        return try (stored() ?? .failure(TestSupportError("no result"))).get()
    }

    private func stored() -> Result<String?, any Error>? {
        outcome.withLock { $0 }
    }

    private static func wait(_ semaphore: DispatchSemaphore, _ timeout: TimeInterval) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: semaphore.wait(timeout: .now() + timeout) == .success) }
        }
    }
}
