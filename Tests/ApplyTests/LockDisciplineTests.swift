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
    }

    @Test func heavySlotsLetOneGoAtATimeAndAWaiterGiveUp() {
        let slots = HeavySlots(1)
        #expect(slots.take { false })
        let started = Date()
        #expect(!slots.take { Date().timeIntervalSince(started) > 0.25 })
        slots.give()
        #expect(slots.take { true })
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
}

extension TenantApplyMachine.ActionError {
    var failure: TenantResult.Failure {
        guard case .server(let failure, _, _) = self else { preconditionFailure() }
        return failure
    }
}
