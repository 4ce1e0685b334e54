@testable import Apply
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

/// `provision NAME` against the real server: one tenant created in one
/// transaction, verified, safe to call concurrently, and never touching a schema
/// that exists and differs.
@Suite struct ProvisionTests {
    /// Provisions `tenant` of `RichSchema` through `resolver`, as the CLI does.
    static func provision(_ resolver: ConnectionResolver, _ tenant: String, fleet: Fleet = Harness.fleet(["acme"]),
                          database: String? = nil) throws -> ProvisionResult {
        try Provisioner(connections: resolver).provision(
            tenant, database: database, declaration: try RichSchema.declaration(), fleet: fleet)
    }

    /// Every relation of `schema` with its oid, and the rows of its customers.
    static func snapshot(_ h: Harness, _ schema: String) throws -> [[String?]] {
        try ApplySafetyTests.relationOIDs(h, schema)
            + h.rows("SELECT * FROM \(quoteIdentifier(schema)).customers ORDER BY 1")
    }

    @Test func aNewTenantIsCreatedVerifiedAndThenPlansInSync() async throws {
        let h = try await Harness.make(prefix: "prov_new")
        try h.createSharedPlans()
        let result = try Self.provision(h.resolver, "acme")
        #expect(result.outcome == .created && result.succeeded && result.attempts == 1)
        #expect(result.tenant == "acme" && result.database == "main" && result.managed && result.notes.isEmpty)
        #expect(result.changes == 1 + Differ.creation(of: try RichSchema.declaration()).count)
        #expect(result.fingerprint == (try h.fingerprint("acme")))

        // A plan finds it in sync, and realises the same state in a scratch schema.
        let plan = try h.plan(try RichSchema.declaration(), tenants: ["acme"])
        #expect(plan.summary.inSync == 1 && !plan.hasChanges, "\(PlanReport(plan: plan).text())")
        #expect(plan.databases.first?.desiredFingerprint == result.fingerprint)
        // Nothing else was left behind: no scratch schema, nothing in public but the shared table.
        #expect(try h.schemas().filter { !$0.hasPrefix("pg_") } == ["acme", "information_schema", "public"])

        // It holds rows like any tenant.
        try h.run([RichSchema.customerSeed], in: "acme")
        #expect(try h.rows(RichSchema.customerCheck, in: "acme") == RichSchema.customerRows)
    }

    @Test func aSecondCallFindsItAlreadyProvisionedAndChangesNothing() async throws {
        let h = try await Harness.make(prefix: "prov_again")
        try h.createSharedPlans()
        _ = try Self.provision(h.resolver, "acme")
        try h.run([RichSchema.customerSeed], in: "acme")
        let before = try Self.snapshot(h, "acme")

        let again = try Self.provision(h.resolver, "acme")
        #expect(again.outcome == .alreadyProvisioned && again.succeeded && again.changes == 0)
        #expect(again.fingerprint == (try h.fingerprint("acme")))
        #expect(try Self.snapshot(h, "acme") == before)
    }

    @Test func anExistingSchemaThatDiffersIsLeftUntouched() async throws {
        let h = try await Harness.make(prefix: "prov_differs")
        try h.createSharedPlans()
        try ApplySafetyTests.buildDrifted(h, "acme")   // two indexes missing, rows in customers
        let fingerprint = try h.fingerprint("acme")
        let before = try Self.snapshot(h, "acme")
        #expect(before.count > 2)

        let result = try Self.provision(h.resolver, "acme")
        #expect(result.outcome == .differs && !result.succeeded)
        #expect(result.fingerprint == fingerprint)
        #expect(result.differences == ["+ index customers_tags_idx on customers", "+ index orders_open_idx on orders"],
                "\(result.differences)")
        let failure = try #require(result.failure)
        #expect(failure.nothingChanged)
        #expect(ErrorFormatter.text(for: failure).contains("tenantplan plan --tenant acme"))
        #expect(try h.fingerprint("acme") == fingerprint)
        #expect(try Self.snapshot(h, "acme") == before)
    }

    @Test func eightConcurrentCallsForOneNameCreateItOnce() async throws {
        let h = try await Harness.make(prefix: "prov_same")
        try h.createSharedPlans()
        let resolver = h.resolver
        let results = try await Self.concurrently(Array(repeating: "acme", count: 8)) { try Self.provision(resolver, $0) }
        #expect(results.filter { $0.outcome == .created }.count == 1, "\(results.map(\.outcome))")
        #expect(results.filter { $0.outcome == .alreadyProvisioned }.count == 7, "\(results.map(\.outcome))")
        #expect(Set(results.map(\.fingerprint)) == [try h.fingerprint("acme")])
        let plan = try h.plan(try RichSchema.declaration(), tenants: ["acme"])
        #expect(plan.summary.inSync == 1 && !plan.hasChanges)
    }

    @Test func concurrentCallsForEightNamesCreateEach() async throws {
        let h = try await Harness.make(prefix: "prov_many")
        try h.createSharedPlans()
        let names = (1...8).map { "tenant_\($0)" }
        let resolver = h.resolver
        let results = try await Self.concurrently(names) { try Self.provision(resolver, $0) }
        #expect(results.allSatisfy { $0.outcome == .created }, "\(results.map(\.outcome))")
        let plan = try h.plan(try RichSchema.declaration(), tenants: names)
        #expect(plan.summary.inSync == 8 && !plan.hasChanges, "\(PlanReport(plan: plan).text())")
    }

    @Test func aSchemaCreatedMeanwhileWithoutTheLockIsFoundOnTheNextAttempt() async throws {
        let h = try await Harness.make(prefix: "prov_race")
        try h.createSharedPlans()
        // Another session, which does not take the tenant's lock, creates the schema;
        // provision's CREATE SCHEMA waits on it. Then it builds the declared design
        // by hand and commits: provision's CREATE SCHEMA fails, and the next attempt
        // finds the tenant in sync.
        let other = try h.db.connect()
        defer { other.close() }
        try other.execute("BEGIN")
        try other.execute("CREATE SCHEMA acme")
        let resolver = h.resolver
        // A lock timeout longer than the other session takes, however loaded the machine.
        async let result = Self.concurrently(["acme"]) {
            try Provisioner(connections: resolver, lockTimeout: "120s").provision(
                $0, database: nil, declaration: try RichSchema.declaration(), fleet: Harness.fleet(["acme"]))
        }
        var waited = 0
        while try h.rows("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == [["0"]] {
            waited += 1
            try #require(waited < 600, "provision never waited on the other session's schema")
            try await Task.sleep(for: .milliseconds(50))
        }
        try other.execute("SET LOCAL search_path = acme")
        for sql in RichSchema.referenceDDL() { try other.execute(sql) }
        try other.execute("COMMIT")
        let found = try #require(try await result.first)
        #expect(found.outcome == .alreadyProvisioned, "the CREATE SCHEMA that collided is retried and finds it")
        #expect(found.attempts == 2)
        // The collision itself is the server's duplicate-schema error, which provision retries.
        do {
            try other.execute("CREATE SCHEMA acme")
            Issue.record("creating an existing schema must fail")
        } catch {
            #expect(error.code == .duplicateSchema && Provisioner.retryable(error))
        }
    }

    @Test func aBusySharedTableBoundsTheWaitAndChangesNothing() async throws {
        let h = try await Harness.make(prefix: "prov_busy")
        try h.createSharedPlans()
        // The application writes to the shared table a foreign key points to: creating
        // that foreign key (in the scratch schema, and in the tenant) must wait for it.
        let writer = try h.db.connect()
        defer { writer.close() }
        try writer.execute("BEGIN")
        try writer.execute("UPDATE public.plans SET name = name")
        let provisioner = Provisioner(connections: h.resolver, lockTimeout: "200ms", retries: 1)
        let started = Date()
        do {
            _ = try provisioner.provision("acme", database: nil, declaration: try RichSchema.declaration(),
                                          fleet: Harness.fleet(["acme"]))
            Issue.record("provision must not wait for the writer")
        } catch {
            #expect(ErrorFormatter.text(for: error).hasPrefix(
                "error: database 'main': canceling statement due to lock timeout (SQLSTATE 55P03)"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 30, "bounded, however loaded the machine")
        #expect(!(try h.schemas().contains { $0 == "acme" || $0.hasPrefix("_tenantplan") }))
        try writer.execute("COMMIT")
        #expect(try provisioner.provision("acme", database: nil, declaration: try RichSchema.declaration(),
                                          fleet: Harness.fleet(["acme"])).outcome == .created)
    }

    @Test func reservedAndInvalidNamesAreRefusedBeforeAnyConnection() async throws {
        let h = try await Harness.make(prefix: "prov_reserved")
        try h.createSharedPlans()
        let before = try h.schemas()
        for name in ["public", "pg_x", "PG_temp", "information_schema", "_tenantplan_x", "", String(repeating: "a", count: 64), "a\0b"] {
            do {
                _ = try Self.provision(h.resolver, name)
                Issue.record("'\(name)' must be refused")
            } catch let error as ProvisionError {
                #expect(error.nothingChanged)
                #expect(error.summary.contains("cannot be a tenant"), "\(error)")
            }
        }
        // A 63-byte name is fine.
        #expect(try Self.provision(h.resolver, String(repeating: "é", count: 31) + "x").outcome == .created)
        #expect(try h.schemas().count == before.count + 1)
    }

    @Test func theDatabaseIsTheListedOneTheRequestedOneOrTheOnlyOne() throws {
        let two = Fleet(file: "tenants.yaml",
                        databases: [DatabaseDeclaration(name: "main", connection: .default),
                                    DatabaseDeclaration(name: "eu", connection: .urlEnv("EU_URL"))],
                        tenants: [TenantDeclaration(name: "initech", database: "eu",
                                                    location: State.SourceLocation(file: "tenants.yaml", line: 7, column: 5))],
                        exclude: ["tenant_template"])
        func database(_ tenant: String, _ requested: String?, _ fleet: Fleet = two) throws -> String {
            try ProvisionDecision.database(for: tenant, requested: requested, in: fleet).name
        }
        #expect(try database("initech", nil) == "eu")
        #expect(try database("initech", "eu") == "eu")
        #expect(try database("newco", "main") == "main")
        #expect(try database("newco", nil, Harness.fleet([])) == "main")
        #expect(throws: ProvisionError.ambiguousDatabase(known: ["main", "eu"], file: "tenants.yaml")) {
            try database("newco", nil)
        }
        #expect(throws: ProvisionError.unknownDatabase("us", known: ["main", "eu"], file: "tenants.yaml")) {
            try database("newco", "us")
        }
        #expect(throws: ProvisionError.excluded("tenant_template", file: "tenants.yaml")) {
            try database("tenant_template", "main")
        }
        do {
            _ = try database("initech", "main")
            Issue.record("a tenant listed in eu cannot be provisioned in main")
        } catch let error as ProvisionError {
            #expect(ErrorFormatter.text(for: error) == """
                tenants.yaml:7:5: error: tenant 'initech' is listed in database 'eu', not 'main'
                  hint: pass --database eu, or leave --database out
                1 error; nothing was changed in any database.
                """)
        }
    }

    @Test func aTenantTheFleetDoesNotFindIsCreatedWithANote() async throws {
        let h = try await Harness.make(prefix: "prov_managed")
        try h.createSharedPlans()
        try h.connection.execute("CREATE TABLE public.tenants (schema_name text, active boolean)")
        try h.connection.execute("INSERT INTO public.tenants VALUES ('by_query', true)")
        let fleet = Fleet(file: "tenants.yaml", tenants: [TenantDeclaration(name: "acme", database: "main")],
                          discover: [DiscoveryRule(database: "main", kind: .schemasLike("tenant\\_%")),
                                     DiscoveryRule(database: "main", kind: .query("SELECT schema_name FROM public.tenants WHERE active"))])
        for (name, managed) in [("acme", true), ("tenant_x", true), ("by_query", true), ("tenantx", false), ("other", false)] {
            let result = try Self.provision(h.resolver, name, fleet: fleet)
            #expect(result.outcome == .created)
            #expect(result.managed == managed, "\(name)")
            #expect(result.notes.contains { $0.contains("the next plan will not manage it") } == !managed, "\(result.notes)")
        }
        // And the plan indeed manages exactly those.
        let plan = try Planner(connections: h.resolver).plan(PlanRequest(
            declaration: try RichSchema.declaration(), schemaSHA256: String(repeating: "0", count: 64), fleet: fleet,
            toolVersion: "test"))
        #expect(plan.changeSets.flatMap { $0.tenants["main"] ?? [] }.sorted() == ["acme", "by_query", "tenant_x"])
        #expect(plan.summary.inSync == 3)
    }

    // MARK: Decisions, without a server

    @Test func theDecisionFollowsWhatAPlanWouldDo() throws {
        let declaration = try RichSchema.declaration()
        let differ = Differ(declaration: declaration, desired: SchemaState())
        guard case .create(let changes, _) = ProvisionDecision.decide(actual: nil, differ: differ) else {
            Issue.record("an absent schema is created")
            return
        }
        #expect(changes.first?.op == .createSchema)
        #expect(changes.dropFirst().map(\.sql) == Differ.creation(of: declaration).map(\.sql))
        var extra = SchemaState()
        extra.tables = [TableState(name: "legacy")]
        let kept = ProvisionDecision.decide(actual: extra, differ: Differ(declaration: Declaration(file: "s.yaml"), desired: SchemaState()))
        guard case .inSync(_, let held) = kept else {
            Issue.record("undeclared objects that are kept are not drift: \(kept)")
            return
        }
        #expect(held.map(\.object) == ["table legacy"])
    }

    /// Runs `body` for each item, each on a thread of its own, all at once.
    static func concurrently<T: Sendable>(_ items: [String], _ body: @escaping @Sendable (String) throws -> T)
        async throws -> [T]
    {
        try await withThrowingTaskGroup(of: T.self) { group in
            for item in items {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread { continuation.resume(with: Result { try body(item) }) }.start()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}

/// What `provision` prints, without a server.
@Suite struct ProvisionResultTests {
    @Test func textAndJSON() throws {
        let created = ProvisionResult(tenant: "acme", database: "main", outcome: .created, seconds: 0.123456,
                                      fingerprint: "f", changes: 19, managed: false, notes: ["not managed"])
        #expect(created.text() == "Provisioned tenant acme in database main: 19 changes, verified and committed in 0.12 s.\nnote: not managed")
        #expect(try created.json() == #"""
            {"attempts":1,"changes":19,"database":"main","differences":[],"fingerprint":"f","managed":false,"notes":["not managed"],"outcome":"created","seconds":0.123,"tenant":"acme"}
            """#)
        let differs = ProvisionResult(tenant: "a\u{1B}b", database: "main", outcome: .differs, seconds: 1, fingerprint: "g",
                                      differences: ["+ index i on t"])
        #expect(!differs.succeeded && created.succeeded)
        #expect(differs.text() == "tenant 'a\\u{1B}b' already exists in database 'main' and differs from the declaration; "
            + "nothing was changed.\n    + index i on t")
        #expect(differs.failure?.differences == ["+ index i on t"])
        let again = ProvisionResult(tenant: "acme", database: "main", outcome: .alreadyProvisioned, seconds: 0, fingerprint: "f")
        #expect(again.failure == nil)
        #expect(again.text() == "Already provisioned: tenant acme in database main is in sync with the declaration; nothing was changed.")
    }
}
