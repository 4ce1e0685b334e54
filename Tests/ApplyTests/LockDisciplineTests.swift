@testable import Apply
import Foundation
import Plan
import Postgres
import State
import Testing

/// The lock discipline's decisions, with no server: the lock timeout against the
/// server's `deadlock_timeout`, the order foreign keys lock their tables in,
/// which changes are heavy, and retries bounded by the lock budget.
@Suite struct LockDisciplineTests {
    // MARK: Lock timeout

    @Test func theDefaultIs200msBelowTheUsualDeadlockTimeout() {
        let (timeout, warnings) = LockDiscipline.lockTimeout(asked: nil, deadlockTimeoutMilliseconds: 1000, database: "main")
        #expect(timeout == "200ms")
        #expect(warnings.isEmpty)
    }

    @Test func theDefaultIsLoweredBelowAShortDeadlockTimeoutAndSaysSo() {
        let (timeout, warnings) = LockDiscipline.lockTimeout(asked: nil, deadlockTimeoutMilliseconds: 150, database: "eu")
        #expect(timeout == "75ms")
        #expect(warnings == ["database 'eu': lock timeout lowered from the default 200ms to 75ms, below the server's deadlock_timeout 150ms"])
    }

    @Test func anExplicitTimeoutIsKeptWithAWarningWhenNotBelowDeadlockTimeout() {
        let (timeout, warnings) = LockDiscipline.lockTimeout(asked: "5s", deadlockTimeoutMilliseconds: 1000, database: "main")
        #expect(timeout == "5s")
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("database 'main': --lock-timeout 5s is not below the server's deadlock_timeout 1s: ") == true)
        #expect(LockDiscipline.lockTimeout(asked: "500ms", deadlockTimeoutMilliseconds: 1000, database: "main").warnings.isEmpty)
        #expect(LockDiscipline.lockTimeout(asked: "0", deadlockTimeoutMilliseconds: 1000, database: "main").warnings.count == 1)
    }

    // MARK: Foreign keys lock the referenced table first

    static func foreignKey(_ table: String, to referenced: String, schema: String? = nil) -> Change {
        Step.addConstraint(table: table, .foreignKey(ForeignKeyDeclaration(
            name: "\(table)_fk", columns: ["ref"], referencedSchema: schema, referencedTable: referenced,
            referencedColumns: ["id"]))).change(hazards: [.longLock, .mayFailOnExistingData])
    }

    static let addColumn = Change(op: .addColumn, action: .create, object: "column items.x",
                                  sql: #"ALTER TABLE "items" ADD COLUMN "x" integer"#)

    @Test func aForeignKeyNamesTheReferencedTableThenItsOwn() {
        #expect(Self.foreignKey("items", to: "accounts").lockFirst == [#""accounts""#, #""items""#])
        #expect(Self.foreignKey("items", to: "plans", schema: "public").lockFirst == [#""public"."plans""#, #""items""#])
        #expect(Self.foreignKey("nodes", to: "nodes").lockFirst == [#""nodes""#])
        #expect(Self.addColumn.lockFirst.isEmpty)
    }

    @Test func lockFirstRoundTripsThroughThePlanFileAndIsAbsentOtherwise() throws {
        let fk = Self.foreignKey("items", to: "accounts")
        let encoded = String(decoding: try JSONEncoder().encode(fk), as: UTF8.self)
        #expect(encoded.contains(#""lock_first":["\"accounts\"","\"items\""]"#), "\(encoded)")
        #expect(try JSONDecoder().decode(Change.self, from: Data(encoded.utf8)) == fk)
        #expect(!String(decoding: try JSONEncoder().encode(Self.addColumn), as: UTF8.self).contains("lock_first"))
    }

    @Test func theTablesAreLockedBeforeTheFirstChangeReferencedOnesFirst() {
        let sql = LockDiscipline.statements(
            for: [Self.addColumn, Self.foreignKey("items", to: "accounts"), Self.foreignKey("orders", to: "items")],
            tenant: "acme").map(\.sql)
        #expect(sql == [
            "SELECT set_config('search_path', $1, true)",
            #"LOCK TABLE "accounts" IN SHARE ROW EXCLUSIVE MODE"#,
            #"LOCK TABLE "items" IN SHARE ROW EXCLUSIVE MODE"#,
            #"LOCK TABLE "orders" IN SHARE ROW EXCLUSIVE MODE"#,
            #"ALTER TABLE "items" ADD COLUMN "x" integer"#,
            Self.foreignKey("items", to: "accounts").sql,
            Self.foreignKey("orders", to: "items").sql,
        ])
    }

    @Test func whenTheStageCreatesATableEachForeignKeyLocksRightBeforeItself() {
        let create = Change(op: .createTable, action: .create, object: "table accounts",
                            sql: #"CREATE TABLE "accounts" ("id" bigint)"#)
        let sql = LockDiscipline.statements(for: [create, Self.foreignKey("items", to: "accounts")], tenant: "acme")
            .map(\.sql)
        #expect(sql == [
            "SELECT set_config('search_path', $1, true)",
            create.sql,
            #"LOCK TABLE "accounts" IN SHARE ROW EXCLUSIVE MODE"#,
            #"LOCK TABLE "items" IN SHARE ROW EXCLUSIVE MODE"#,
            Self.foreignKey("items", to: "accounts").sql,
        ])
    }

    // MARK: Heavy changes

    @Test func heavyChangesAreTheOnesThatScanOrRewrite() {
        #expect(Self.foreignKey("items", to: "accounts").isHeavy)
        #expect(Change(op: .alterColumnType, action: .change, object: "c", sql: "", hazards: [.tableRewrite]).isHeavy)
        #expect(Change(op: .createIndex, action: .create, object: "i", sql: "", hazards: [.blocksWrites]).isHeavy)
        #expect(!Self.addColumn.isHeavy)
        #expect(!Change(op: .dropColumn, action: .drop, object: "c", sql: "", hazards: [.dataLoss]).isHeavy)
        // The online forms scan under SHARE UPDATE EXCLUSIVE: no hazard, but heavy.
        var concurrently = Change(op: .createIndexConcurrently, action: .create, object: "i", sql: "", transactional: false)
        #expect(!concurrently.isHeavy)
        concurrently.locks = [RelationLock("items", .shareUpdateExclusive, .scan)]
        #expect(concurrently.isHeavy)
        var validate = Change(op: .validateConstraint, action: .change, object: "c", sql: "")
        validate.locks = [RelationLock("items", .shareUpdateExclusive, .scan)]
        #expect(validate.isHeavy)
        var notValid = Change(op: .addConstraintNotValid, action: .create, object: "c", sql: "")
        notValid.locks = [RelationLock("items", .accessExclusive)]
        #expect(!notValid.isHeavy)
    }

    @Test func heavySlotsLetOneGoAtATimeAndAWaiterGiveUp() {
        let slots = HeavySlots(1)
        #expect(slots.take { false })
        let started = Date()
        #expect(!slots.take { Date().timeIntervalSince(started) > 0.25 })
        slots.give()
        #expect(slots.take { true })
    }

    @Test func defaultWorkersAreOnePerFourTenantsButTwoAtLeast() {
        let defaults = ApplyOptions()
        #expect(defaults.workers(parallelism: 4, tenants: 1) == 1)
        #expect(defaults.workers(parallelism: 4, tenants: 2) == 2)
        #expect(defaults.workers(parallelism: 4, tenants: 3) == 2)
        #expect(defaults.workers(parallelism: 4, tenants: 8) == 2)
        #expect(defaults.workers(parallelism: 4, tenants: 9) == 3)
        #expect(defaults.workers(parallelism: 4, tenants: 1_000) == 4)
        // The server's free connections bound it still.
        #expect(defaults.workers(parallelism: 1, tenants: 8) == 1)
        // Asked for: as many as asked, never more than the tenants.
        let asked = ApplyOptions(parallel: 4)
        #expect(asked.workers(parallelism: 4, tenants: 8) == 4)
        #expect(asked.workers(parallelism: 4, tenants: 3) == 3)
        #expect(asked.workers(parallelism: 2, tenants: 8) == 2)
    }

    // MARK: Retries within the budget

    @Test func lockTimeoutsAreRetriedWhileTheBudgetLastsWithoutACount() {
        let lockTimeout = TenantApplyMachine.ActionError.server(
            TenantResult.Failure(sqlState: "55P03", message: "canceling statement due to lock timeout"),
            transient: true, connectionLost: false)
        let set = PlanFile.ChangeSet(id: 1, from: "F", to: "T", changes: [Self.addColumn], held: [],
                                     tenants: ["main": ["acme"]])
        var m = TenantApplyMachine(changeSet: set, stamp: nil, retries: nil, budget: 30)
        for attempt in 1...40 {
            #expect(m.start() == .connect)
            #expect(m.connected() == .begin(stamp: nil))
            #expect(m.begun(stampMatched: false) == .readState)
            #expect(m.stateRead(fingerprint: "F") == .run([Self.addColumn]))
            let action = m.errorCaught(lockTimeout, lost: Double(attempt))
            if attempt < 30 {
                #expect(action == .retry(reconnect: false), "attempt \(attempt)")
            } else {
                #expect(action == .fail(lockTimeout.failure), "attempt \(attempt)")
                #expect(m.attempts == 30)
                return
            }
        }
    }

    // MARK: What the report and progress say

    @Test func theReportListsTenantsThatWaitedOutLockTimeoutsAndTheWarnings() {
        let report = ApplyReport(results: [
            TenantResult(database: "main", tenant: "acme", outcome: .applied, changeSet: 1, attempts: 2, lockTimeouts: 1),
            TenantResult(database: "main", tenant: "big", outcome: .applied, changeSet: 1, attempts: 15, lockTimeouts: 14),
            TenantResult(database: "main", tenant: "quiet", outcome: .applied, changeSet: 1, attempts: 1),
        ], warnings: ["database 'main': lock timeout lowered"])
        #expect(report.text() == """
              waited out lock timeouts: 2 tenants: big (14 times), acme (once)
            warning: database 'main': lock timeout lowered
            Apply: 3 applied, 0 already applied, 0 stale, 0 failed, 0 not started.
            """)
        #expect(report.results.map(\.lockTimeouts) == [1, 14, nil])
    }

    @Test func progressCountsAttemptsAgainstTheBudgetWithoutRetries() {
        let retry = ApplyProgress.Retry(
            tenant: "big", database: "main", attempt: 5, attempts: 0,
            failure: TenantResult.Failure(sqlState: "55P03", message: "canceling statement due to lock timeout"),
            budgetLeft: 26.2)
        #expect(ApplyProgress.retryLine(retry)
            == "  big: attempt 5 failed: 55P03 canceling statement due to lock timeout; trying again (26 s of --lock-budget left)")
        let queued = ApplyProgress.Activity(tenant: "t2", database: "main", attempt: 1, attempts: 0,
                                            step: ActivityBoard.Step.queued.label, seconds: 6)
        #expect(ApplyProgress.slowLine(queued)
            == "  t2: waiting for its turn to run heavy changes (--heavy-parallel) for 6.0 s (attempt 1)")
    }

    @Test func theLockTimeoutHintSaysWhatTheBudgetWas() {
        let lock = LockContention(relation: "acme.orders", lockTimeout: "200ms", timeouts: 31, holders: [],
                                  budget: "30s", secondsLost: 30.4)
        #expect(lock.hint == "tenantplan waited --lock-timeout 200ms, 31 times over 30 s (--lock-budget 30s), for a lock on acme.orders that another session held; retry later, or raise --lock-budget")
    }
}

extension TenantApplyMachine.ActionError {
    var failure: TenantResult.Failure {
        guard case .server(let failure, _, _) = self else { preconditionFailure() }
        return failure
    }
}
