@testable import Apply
import Foundation
import Plan
import Postgres
import SQLSyntax
import State
import Testing
import TestSupport

/// `apply` against a live, populated fleet under an application load
/// (`ApplicationLoad`): each change kind goes through while the application's
/// statements neither fail nor wait long; behind a long reader, the application
/// hardly waits and the change goes through once the reader is gone; a foreign
/// key locks its referenced table first; heavy changes run one tenant at a time.
///
/// Bounds are generous (a noisy two-core machine runs other tests meanwhile);
/// exact figures are `bench/online.sh`'s.
@Suite(.serialized) struct ApplicationLoadTests {
    static let base = """
        version: 1
        tables:
          accounts:
            columns:
              id: { type: bigint, nullable: false }
              name: { type: text }
            primary_key: [id]
          items:
            columns:
              id: { type: integer, nullable: false }
              account_id: { type: bigint }
              qty: { type: integer }
              code: { type: text }
            primary_key: [id]

        """

    /// The change kinds of issue 11's measurements, each as an edit of `base`.
    enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
        case addIndex, addUnique, addVolatileColumn, addForeignKey, addCheck, setNotNull, intToBigint, addColumn

        var description: String { rawValue }

        func declaration(_ base: String) -> String {
            switch self {
            case .addIndex: base + "    indexes:\n      items_qty_idx: { columns: [qty] }\n"
            case .addUnique: base + "    unique:\n      items_code_key: [code]\n"
            case .addVolatileColumn:
                base.replacingOccurrences(of: "      code: { type: text }\n",
                                          with: "      code: { type: text }\n      added_at: { type: timestamptz, default: clock_timestamp() }\n")
            case .addForeignKey:
                base + "    foreign_keys:\n      items_account_id_fkey:\n        columns: [account_id]\n"
                    + "        references: { table: accounts, columns: [id] }\n"
            case .addCheck: base + "    checks:\n      items_qty_check: \"qty >= 0\"\n"
            case .setNotNull:
                base.replacingOccurrences(of: "qty: { type: integer }", with: "qty: { type: integer, nullable: false }")
            case .intToBigint:
                base.replacingOccurrences(of: "      id: { type: integer, nullable: false }",
                                          with: "      id: { type: bigint, nullable: false }")
            case .addColumn:
                base.replacingOccurrences(of: "      code: { type: text }\n", with: "      code: { type: text }\n      note: { type: text }\n")
            }
        }
    }

    static let tenants = ["big", "s1", "s2"]
    static let bigRows = 10_000

    /// Tenants `big` (`bigRows` items) and two small ones in the state of `base`, and the plan to `kind`.
    static func setUp(_ prefix: String, _ kind: Kind, tenants: [String] = tenants,
                      transactional: Bool = false) async throws -> (Harness, PlanFile) {
        let h = try await Harness.make(prefix: prefix)
        // Seconds of blocking libpq work: on a thread of its own, not the (small)
        // cooperative pool, which other tests' side sessions wait to resume on.
        let box = Unchecked(h)
        let plan = try await offPool { try build(box.value, kind, tenants: tenants, transactional: transactional) }
        return (h, plan)
    }

    static func build(_ h: Harness, _ kind: Kind, tenants: [String], transactional: Bool = false) throws -> PlanFile {
        let created = try h.apply(try h.plan(try DeclarationLoader.parse(yaml: base, file: "schema.yaml"), tenants: tenants))
        guard created.succeeded else { throw TestSupportError(describe(created)) }
        for tenant in tenants {
            let rows = tenant == "big" ? bigRows : 200
            try h.run([
                "INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 50) g",
                "INSERT INTO items SELECT g, 1 + g % 50, g % 7, 'c' || g FROM generate_series(1, \(rows)) g",
                "ANALYZE accounts", "ANALYZE items",
            ], in: tenant)
        }
        let plan = try h.plan(try DeclarationLoader.parse(yaml: kind.declaration(base), file: "schema.yaml"), tenants: tenants,
                              transactional: transactional)
        guard plan.changeSets.count == 1 && !plan.changeSets[0].changes.isEmpty else {
            throw TestSupportError("expected one change set with changes for \(kind)")
        }
        return plan
    }

    /// The application's transaction: touches an account (the parent), then adds
    /// an item (its child), updates and reads another; half of them on `big`.
    static func transaction(client: Int, number: Int) -> [ApplicationLoad.Statement] {
        let tenant = quoteIdentifier(number % 2 == 0 ? "big" : tenants[1 + (client + number) % 2])
        let id = String(1_000_000 + client * 100_000 + number)
        let other = String(1 + (number * 7919 + client * 31) % 200)
        let account = String(1 + (client + number) % 50)
        return [
            .init("UPDATE \(tenant).accounts SET name = name WHERE id = $1", [account]),
            .init("INSERT INTO \(tenant).items (id, account_id, qty, code) VALUES ($1, $2, 1, $3)", [id, account, "L" + id]),
            .init("UPDATE \(tenant).items SET qty = qty + 1 WHERE id = $1", [other]),
            .init("SELECT qty FROM \(tenant).items WHERE id = $1", [other]),
        ]
    }

    static func load(_ h: Harness, duration: TimeInterval = 30) -> ApplicationLoad {
        ApplicationLoad(conninfo: h.db.conninfo, clients: 4, rate: 80, duration: duration,
                        transaction: { transaction(client: $0, number: $1) })
    }

    static func pause(_ seconds: Double) async throws {
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }

    // MARK: Each change kind under load

    /// Applies `plan` while the application load runs, from half a second
    /// before to a little after; expects success, no application error, some
    /// traffic. Returns what the application felt and how long `apply` took.
    static func applyUnderLoad(_ h: Harness, _ plan: PlanFile, _ options: ApplyOptions,
                               sourceLocation: Testing.SourceLocation = #_sourceLocation)
        async throws -> (ApplicationLoad.Summary, TimeInterval) {
        let load = Self.load(h)
        try await offPool { try load.start() }
        try await Self.pause(0.5)
        let (report, seconds) = try await LockAndRetryTests.applyInBackground(
            timed: Applier(connections: h.resolver, options: options), plan)
        try await Self.pause(0.3)
        load.stop()
        let summary = await load.finish()
        #expect(report.succeeded, "\(describe(report))", sourceLocation: sourceLocation)
        #expect(summary.errors.count == 0, "\(summary)", sourceLocation: sourceLocation)
        #expect(summary.transactions > 50, "\(summary)", sourceLocation: sourceLocation)
        return (summary, seconds)
    }

    @Test(arguments: Kind.allCases)
    func eachChangeKindGoesThroughUnderLoadWithoutFailingTheApplication(_ kind: Kind) async throws {
        let (h, plan) = try await Self.setUp("online_\(kind.rawValue.lowercased())", kind)
        let (summary, seconds) = try await Self.applyUnderLoad(h, plan, ApplyOptions())
        // The plain forms hold their lock while they scan or rewrite 20,000 rows: bounded, not short.
        #expect(summary.longest < 5, "\(summary)")
        #expect(seconds < 30, "apply took \(seconds) s")
        for tenant in Self.tenants { #expect(try h.fingerprint(tenant) == plan.changeSets[0].to, "\(tenant)") }
        #expect(try h.rows("SELECT count(*) > \(Self.bigRows) FROM big.items") == [["t"]])
    }

    // MARK: A volatile default's backfill under load

    /// The column added with `clock_timestamp()` takes its online form: added
    /// bare, `SET DEFAULT`, a batched backfill outside the tenant's transaction
    /// (each batch its own transaction, row locks only). Under the application's
    /// load, its longest wait stays short (the rewrite holds ACCESS EXCLUSIVE for
    /// the whole table), no statement fails, and every row has a value.
    @Test func aVolatileDefaultIsBackfilledInBatchesWhileTheApplicationHardlyWaits() async throws {
        let (h, plan) = try await Self.setUp("online_backfill", .addVolatileColumn)
        #expect(plan.changeSets[0].changes.map(\.op.rawValue) == ["add_column", "set_default", "add_constraint_not_valid",
                                                                 "backfill_column", "drop_constraint"])
        #expect(!plan.changeSets[0].changes.contains { $0.hazards.contains(.tableRewrite) })
        var options = ApplyOptions()
        options.backfillBatch = 1000
        let (summary, seconds) = try await Self.applyUnderLoad(h, plan, options)
        // One batch of 1,000 rows at most holds a row the application updates.
        #expect(summary.longest < 1, "\(summary)")
        #expect(seconds < 30, "apply took \(seconds) s")
        for tenant in Self.tenants {
            #expect(try h.fingerprint(tenant) == plan.changeSets[0].to, "\(tenant)")
            #expect(try h.rows("SELECT count(*) FILTER (WHERE added_at IS NULL) FROM \(quoteIdentifier(tenant)).items")
                    == [["0"]], "\(tenant)")
        }
    }

    // MARK: Behind a long reader

    /// A reader keeps a transaction open on big.items for 3 s while an instant
    /// change to it is applied with the default flags. The waiting `ALTER` would
    /// queue every application statement on that table behind it for as long as it
    /// waits; under a 200 ms lock timeout, tried again about every second, the
    /// application hardly notices, and the change goes through once the reader is gone.
    @Test func behindALongReaderTheApplicationHardlyWaitsAndTheChangeGoesThroughAfterIt() async throws {
        let (h, plan) = try await Self.setUp("online_reader", .addColumn)
        let load = Self.load(h)
        try await offPool { try load.start() }
        let db = h.db
        let hold = 3.0
        let reader = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            _ = try c.query("SELECT count(*) FROM big.items")
            ready()
            Thread.sleep(forTimeInterval: hold)
            try c.execute("COMMIT")
            return String(Date().timeIntervalSince1970)
        }
        try await reader.ready()
        let started = Date()
        let (report, _) = try await LockAndRetryTests.applyInBackground(
            timed: Applier(connections: h.resolver, options: ApplyOptions()), plan)
        let applied = Date()
        let readerEnded = Date(timeIntervalSince1970: try #require(Double(try await reader.result() ?? "")))
        try await Self.pause(0.3)
        load.stop()
        let summary = await load.finish()

        #expect(report.succeeded, "\(describe(report))")
        let big = try #require(report.results.first { $0.tenant == "big" })
        #expect((big.lockTimeouts ?? 0) >= 2, "it waited out the reader: \(describe(report))")
        #expect(report.text().contains("  waited out lock timeouts: 1 tenant: big ("), "\(report.text())")
        #expect(applied > readerEnded, "the change went through after the reader")
        #expect(applied.timeIntervalSince(readerEnded) < 3, "and soon after: \(applied.timeIntervalSince(readerEnded)) s")
        #expect(applied.timeIntervalSince(started) < 10)
        #expect(summary.errors.count == 0, "\(summary)")
        // 0.2 s lock timeout plus the rest of the tenant's transaction; 5 s before (the whole wait).
        #expect(summary.longest < 1.0, "\(summary)")
        #expect(try h.fingerprint("big") == plan.changeSets[0].to)
    }

    // MARK: Foreign keys

    /// The application updates an account (holding ROW EXCLUSIVE on accounts) and,
    /// in the same transaction, then inserts an item, while a foreign key from items
    /// to accounts is added. `ADD FOREIGN KEY` alone would lock items first and wait
    /// for accounts, and the application's insert would wait for it: a deadlock,
    /// broken only by the applier's lock timeout. Locking accounts first, the
    /// applier waits without holding items, and the insert goes through at once.
    @Test func aForeignKeyLocksTheReferencedTableFirstSoTheApplicationsInsertDoesNotWait() async throws {
        let (h, plan) = try await Self.setUp("online_fk_order", .addForeignKey, tenants: ["big"])
        // Online: the NOT VALID addition locks both tables, referenced first; VALIDATE takes no such lock.
        #expect(plan.changeSets[0].changes.map(\.lockFirst) == [[#""accounts""#, #""items""#], []])
        let db = h.db
        // Neither side runs the deadlock check within the test: only lock timeouts end waits.
        try h.connection.execute("ALTER DATABASE \(quoteIdentifier(db.name)) SET deadlock_timeout = '20s'")
        let app = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            try c.execute("UPDATE big.accounts SET name = name WHERE id = 1")
            ready()
            try LockAndRetryTests.poll("the applier waits for a table lock", timeout: 30) {
                try LockAndRetryTests.waitingAppliers(c).contains { $0.event == "relation" }
            }
            let started = Date()
            try c.execute("INSERT INTO big.items (id, account_id, qty, code) VALUES (999999, 1, 1, 'x')")
            let waited = Date().timeIntervalSince(started)
            try c.execute("COMMIT")
            return String(waited)
        }
        try await app.ready()
        let options = ApplyOptions(parallel: 1, lockTimeout: "4s", retries: 3)
        let report = try await LockAndRetryTests.applyInBackground(Applier(connections: h.resolver, options: options), plan)
        let waited = try #require(Double(try await app.result() ?? ""))

        #expect(outcomes(report) == ["big": .applied], "\(describe(report))")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        // Before: the insert waited for the applier's lock timeout (4 s).
        #expect(waited < 1.5, "the application's insert waited \(waited) s")
        #expect(report.results.first?.attempts == 1, "\(describe(report))")
        #expect(try h.rows("SELECT count(*) FROM big.items WHERE id = 999999") == [["1"]])
        #expect(try h.fingerprint("big") == plan.changeSets[0].to)
    }

    // MARK: Heavy changes

    /// The most tenants seen waiting for a table lock at once while `hold` seconds
    /// pass, with each tenant's items locked by another session meanwhile.
    static func mostWaitingAtOnce(_ h: Harness, _ plan: PlanFile, heavyParallel: Int, hold: Double = 2,
                                  heavyMinimumBytes: Int64 = 0) async throws
        -> (Int, ApplyReport)
    {
        let db = h.db
        try h.connection.execute("ALTER DATABASE \(quoteIdentifier(db.name)) SET deadlock_timeout = '20s'")
        let side = SideSession { ready in
            let c = try db.connect()
            defer { c.close() }
            try c.execute("BEGIN")
            for tenant in ["t1", "t2", "t3"] { _ = try c.query("SELECT count(*) FROM \(tenant).items") }
            ready()
            var most = 0
            let until = Date().addingTimeInterval(hold)
            while Date() < until {
                most = max(most, try LockAndRetryTests.waitingAppliers(c).filter { $0.event == "relation" }.count)
                Thread.sleep(forTimeInterval: 0.02)
            }
            try c.execute("COMMIT")
            return String(most)
        }
        try await side.ready()
        var options = ApplyOptions(parallel: 3, lockTimeout: "10s", retries: 0, heavyParallel: heavyParallel)
        options.heavyMinimumBytes = heavyMinimumBytes
        let report = try await LockAndRetryTests.applyInBackground(Applier(connections: h.resolver, options: options), plan)
        return (Int(try await side.result() ?? "") ?? -1, report)
    }

    /// (The tenants are small: `heavyMinimumBytes: 0` counts them as big.)
    @Test func heavyChangesRunOneTenantAtATimeByDefault() async throws {
        // The single-transaction form, whose SET NOT NULL scans under ACCESS EXCLUSIVE:
        // online, the scan is a VALIDATE that lets writes go on, and is not heavy.
        let (h, plan) = try await Self.setUp("online_heavy_one", .setNotNull, tenants: ["t1", "t2", "t3"], transactional: true)
        #expect(plan.changeSets[0].changes.allSatisfy { $0.isHeavy })
        let (most, report) = try await Self.mostWaitingAtOnce(h, plan, heavyParallel: ApplyOptions().heavyParallel)
        #expect(most == 1, "three workers, one heavy tenant at a time")
        #expect(report.succeeded, "\(describe(report))")
    }

    @Test func heavyParallelLetsMoreGoAndLightChangesAreNotHeld() async throws {
        let (h, plan) = try await Self.setUp("online_heavy_two", .setNotNull, tenants: ["t1", "t2", "t3"], transactional: true)
        let (most, report) = try await Self.mostWaitingAtOnce(h, plan, heavyParallel: 2)
        #expect(most == 2, "two heavy tenants at a time")
        #expect(report.succeeded, "\(describe(report))")

        let (light, lightPlan) = try await Self.setUp("online_light", .addColumn, tenants: ["t1", "t2", "t3"])
        #expect(!lightPlan.changeSets[0].changes.contains { $0.isHeavy })
        let (lightMost, lightReport) = try await Self.mostWaitingAtOnce(light, lightPlan, heavyParallel: 1)
        #expect(lightMost == 3, "light changes keep --parallel")
        #expect(lightReport.succeeded, "\(describe(lightReport))")
    }

    /// A fleet of small tenants is not queued one at a time for changes that
    /// scan: below `heavyMinimumBytes` (16 MiB by default) they run as light.
    @Test func smallTenantsRunHeavyChangesAsLight() async throws {
        // The single-transaction form, whose SET NOT NULL is heavy (see above).
        let (h, plan) = try await Self.setUp("online_heavy_small", .setNotNull, tenants: ["t1", "t2", "t3"], transactional: true)
        #expect(plan.changeSets[0].changes.allSatisfy { $0.isHeavy })
        let size = try Worker.tableBytes(of: "t1", on: h.connection)
        #expect(size > 0 && size < ApplyOptions.defaultHeavyMinimumBytes, "\(size)")
        let (most, report) = try await Self.mostWaitingAtOnce(
            h, plan, heavyParallel: 1, heavyMinimumBytes: ApplyOptions.defaultHeavyMinimumBytes)
        #expect(most == 3, "small tenants keep --parallel")
        #expect(report.succeeded, "\(describe(report))")
    }
}

/// Runs blocking work on a thread of its own and awaits it.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Hands a value that is not `Sendable` to a thread that alone uses it meanwhile.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
