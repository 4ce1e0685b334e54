import Apply
import Catalog
import Foundation
import Plan
import Postgres
import State
import Synchronization
import Testing
import TestSupport

/// What `apply` tells while it runs and when it stops, in-process against the test
/// server: the session that holds a lock is named on a lock timeout and while the
/// wait lasts, retries are reported as they happen, and an interrupt stops the run
/// (once: nothing new starts; twice: the tenant in flight is rolled back at once).
/// Each lock is held for real by another session (`SideSession`).
@Suite struct InterruptAndProgressTests {
    typealias Fixture = LockAndRetryTests

    /// Progress snapshots, as a run reports them.
    final class Recorder: Sendable {
        private let snapshots = Mutex<[ApplyProgress]>([])
        func record(_ progress: ApplyProgress) { snapshots.withLock { $0.append(progress) } }
        var all: [ApplyProgress] { snapshots.withLock { $0 } }
    }

    /// A side session, named `billing-worker`, holds `table` in ACCESS EXCLUSIVE mode
    /// until `release` is signalled (at most `Fixture.sideSessionLimit`); returns its pid.
    static func holdLock(_ db: TestDatabase, _ table: String, until release: DispatchSemaphore) -> SideSession {
        SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("SET application_name = 'billing-worker'")
            try c.execute("BEGIN")
            try c.execute("LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
            let pid = String(c.backendPID)
            ready()
            _ = release.wait(timeout: .now() + Fixture.sideSessionLimit)
            try c.execute("ROLLBACK")
            return pid
        }
    }

    // MARK: Lock timeouts name the blocker

    @Test func aLockTimeoutNamesTheSessionThatHeldTheLockAndSaysWhatToDo() async throws {
        let (h, plan) = try await Fixture.setUp("lock_blocker")
        let before = try h.fingerprint("t2")
        let release = DispatchSemaphore(value: 0)
        let side = Self.holdLock(h.db, "t2.accounts", until: release)
        try await side.ready()
        let applier = Applier(connections: h.resolver, options: ApplyOptions(parallel: 2, lockTimeout: "2s", retries: 1))
        let report = try await Fixture.applyInBackground(applier, plan)
        release.signal()
        let holderPID = try #require(try await side.result().flatMap { Int32($0) })

        #expect(outcomes(report) == ["t1": .applied, "t2": .failed, "t3": .applied], "\(describe(report))")
        let failure = try #require(report.results.first { $0.tenant == "t2" }?.failure)
        #expect(failure.sqlState == SQLState.lockNotAvailable.rawValue)
        let lock = try #require(failure.lock, "\(describe(report))")
        #expect(lock.relation == "t2.accounts")
        #expect(lock.lockTimeout == "2s")
        #expect(lock.timeouts == 2, "one try and one retry")
        let holder = try #require(lock.holders.first)
        #expect(lock.holders.count == 1)
        #expect(holder.pid == holderPID)
        #expect(holder.application == "billing-worker")
        #expect(holder.state == "idle in transaction")
        #expect((holder.transactionSeconds ?? 0) > 0.5, "\(holder)")
        #expect(holder.query == "LOCK TABLE t2.accounts IN ACCESS EXCLUSIVE MODE")
        let text = report.text()
        #expect(text.contains("      blocked by: pid \(holderPID) (billing-worker, idle in transaction, transaction open "), "\(text)")
        #expect(text.contains("      hint: a session holds a lock on t2.accounts; tenantplan waited --lock-timeout 2s, 2 times over "), "\(text)")
        #expect(text.contains(" (--lock-budget 30s); retry later, end that session, or raise --retries or --lock-budget"), "\(text)")
        // 2 s is not below the test server's deadlock_timeout (1 s): said, and kept.
        #expect(report.warnings == ["database 'main': --lock-timeout 2s is not below the server's deadlock_timeout 1s: a deadlock with the application may be broken by aborting the application's transaction instead of tenantplan's; use a lock timeout below 1s"])
        // Other failures carry no lock details.
        #expect(report.results.allSatisfy { $0.tenant == "t2" || $0.failure == nil })
        #expect(try h.fingerprint("t2") == before)
    }

    // MARK: Progress

    /// One worker waits at t2.orders (2 s lock timeout, up to 20 tries) while the
    /// progress, every 0.2 s, shows the wait, its relation and holder, then the
    /// retry; once both were seen the side session lets go and t2 is applied.
    @Test func progressShowsALockWaitWhileItLastsAndEachRetry() async throws {
        let (h, plan) = try await Fixture.setUp("progress_wait")
        let release = DispatchSemaphore(value: 0)
        let side = Self.holdLock(h.db, "t2.orders", until: release)
        try await side.ready()
        let recorder = Recorder()
        let applier = Applier(
            connections: h.resolver, options: ApplyOptions(parallel: 1, lockTimeout: "2s", retries: 20),
            progress: { recorder.record($0) }, progressInterval: 0.2)
        let releaser = Thread {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let seen = recorder.all
                if seen.contains(where: { !$0.retries.isEmpty }) && seen.contains(where: { $0.active.contains { $0.lockWait != nil } }) {
                    break
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            release.signal()
        }
        releaser.start()
        let report = try await Fixture.applyInBackground(applier, plan)
        let holderPID = try #require(try await side.result().flatMap { Int32($0) })
        let seen = recorder.all

        #expect(outcomes(report) == ["t1": .applied, "t2": .applied, "t3": .applied], "\(describe(report))")
        let attempts = try #require(report.results.first { $0.tenant == "t2" }?.attempts)
        #expect(attempts >= 2)
        let waiting = try #require(seen.lazy.compactMap { $0.active.first { $0.lockWait != nil } }.first)
        #expect(waiting.tenant == "t2")
        #expect(waiting.step == "running its changes")
        #expect(waiting.lockWait?.relation == "t2.orders")
        #expect(waiting.lockWait?.holders.map(\.pid) == [holderPID])
        #expect(waiting.lockWait?.holders.first?.application == "billing-worker")
        let retry = try #require(seen.lazy.flatMap(\.retries).first)
        #expect(retry.tenant == "t2")
        #expect(retry.attempts == 21)
        #expect(retry.failure?.sqlState == SQLState.lockNotAvailable.rawValue)
        #expect(seen.flatMap(\.retries).contains { $0.holders.map(\.pid) == [holderPID] }, "a retry says who blocked it")
        // Each retry is reported once.
        #expect(seen.flatMap(\.retries).count == attempts - 1)
        #expect(seen.allSatisfy { $0.total == 3 && $0.finished <= 3 })
        #expect(seen.last.map { $0.finished >= 1 } == true)
    }

    // MARK: Interrupts

    /// One worker waits at t2.accounts with a 2 s lock timeout and 10 retries; an
    /// interrupt arrives while it waits: the wait runs out, no retry follows, t2 is
    /// rolled back (reported interrupted) and t3 is not started.
    @Test func interruptedOnceTheTenantInFlightIsNotRetriedAndNoTenantStarts() async throws {
        let (h, plan) = try await Fixture.setUp("interrupt_once")
        let before = try h.fingerprint("t2")
        let release = DispatchSemaphore(value: 0)
        let side = Self.holdLock(h.db, "t2.accounts", until: release)
        try await side.ready()
        let interruption = ApplyInterruption()
        let applier = Applier(connections: h.resolver, options: ApplyOptions(parallel: 1, lockTimeout: "2s", retries: 10),
                              interruption: interruption)
        let db = h.db
        let interrupter = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            ready()
            try Fixture.poll("the applier waits at accounts") {
                try Fixture.waitingAppliers(c).contains { $0.query.hasPrefix(#"ALTER TABLE "accounts""#) }
            }
            return interruption.interrupt() == .stopping ? "stopping" : "?"
        }
        try await interrupter.ready()
        let (report, elapsed) = try await Fixture.applyInBackground(timed: applier, plan)
        release.signal()
        _ = try await side.result()
        #expect(try await interrupter.result() == "stopping")

        #expect(outcomes(report) == ["t1": .applied, "t2": .interrupted, "t3": .notStarted], "\(describe(report))")
        let t2 = try #require(report.results.first { $0.tenant == "t2" })
        #expect(t2.attempts == 1, "no retry after the interrupt")
        #expect(t2.failure?.sqlState == SQLState.lockNotAvailable.rawValue)
        #expect(elapsed < 10, "\(elapsed) s")
        #expect(report.interrupted)
        #expect(report.text().contains("Interrupted: 1 tenant not started, 1 rolled back; run the same apply again to continue."))
        #expect(try h.fingerprint("t2") == before)
        #expect(try h.fingerprint("t3") == before)
        #expect(try h.fingerprint("t1") == plan.changeSets[0].to)
    }

    /// With a 60 s lock timeout, the second interrupt cancels t2's waiting statement:
    /// the run ends within seconds and t2 is rolled back, its first change gone too.
    @Test func interruptedTwiceTheTenantInFlightIsRolledBackAtOnce() async throws {
        let (h, plan) = try await Fixture.setUp("interrupt_twice")
        let before = try h.fingerprint("t2")
        let release = DispatchSemaphore(value: 0)
        let side = Self.holdLock(h.db, "t2.orders", until: release)
        try await side.ready()
        let interruption = ApplyInterruption()
        let applier = Applier(connections: h.resolver, options: ApplyOptions(parallel: 1, lockTimeout: "60s", retries: 3),
                              interruption: interruption)
        let db = h.db
        let interrupter = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            ready()
            try Fixture.poll("the applier waits at orders") {
                try Fixture.waitingAppliers(c).contains { $0.query.hasPrefix(#"ALTER TABLE "orders""#) }
            }
            interruption.interrupt()
            Thread.sleep(forTimeInterval: 0.5)
            // Still waiting: a first interrupt cancels nothing.
            let stillWaiting = try Fixture.waitingAppliers(c).contains { $0.query.hasPrefix(#"ALTER TABLE "orders""#) }
            let cancelledAt = Date()
            interruption.interrupt()
            try Fixture.poll("the applier stops waiting", timeout: 20) { try Fixture.waitingAppliers(c).isEmpty }
            return "\(stillWaiting) \(Date().timeIntervalSince(cancelledAt) < 5)"
        }
        try await interrupter.ready()
        let (report, elapsed) = try await Fixture.applyInBackground(timed: applier, plan)
        release.signal()
        _ = try await side.result()

        #expect(try await interrupter.result() == "true true")
        #expect(elapsed < 30, "\(elapsed) s: the 60 s lock wait was cut short")
        #expect(outcomes(report) == ["t1": .applied, "t2": .interrupted, "t3": .notStarted], "\(describe(report))")
        let t2 = try #require(report.results.first { $0.tenant == "t2" })
        #expect(t2.failure?.sqlState == SQLState.queryCanceled.rawValue, "\(describe(report))")
        #expect(t2.attempts == 1)
        #expect(try h.fingerprint("t2") == before, "t2's first change was rolled back with the second")
        #expect(try h.rows("SELECT note FROM t2.orders") == [["keep me"]])
    }

    @Test func anInterruptBeforeTheRunStartsNothing() async throws {
        let (h, plan) = try await Fixture.setUp("interrupt_first")
        let interruption = ApplyInterruption()
        interruption.interrupt()
        let report = try Applier(connections: h.resolver, interruption: interruption).apply(plan)
        #expect(outcomes(report) == ["t1": .notStarted, "t2": .notStarted, "t3": .notStarted])
        #expect(report.interrupted)
        #expect(report.stoppedReason == "interrupted: no further tenants were started")
        #expect(report.text().hasSuffix("Interrupted: 3 tenants not started; run the same apply again to continue.\nApply: 0 applied, 0 already applied, 0 stale, 0 failed, 3 not started."))
    }
}
