import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// The guarantees of `apply` (docs/guarantees.md): stale-plan safety, idempotence,
/// per-tenant atomicity, parallel determinism, no writes outside tenants,
/// quoting of every name, and refusal of a plan made for another database.
@Suite struct ApplySafetyTests {
    /// Builds the whole design by hand in `tenant`, minus two indexes: a state that needs changes.
    static func buildDrifted(_ h: Harness, _ tenant: String) throws {
        try h.run(RichSchema.referenceDDL() + [RichSchema.customerSeed, "DROP INDEX customers_tags_idx",
                                               "DROP INDEX orders_open_idx"],
                  in: tenant, createSchema: true)
    }

    /// The oids of every relation of `schema`: a drop and re-create changes them
    /// even when the reflected state comes out the same.
    static func relationOIDs(_ h: Harness, _ schema: String) throws -> [[String?]] {
        try h.rows("""
            SELECT c.relname, c.oid::int8::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 ORDER BY c.relname
            """, [schema])
    }

    // MARK: (a) stale

    @Test func aTenantChangedAfterPlanningIsStaleAndUntouched() async throws {
        let h = try await Harness.make(prefix: "stale")
        try h.createSharedPlans()
        for t in ["t1", "t2", "t3"] { try Self.buildDrifted(h, t) }
        let tenants = ["t1", "t2", "t3", "t4", "t5"]   // t4, t5 do not exist yet
        let plan = try h.plan(try RichSchema.declaration(), tenants: tenants)
        #expect(plan.summary.change == 3 && plan.summary.create == 2)

        // Someone changes t2 and creates t4 by hand after the plan was made.
        try h.run(["ALTER TABLE customers ADD COLUMN sneaky integer"], in: "t2")
        try h.run(["CREATE TABLE hand_made (id integer)"], in: "t4", createSchema: true)
        let t2Before = try h.fingerprint("t2")
        let t4Before = try h.fingerprint("t4")
        let t2OIDs = try Self.relationOIDs(h, "t2")

        let report = try h.apply(plan)
        #expect(report.succeeded == false)
        #expect(outcomes(report) == ["t1": .applied, "t2": .stale, "t3": .applied, "t4": .stale, "t5": .applied],
                "\(describe(report))")
        #expect(report.count(.stale) == 2 && report.count(.applied) == 3 && report.count(.failed) == 0)
        #expect(report.summaryLine == "Apply: 3 applied, 0 already applied, 2 stale, 0 failed, 0 not started.")
        #expect(report.results.filter { $0.outcome == .stale }.allSatisfy { $0.failure == nil })

        // Stale tenants untouched; the others in the desired state.
        #expect(try h.fingerprint("t2") == t2Before)
        #expect(try Self.relationOIDs(h, "t2") == t2OIDs)
        #expect(try h.fingerprint("t4") == t4Before)
        #expect(try h.state("t4")?.tables.map(\.name) == ["hand_made"])
        #expect(try h.state("t2")?.table(named: "customers")?.index(named: "customers_tags_idx") == nil)
        let desired = try h.fingerprint("t1")
        #expect(desired == plan.databases[0].desiredFingerprint)
        #expect(try h.fingerprint("t3") == desired)
        #expect(try h.fingerprint("t5") == desired)
    }

    // MARK: (b) the same plan twice

    @Test func applyingTheSamePlanTwiceChangesNothingTheSecondTime() async throws {
        let h = try await Harness.make(prefix: "twice")
        try h.createSharedPlans()
        try Self.buildDrifted(h, "drifted")
        try h.run(RichSchema.referenceDDL(), in: "synced", createSchema: true)
        let plan = try h.plan(try RichSchema.declaration(), tenants: ["fresh", "drifted", "synced"])

        let first = try h.apply(plan)
        #expect(outcomes(first) == ["fresh": .applied, "drifted": .applied, "synced": .inSync], "\(describe(first))")
        #expect(first.succeeded)

        try h.run(["INSERT INTO customers (email) VALUES ('between@example.com')"], in: "fresh")
        var fingerprints: [String: String] = [:]
        var oids: [String: [[String?]]] = [:]
        for t in ["fresh", "drifted", "synced"] {
            fingerprints[t] = try h.fingerprint(t)
            oids[t] = try Self.relationOIDs(h, t)
        }

        let second = try h.apply(plan)
        #expect(outcomes(second) == ["fresh": .alreadyApplied, "drifted": .alreadyApplied, "synced": .inSync],
                "\(describe(second))")
        #expect(second.succeeded)
        #expect(second.summaryLine == "Apply: 0 applied, 2 already applied, 0 stale, 0 failed, 0 not started, 1 in sync.")
        for t in ["fresh", "drifted", "synced"] {
            #expect(try h.fingerprint(t) == fingerprints[t], "\(t)")
            #expect(try Self.relationOIDs(h, t) == oids[t], "\(t)")
        }
        #expect(try h.rows("SELECT email FROM customers", in: "fresh") == [["between@example.com"]])
        #expect(try h.rows(RichSchema.customerCheck, in: "drifted") == RichSchema.customerRows)
    }

    /// Two appliers running the same plan at once: each tenant is changed exactly once.
    @Test func twoConcurrentAppliersChangeEachTenantOnce() async throws {
        let h = try await Harness.make(prefix: "concurrent")
        try h.createSharedPlans()
        let tenants = (1...8).map { "c\($0)" }
        for t in tenants where t.hasSuffix("1") || t.hasSuffix("2") || t.hasSuffix("3") { try Self.buildDrifted(h, t) }
        let plan = try h.plan(try RichSchema.declaration(), tenants: tenants)
        let resolver = h.resolver

        let reports = try await withThrowingTaskGroup(of: ApplyReport.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread {
                            continuation.resume(with: Result {
                                // A short lock timeout, as guarantee 8 has it: an applier waiting for a
                                // tenant holds a snapshot that CREATE INDEX CONCURRENTLY of the other
                                // waits for; the waiter must give up before the deadlock detector (1 s)
                                // ends one of them. Retries are bounded by the lock budget, as by
                                // default (a count of 5 ran out once on a loaded machine).
                                try Applier(connections: resolver, options: ApplyOptions(
                                    parallel: 3, lockTimeout: "200ms")).apply(plan)
                            })
                        }.start()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try #require(reports.count == 2)
        for t in tenants {
            let seen = reports.map { outcomes($0)[t] }
            // A change set of several steps lets the tenant's lock go between them, so
            // both appliers may each take a part of the tenant and both say `applied`.
            let set = try #require(plan.changeSets.first { $0.tenants.values.contains { $0.contains(t) } })
            let shared = (set.steps?.count ?? 1) > 1 ? 2 : 1
            #expect((1...shared).contains(seen.filter { $0 == .applied }.count), "\(t): \(seen)")
            #expect(seen.allSatisfy { $0 == .applied || $0 == .alreadyApplied }, "\(t): \(seen)")
            #expect(try h.fingerprint(t) == plan.databases[0].desiredFingerprint)
        }
        let succeeded = reports.map(\.succeeded)
        #expect(succeeded == [true, true], "\(reports.map(describe))")
    }

    // MARK: (c) a failure on one tenant's data

    /// The rich design plus a new enum label, a new column and `name` NOT NULL.
    static let stricterYAML = RichSchema.yaml
        .replacingOccurrences(of: "order_status: [pending, paid, shipped, cancelled]",
                              with: "order_status: [pending, paid, shipped, cancelled, refunded]")
        .replacingOccurrences(of: "name:       { type: varchar(200), comment: Display name }",
                              with: "nickname:   { type: text, nullable: false, default: \"'none'\" }\n      name:       { type: varchar(200), nullable: false, comment: Display name }")

    @Test func aChangeFailingOnOneTenantsDataRollsBackThatTenantOnly() async throws {
        #expect(Self.stricterYAML.contains("refunded") && Self.stricterYAML.contains("nickname"))
        let declaration = try DeclarationLoader.parse(yaml: Self.stricterYAML, file: "schema.yaml")
        let h = try await Harness.make(prefix: "failing")
        try h.createSharedPlans()
        for t in ["t1", "t2", "t3"] {
            try h.run(RichSchema.referenceDDL() + [RichSchema.customerSeed], in: t, createSchema: true)
        }
        try h.run(["INSERT INTO customers (email) VALUES ('noname@example.com')"], in: "t2")
        let before = try h.fingerprint("t2")

        // Per-tenant atomicity is the single-transaction form's: online steps commit one by one.
        let plan = try h.plan(declaration, tenants: ["t1", "t2", "t3"], transactional: true)
        try #require(plan.changeSets.count == 1)
        let ops = plan.changeSets[0].changes.map(\.op.rawValue)
        // The NOT NULL comes after changes that would otherwise be left half-applied.
        #expect(ops == ["add_enum_value", "add_column", "set_not_null"], "\(plan.changeSets[0].changes.map(\.sql))")

        let report = try h.apply(plan)
        #expect(report.succeeded == false)
        #expect(outcomes(report) == ["t1": .applied, "t2": .failed, "t3": .applied], "\(describe(report))")
        let failure = try #require(report.results.first { $0.tenant == "t2" }?.failure)
        #expect(failure.sqlState == "23502")
        #expect(failure.statement == #"ALTER TABLE "customers" ALTER COLUMN "name" SET NOT NULL"#)
        #expect(failure.message.contains("\"name\""))
        #expect(report.results.first { $0.tenant == "t2" }?.attempts == 1)   // not a transient error: no retry

        #expect(try h.fingerprint("t2") == before)
        let t2 = try #require(try h.state("t2"))
        #expect(t2.enumType(named: "order_status")?.labels == RichSchema.allLabels)
        #expect(t2.table(named: "customers")?.column(named: "nickname") == nil)
        #expect(t2.table(named: "customers")?.column(named: "name")?.notNull == false)
        for t in ["t1", "t3"] {
            let state = try #require(try h.state(t))
            #expect(state.fingerprint == plan.changeSets[0].to)
            #expect(state.enumType(named: "order_status")?.labels == RichSchema.allLabels + ["refunded"])
            #expect(try h.rows("SELECT nickname, name FROM customers", in: t) == [["none", "Keeper"]])
        }
    }

    // MARK: (d) parallel apply is deterministic

    /// Eight distinct starting states, cycled over the tenants.
    static func buildMixed(_ h: Harness, tenant: String, kind: Int) throws {
        let full = RichSchema.referenceDDL() + [RichSchema.customerSeed, RichSchema.orderSeed]
        switch kind {
        case 0: break   // missing
        case 1: try h.run([], in: tenant, createSchema: true)
        case 2: try h.run(RichSchema.enumDDL() + RichSchema.customersDDL, in: tenant, createSchema: true)
        case 3: try h.run(full, in: tenant, createSchema: true)
        case 4: try h.run(full + ["DROP INDEX customers_lower_email_idx", "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid'"],
                          in: tenant, createSchema: true)
        case 5: try h.run(RichSchema.referenceDDL(labels: ["pending", "paid"]) + [RichSchema.customerSeed],
                          in: tenant, createSchema: true)
        case 6: try h.run(full + ["ALTER TABLE orders ALTER COLUMN id DROP IDENTITY",
                                  "COMMENT ON TABLE customers IS 'old'",
                                  "ALTER TABLE customers ALTER COLUMN name TYPE varchar(50)"],
                          in: tenant, createSchema: true)
        default: try h.run(full + ["ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey",
                                   "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id)",
                                   "ALTER TABLE customers ADD COLUMN extra text"],
                           in: tenant, createSchema: true)
        }
    }

    @Test func parallelApplyEndsInTheSameStateAsSerialApply() async throws {
        let a = try await Harness.make(prefix: "parallel4")
        let b = try await Harness.make(prefix: "parallel1")
        let tenants = (0..<32).map { String(format: "tenant_%02d", $0) }
        for h in [a, b] {
            try h.createSharedPlans()
            for (i, t) in tenants.enumerated() { try Self.buildMixed(h, tenant: t, kind: i % 8) }
        }
        let declaration = try RichSchema.declaration()
        let planA = try a.plan(declaration, tenants: tenants)
        let planB = try b.plan(declaration, tenants: tenants)
        #expect(planA.changeSets.count == 8)
        #expect(planA.changeSets.map(\.tenantCount) == Array(repeating: 4, count: 8))
        #expect(planA.summary.create == 4 && planA.summary.change == 24 && planA.summary.heldOnly == 0)
        #expect(planA.changeSets.map(\.from) == planB.changeSets.map(\.from))
        #expect(planA.changeSets.map(\.changes) == planB.changeSets.map(\.changes))
        // The "extra column" kind holds its drop back.
        #expect(planA.changeSets.filter { !$0.held.isEmpty }.map(\.tenantCount) == [4])

        let reportA = try a.apply(planA, parallel: 4)
        let reportB = try b.apply(planB, parallel: 1)
        for report in [reportA, reportB] {
            #expect(report.succeeded, "\(describe(report))")
            #expect(report.results.count == 32)
            #expect(report.count(.applied) == 28 && report.count(.inSync) == 4)
        }
        #expect(outcomes(reportA) == outcomes(reportB))

        var distinct: Set<String> = []
        for t in tenants {
            let fa = try a.fingerprint(t), fb = try b.fingerprint(t)
            #expect(fa == fb, "\(t)")
            distinct.insert(fa)
        }
        // Everyone in the desired state, except the four that keep their extra column.
        #expect(distinct.count == 2)
        #expect(try tenants.filter { try a.fingerprint($0) == planA.databases[0].desiredFingerprint }.count == 28)
        let again = try a.plan(declaration, tenants: tenants)
        #expect(again.hasChanges == false)
        // Keeping an undeclared column is not drift: all 32 count as in sync.
        #expect(again.summary.inSync == 32 && again.summary.heldOnly == 0)
        #expect(again.changeSets.filter { !$0.held.isEmpty }.allSatisfy { $0.held.allSatisfy(\.undeclared) })
    }

    // MARK: (e) nothing in public

    @Test func nothingIsCreatedOrChangedInPublic() async throws {
        let h = try await Harness.make(prefix: "public")
        try h.createSharedPlans()
        try h.connection.execute("CREATE TYPE public.order_status AS ENUM ('x')")
        try h.connection.execute("CREATE TABLE public.customers (id integer PRIMARY KEY)")
        let publicBefore = try #require(try h.state("public"))
        let schemasBefore = try h.schemas()

        let tenants = (0..<8).map { "p\($0)" }
        for (i, t) in tenants.enumerated() { try Self.buildMixed(h, tenant: t, kind: i) }
        let withTenants = try h.schemas()
        let plan = try h.plan(try RichSchema.declaration(), tenants: tenants, allowDestructive: true)
        let report = try h.apply(plan)
        #expect(report.succeeded, "\(describe(report))")

        // The tenants' foreign keys to public.plans now depend on it: objects of
        // the tenants, which public's state lists as its dependents; public itself
        // is unchanged.
        var publicAfter = try h.state("public")
        #expect(publicAfter?.dependents.allSatisfy { $0.kind == .foreignKey && $0.schema != "public" } == true)
        publicAfter?.dependents = []
        #expect(publicAfter == publicBefore)
        expectSameState(publicAfter, publicBefore, "public")
        #expect(try h.schemas() == Set(withTenants + ["p0"]).sorted())
        #expect(Set(try h.schemas()).subtracting(schemasBefore) == Set(tenants))
        #expect(try h.rows("SELECT count(*)::text FROM public.plans") == [["2"]])
    }

    // MARK: (f) hostile names

    @Test func tenantNamesWithQuotesSpacesAndSemicolonsAreQuoted() async throws {
        let h = try await Harness.make(prefix: "names")
        try h.createSharedPlans()
        try h.connection.execute("CREATE TABLE public.sentinel (id integer)")
        try h.run(RichSchema.referenceDDL(), in: "reference", createSchema: true)
        let reference = try #require(try h.state("reference"))

        let created = #"Tenant "x"; drop"#
        let drifted = "o'brien; DROP TABLE public.sentinel; --"
        let empty = #"MixedCase "Name" $1 \n"#
        try Self.buildDrifted(h, drifted)
        try h.run([], in: empty, createSchema: true)
        let schemasBefore = try h.schemas()

        let declaration = try RichSchema.declaration()
        let plan = try h.plan(declaration, tenants: [created, drifted, empty])
        #expect(plan.summary.create == 1 && plan.summary.change == 2)
        let report = try h.apply(plan)
        #expect(outcomes(report) == [created: .applied, drifted: .applied, empty: .applied], "\(describe(report))")

        #expect(try h.schemas() == (schemasBefore + [created]).sorted())
        for t in [created, drifted, empty] {
            expectSameState(try h.state(t), reference, t)
        }
        #expect(try h.rows(RichSchema.customerCheck, in: drifted) == RichSchema.customerRows)
        #expect(try h.rows("SELECT to_regclass('public.sentinel')::text") == [["sentinel"]])
        #expect(try h.rows("SELECT count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
                == [["3"]])   // plans, plans_pkey, sentinel, and nothing else

        let again = try h.plan(declaration, tenants: [created, drifted, empty])
        #expect(again.hasChanges == false && again.summary.inSync == 3)
    }

    // MARK: lock timeout

    /// A tenant whose table is locked fails with 55P03 after its retries, without
    /// stalling the others; once the lock is gone, the same plan finishes the job.
    @Test func aLockedTenantTimesOutWithoutStallingTheOthers() async throws {
        let h = try await Harness.make(prefix: "locked")
        try h.createSharedPlans()
        for t in ["t1", "t2", "t3"] { try Self.buildDrifted(h, t) }
        // The single-transaction form, rolled back whole (online steps commit one by one).
        let plan = try h.plan(try RichSchema.declaration(), tenants: ["t1", "t2", "t3"], transactional: true)
        let before = try h.fingerprint("t2")

        let holder = try h.db.connect()
        defer { holder.close() }
        try holder.execute("BEGIN")
        // What an open transaction that wrote to the table holds; CREATE INDEX waits for it.
        try holder.execute("LOCK TABLE t2.customers IN ROW EXCLUSIVE MODE")
        let options = ApplyOptions(parallel: 2, lockTimeout: "200ms", retries: 1)
        let started = Date()
        let report = try Applier(connections: h.resolver, options: options).apply(plan)
        #expect(Date().timeIntervalSince(started) < 20)
        try holder.execute("ROLLBACK")

        #expect(outcomes(report) == ["t1": .applied, "t2": .failed, "t3": .applied], "\(describe(report))")
        let failed = try #require(report.results.first { $0.tenant == "t2" })
        #expect(failed.failure?.sqlState == "55P03")
        #expect(failed.attempts == 2)
        #expect(try h.fingerprint("t2") == before)

        let again = try h.apply(plan)
        #expect(outcomes(again) == ["t1": .alreadyApplied, "t2": .applied, "t3": .alreadyApplied], "\(describe(again))")
    }

    // MARK: (g) another database

    @Test func aPlanForAnotherDatabaseIsRefusedAndChangesNothing() async throws {
        let a = try await Harness.make(prefix: "identity_a")
        let b = try await Harness.make(prefix: "identity_b")
        // The same starting state in both, so that only the identity tells them apart.
        for h in [a, b] {
            try h.createSharedPlans()
            try Self.buildDrifted(h, "t1")
        }
        let plan = try a.plan(try RichSchema.declaration(), tenants: ["t1", "t2"])
        #expect(plan.databases.map(\.databaseName) == [a.db.name])
        let bSchemas = try b.schemas()
        let bT1 = try b.fingerprint("t1")
        let aT1 = try a.fingerprint("t1")

        var refused: PlanRefused?
        do {
            _ = try a.apply(plan, resolver: b.resolver)
            Issue.record("apply against another database was not refused")
        } catch let error as PlanRefused {
            refused = error
        }
        let message = try #require(refused).description
        #expect(message.contains(a.db.name) && message.contains(b.db.name), "\(message)")
        #expect(message.contains("nothing was changed"))

        #expect(try b.schemas() == bSchemas)
        #expect(try b.fingerprint("t1") == bT1)
        #expect(try b.fingerprint("t2") == SchemaState.absentFingerprint)
        #expect(try a.fingerprint("t1") == aT1)

        // The plan itself is fine for the database it was made for.
        let report = try a.apply(plan)
        #expect(outcomes(report) == ["t1": .applied, "t2": .applied], "\(describe(report))")
    }
}
