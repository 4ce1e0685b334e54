import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import SQLSyntax
import State
import Testing
import TestSupport

/// The records of verified states (`TenantRecords`): a tenant whose record stamp
/// is unchanged is taken from its record, any change to its objects (or to a
/// shared object its texts name) makes it read in full, and a record that was
/// not written by the tool is never believed.
///
/// The record stamps cover every tablespace of the cluster (a renamed one
/// changes the texts of the tables in it), which other tests make and drop:
/// each test that counts the tenants read by record, or compares stamps,
/// holds `ClusterTablespaces` from its first plan to its end.
@Suite struct TenantRecordTests {
    static let tenants = ["rec_a", "rec_b", "rec_c"]

    /// Three populated tenants of the rich schema in `h`, each read in full once
    /// so that their records exist. The caller holds `ClusterTablespaces`.
    static func record(_ h: Harness, key: PlanKey? = nil) throws {
        try h.createSharedPlans()
        for tenant in tenants {
            try h.run(RichSchema.referenceDDL() + [RichSchema.customerSeed, RichSchema.orderSeed], in: tenant,
                      createSchema: true)
        }
        let first = try plan(h, key: key)
        #expect(!first.hasChanges, "\(first.changeSets)")
        #expect(first.databases[0].readInFull == 3)
        #expect(first.databases[0].readByRecord == 0)
    }

    static func plan(_ h: Harness, key: PlanKey? = nil, resolver: ConnectionResolver? = nil) throws -> PlanFile {
        var planner = Planner(connections: resolver ?? h.resolver)
        planner.recordKey = key
        return try planner.plan(PlanRequest(
            declaration: try RichSchema.declaration(), schemaSHA256: String(repeating: "0", count: 64),
            fleet: Harness.fleet(tenants), toolVersion: "test"))
    }

    /// The tenants a plan finds in another state than the desired one (drift,
    /// changed or held back).
    static func changing(_ plan: PlanFile) -> [String] {
        plan.changeSets.filter { $0.from != plan.databases[0].desiredFingerprint }
            .flatMap { $0.tenants.values.joined() }.sorted()
    }

    @Test func aSecondNoOpPlanTakesEveryTenantFromItsRecord() async throws {
        let h = try await Harness.make(prefix: "rec_noop")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h)
        let second = try Self.plan(h)
        #expect(!second.hasChanges)
        #expect(second.databases[0].readInFull == 0)
        #expect(second.databases[0].readByRecord == 3)
        // The plan is the same as one that reads everything.
        #expect(second.changeSets.map(\.from) == [try h.fingerprint("rec_a")])
        // The audit: one row per tenant, by this role.
        let rows = try h.rows("SELECT schema_name, verified_by = current_user, tool_version FROM _tenantplan.tenant_state ORDER BY 1")
        #expect(rows == Self.tenants.map { [$0, "t", "test"] })
    }

    /// A change to the declaration: one tenant of the recorded state is read in
    /// full (the plan needs that state to diff), the others are taken from their
    /// records, with the stamps and table sizes a full read gives; the plan is
    /// the one a plan without records makes, and applying it takes every tenant
    /// to the desired state.
    @Test func aChangePlanReadsOneTenantOfEachRecordedState() async throws {
        let h = try await Harness.make(prefix: "rec_fleet_change")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h)
        // A column, and an index whose build scans customers: its size is in the plan.
        let changed = try DeclarationLoader.parse(
            yaml: RichSchema.yaml.replacingOccurrences(
                of: "      plan_id:    { type: integer }\n",
                with: "      plan_id:    { type: integer }\n      revision:   { type: integer, nullable: false, default: \"0\" }\n")
            .replacingOccurrences(
                of: "      customers_tags_idx:        { columns: [tags], using: gin }\n",
                with: "      customers_tags_idx:        { columns: [tags], using: gin }\n      customers_name_idx:        { columns: [name] }\n"),
            file: "schema.yaml")
        func plan(records: Bool) throws -> PlanFile {
            var planner = Planner(connections: h.resolver)
            planner.records = records
            var request = PlanRequest(
                declaration: changed, schemaSHA256: String(repeating: "0", count: 64),
                fleet: Harness.fleet(Self.tenants), toolVersion: "test")
            request.onlineThreshold = 0
            return try planner.plan(request)
        }
        // Page counts as VACUUM leaves them, so that the sizes compared are the tables' own.
        for tenant in Self.tenants { try h.connection.execute("VACUUM ANALYZE \(tenant).customers") }
        let full = try plan(records: false)
        let byRecords = try plan(records: true)
        #expect(byRecords.databases[0].readInFull == 1)
        #expect(byRecords.databases[0].readByRecord == 2)
        try #require(full.changeSets.count == 1)
        #expect(byRecords.changeSets == full.changeSets)
        #expect(byRecords.changeSets.first?.stamps?.values.first?.count == 3, "every tenant's stamp")
        #expect(byRecords.changeSets.first?.changes.contains { $0.op == .addColumn } == true)
        let customers = try #require(byRecords.changeSets.first?.tableSizes?["customers"], "\(byRecords.changeSets)")
        #expect(customers.bytes > 8192 * 3, "the heap's pages count, not only the indexes' metapages: \(customers)")

        let report = try h.apply(try PlanFile.decode(byRecords.encoded(), file: "plan.json"))
        #expect(report.succeeded)
        for tenant in Self.tenants {
            #expect(try h.fingerprint(tenant) == byRecords.databases[0].desiredFingerprint, "\(tenant)")
            #expect(try h.rows("SELECT count(*) FILTER (WHERE revision = 0) = count(*) FROM customers", in: tenant)
                    == [["t"]])
        }
    }

    /// `apply` notes which plan brought each tenant to its state, and when, in
    /// the transaction that commits it. The note is no record a plan believes:
    /// the next plan reads those tenants in full, and its records keep the note.
    @Test func anApplyNotesThePlanThatChangedEachTenant() async throws {
        let h = try await Harness.make(prefix: "rec_apply")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h)
        let changed = try DeclarationLoader.parse(
            yaml: RichSchema.yaml.replacingOccurrences(
                of: "      plan_id:    { type: integer }\n",
                with: "      plan_id:    { type: integer }\n      revision:   { type: integer, nullable: false, default: \"0\" }\n"),
            file: "schema.yaml")
        func plan() throws -> PlanFile {
            try PlanFile.decode(try Planner(connections: h.resolver).plan(PlanRequest(
                declaration: changed, schemaSHA256: String(repeating: "0", count: 64),
                fleet: Harness.fleet(Self.tenants), toolVersion: "test")).encoded(), file: "plan.json")
        }
        let change = try plan()
        let digest = try #require(change.digest)
        var applier = Applier(connections: h.resolver)
        applier.recording = Applier.Recording(toolVersion: "test")
        // rec_c drifts after the plan: stale, not applied, and its record is left as it was.
        try h.run(["COMMENT ON TABLE orders IS 'drifted'"], in: "rec_c")
        let report = try applier.apply(change)
        #expect(outcomes(report) == ["rec_a": .applied, "rec_b": .applied, "rec_c": .stale], "\(describe(report))")
        #expect(try h.rows("SELECT schema_name, applied_plan, applied_at IS NOT NULL FROM _tenantplan.tenant_state ORDER BY 1")
                == [["rec_a", digest, "t"], ["rec_b", digest, "t"], ["rec_c", nil, "f"]])

        let next = try plan()
        #expect(next.databases[0].readByRecord == 0, "rec_c's record is stale, the others are notes")
        #expect(next.databases[0].readInFull == 3)
        #expect(Self.changing(next) == ["rec_c"])
        // The plan's records keep the notes; the plan after takes the tenants from them.
        #expect(try h.rows("SELECT schema_name, applied_plan, stamp <> '' FROM _tenantplan.tenant_state ORDER BY 1")
                == [["rec_a", digest, "t"], ["rec_b", digest, "t"], ["rec_c", nil, "t"]])
        // rec_c, alone in its drifted state, is that state's one tenant read in full.
        let third = try plan()
        #expect(third.databases[0].readByRecord == 2)
        #expect(Self.changing(third) == ["rec_c"])
    }

    /// What keeps `apply` from writing its note in a test.
    enum NoteBlocker: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// Another session holds rec_a's row, longer than the tenant's `lock_timeout`.
        case rowHeld
        /// The same under `--lock-timeout 0`, with which the tenant's own
        /// statements wait for locks without limit.
        case rowHeldWithoutLockTimeout
        /// A constraint added to the table refuses every note.
        case tableRefusesWrites

        var testDescription: String { rawValue }
    }

    /// The note of an apply never fails a tenant, nor holds it: when it cannot
    /// be written (its row held by another session, the table refusing the
    /// write), the savepoint takes the error back, the tenant commits its
    /// changes and is reported applied, and the tenants whose note could be
    /// written have it.
    @Test(arguments: NoteBlocker.allCases)
    func aNoteThatCannotBeWrittenLeavesTheTenantApplied(blocker: NoteBlocker) async throws {
        let h = try await Harness.make(prefix: "rec_note_blocked")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h)
        let changed = try DeclarationLoader.parse(
            yaml: RichSchema.yaml.replacingOccurrences(
                of: "      plan_id:    { type: integer }\n",
                with: "      plan_id:    { type: integer }\n      revision:   { type: integer, nullable: false, default: \"0\" }\n"),
            file: "schema.yaml")
        let change = try PlanFile.decode(try Planner(connections: h.resolver).plan(PlanRequest(
            declaration: changed, schemaSHA256: String(repeating: "0", count: 64),
            fleet: Harness.fleet(Self.tenants), toolVersion: "test")).encoded(), file: "plan.json")
        let digest = try #require(change.digest)
        var options = ApplyOptions()
        if blocker == .rowHeldWithoutLockTimeout { options.lockTimeout = "0" }
        var applier = Applier(connections: h.resolver, options: options)
        applier.recording = Applier.Recording(toolVersion: "test")

        let holder = try h.db.connect()
        defer { holder.close() }
        switch blocker {
        case .rowHeld, .rowHeldWithoutLockTimeout:
            // The server ends the holder's transaction after 20 s: a note that
            // waited for the row without limit would get it then.
            try holder.execute("SET idle_in_transaction_session_timeout = '20s'")
            try holder.execute("BEGIN")
            #expect(try holder.query("SELECT schema_name FROM _tenantplan.tenant_state WHERE schema_name = 'rec_a' FOR UPDATE")
                    .rows == [["rec_a"]])
        case .tableRefusesWrites:
            try h.connection.execute(
                "ALTER TABLE _tenantplan.tenant_state ADD CONSTRAINT no_notes CHECK (applied_plan IS NULL)")
        }

        let started = Date()
        let report = try applier.apply(change)
        let seconds = Date().timeIntervalSince(started)
        #expect(outcomes(report) == ["rec_a": .applied, "rec_b": .applied, "rec_c": .applied], "\(describe(report))")
        #expect(report.succeeded)
        #expect(seconds < 10, "the note waited \(seconds) s for its row")
        for tenant in Self.tenants {
            #expect(try h.fingerprint(tenant) == change.databases[0].desiredFingerprint, "\(tenant)")
            #expect(try h.rows("SELECT count(*) FILTER (WHERE revision = 0) = count(*) FROM customers", in: tenant)
                    == [["t"]], "\(tenant)")
        }
        if blocker != .tableRefusesWrites {
            // The holder still has the row: it was never written under it.
            #expect(try holder.query("SELECT applied_plan FROM _tenantplan.tenant_state WHERE schema_name = 'rec_a'")
                    .rows == [[nil]])
            try holder.execute("ROLLBACK")
        }
        let notes = try h.rows("SELECT schema_name, applied_plan FROM _tenantplan.tenant_state ORDER BY 1")
        switch blocker {
        case .rowHeld, .rowHeldWithoutLockTimeout:
            #expect(notes == [["rec_a", nil], ["rec_b", digest], ["rec_c", digest]])
        case .tableRefusesWrites:
            #expect(notes == [["rec_a", nil], ["rec_b", nil], ["rec_c", nil]])
        }
        // Applying the plan again finds every tenant applied.
        #expect(Set(outcomes(try applier.apply(change)).values) == [.alreadyApplied])
    }

    /// A recorded state whose one tenant read in full turns out to be elsewhere:
    /// the tenants of that record are read in full too, never planned from it.
    @Test func aRecordedStateNoTenantShowsIsReadInFull() async throws {
        let h = try await Harness.make(prefix: "rec_unconfirmed")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h)
        // rec_a's record says state F, as do rec_b's and rec_c's; rec_a is the one
        // read in full. Its record is made to lie about its stamp (no key), so it
        // still matches after rec_a drifts: rec_a reads as another state, F is not confirmed.
        try h.run(["COMMENT ON TABLE orders IS 'drifted'"], in: "rec_a")
        let stamps = try Stamp.recordStamps(of: ["rec_a"], on: h.connection)
        try h.connection.execute("UPDATE _tenantplan.tenant_state SET stamp = $1 WHERE schema_name = 'rec_a'",
                                 [stamps["rec_a"]?.record])
        let changed = try DeclarationLoader.parse(
            yaml: RichSchema.yaml.replacingOccurrences(of: "customers_created_at_idx:  { columns: [created_at DESC] }",
                                                       with: "customers_created_at_idx:  { columns: [created_at] }"),
            file: "schema.yaml")
        var planner = Planner(connections: h.resolver)
        planner.records = true
        let plan = try planner.plan(PlanRequest(
            declaration: changed, schemaSHA256: String(repeating: "0", count: 64),
            fleet: Harness.fleet(Self.tenants), toolVersion: "test"))
        #expect(plan.databases[0].readInFull == 3, "\(plan.databases[0])")
        #expect(plan.databases[0].readByRecord == 0)
        #expect(Set(plan.changeSets.map(\.from)).count == 2, "rec_a's comment sets it apart")
    }

    /// Each change makes exactly the changed tenant read in full, and the plan
    /// shows what the full read finds.
    @Test(arguments: [
        "COMMENT ON TABLE customers IS 'drifted'",
        "COMMENT ON COLUMN orders.note IS 'drifted'",
        // Grants are part of the state read (a change set of its own), though
        // without a `grants:` key they are not managed: that set has no changes.
        "GRANT SELECT ON customers TO PUBLIC",
        "CREATE FUNCTION rec_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "ALTER TABLE customers ALTER COLUMN name SET DEFAULT 'x'",
        "CREATE INDEX rec_extra ON customers (name)",
        "ALTER INDEX customers_email_key RENAME TO customers_email_uq",
    ])
    func aChangeToATenantMakesItReadInFull(change: String) async throws {
        let h = try await Harness.make(prefix: "rec_change")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h)
        try h.run([change], in: "rec_b")
        let plan = try Self.plan(h)
        #expect(plan.databases[0].readInFull == 1, "\(change)")
        #expect(plan.databases[0].readByRecord == 2, "\(change)")
        #expect(Self.changing(plan) == ["rec_b"], "\(change)")
        if change.hasPrefix("GRANT") { #expect(!plan.hasChanges, "\(change)") }
    }

    @Test func aTriggerAndAViewOfAnotherSchemaOnATenantTableAreSeen() async throws {
        let h = try await Harness.make(prefix: "rec_outside")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h)
        try h.run([
            "CREATE FUNCTION rec_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER rec_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION rec_touch()",
        ], in: "rec_a")
        // Another schema's view on a tenant table: a dependent of that tenant.
        try h.connection.execute("CREATE VIEW public.rec_emails AS SELECT email FROM rec_b.customers")
        let plan = try Self.plan(h)
        #expect(plan.databases[0].readByRecord == 1)
        #expect(Self.changing(plan) == ["rec_a", "rec_b"])
        let from = { (tenant: String) in plan.changeSets.first { $0.tenants.values.joined().contains(tenant) }?.from }
        #expect(from("rec_b") != from("rec_c"), "the view shows in rec_b's state")
    }

    /// Changes that write no row of the tenant's schema nor of what it depends
    /// on, but change what a full read finds: the role its grants name is
    /// renamed (`pg_authid`; a new role takes the old name), a column of its
    /// view is renamed (`pg_attribute` alone). The tenant was recorded in the
    /// desired state, which a plan takes as in sync without reading it: the next
    /// plan reads it in full, and finds the drift.
    /// (The role is both tenants'.)
    @Test(arguments: [
        ("ALTER ROLE {role} RENAME TO {role}_old; CREATE ROLE {role}", ["rec_a", "rec_b"]),
        ("ALTER VIEW doc_ids RENAME COLUMN id TO doc_id", ["rec_a"]),
    ])
    func aChangeOnlyTheRecordCoverageSeesIsDrift(change: String, drifted: [String]) async throws {
        let h = try await Harness.make(prefix: "rec_only")
        let release = ClusterTablespaces.hold()
        defer { release() }
        let role = "tp_rec_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        func named(_ sql: String) -> String { sql.replacingOccurrences(of: "{role}", with: role) }
        try h.connection.execute(named("CREATE ROLE {role}"))
        defer {
            for sql in ["DROP OWNED BY {role}_old", "DROP ROLE IF EXISTS {role}_old", "DROP OWNED BY {role}",
                        "DROP ROLE IF EXISTS {role}"] { try? h.connection.execute(named(sql)) }
        }
        let declaration = try DeclarationLoader.parse(yaml: named("""
            version: 1
            tables:
              docs:
                columns:
                  id: integer
                  body: text
                primary_key: [id]
                grants: { {role}: [select] }
            views:
              doc_ids: { query: "SELECT id FROM docs" }
            """), file: "schema.yaml")
        let tenants = ["rec_a", "rec_b"]
        #expect(outcomes(try h.apply(try h.plan(declaration, tenants: tenants))) == ["rec_a": .applied, "rec_b": .applied])
        _ = try h.plan(declaration, tenants: tenants)   // reads both in full, and records them in sync
        let recorded = try h.plan(declaration, tenants: tenants)
        #expect(!recorded.hasChanges)
        #expect(recorded.databases[0].readByRecord == 2)

        try h.run(change.components(separatedBy: "; ").map(named), in: "rec_a")
        let plan = try h.plan(declaration, tenants: tenants)
        #expect(plan.databases[0].readInFull == drifted.count, "\(change)")
        #expect(plan.databases[0].readByRecord == 2 - drifted.count, "\(change)")
        #expect(plan.hasChanges, "\(change)")
        #expect(Self.changing(plan) == drifted, "\(change)")
    }

    /// What a tenant's texts name outside its schema is covered too: renaming a
    /// shared table's column or a shared type changes the record stamp, though
    /// no row of the tenant's schema changes.
    @Test func sharedObjectsTheTextsNameAreCovered() async throws {
        let h = try await Harness.make(prefix: "rec_shared")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try h.createSharedPlans()
        try h.connection.execute("CREATE TYPE public.rec_mood AS ENUM ('ok')")
        try h.run(RichSchema.referenceDDL() + ["CREATE TABLE notes (id integer PRIMARY KEY, mood public.rec_mood)"],
                  in: "rec_x", createSchema: true)
        try h.run(RichSchema.referenceDDL(), in: "rec_y", createSchema: true)
        func stamps() throws -> [String: String] {
            try Stamp.recordStamps(of: ["rec_x", "rec_y", "absent"], on: h.connection).mapValues(\.record)
        }
        let before = try stamps()
        #expect(before.keys.sorted() == ["rec_x", "rec_y"])
        #expect(try stamps() == before)
        try h.connection.execute("ALTER TABLE public.plans RENAME COLUMN id TO plan_id")
        let renamed = try stamps()
        #expect(renamed["rec_x"] != before["rec_x"])
        #expect(renamed["rec_y"] != before["rec_y"])
        try h.connection.execute("ALTER TYPE public.rec_mood RENAME TO rec_feeling")
        let retyped = try stamps()
        #expect(retyped["rec_x"] != renamed["rec_x"])
        #expect(retyped["rec_y"] == renamed["rec_y"])
        // A shared table no tenant names changes nothing.
        try h.connection.execute("CREATE TABLE public.unrelated (id integer)")
        #expect(try stamps() == retyped)
    }

    @Test func aForgedRecordIsIgnored() async throws {
        let key = try PlanKey(String(repeating: "k", count: 40))
        let h = try await Harness.make(prefix: "rec_forged")
        let release = ClusterTablespaces.hold()
        defer { release() }
        try Self.record(h, key: key)
        #expect(try Self.plan(h, key: key).databases[0].readByRecord == 3)
        // Drift, and a record rewritten to the tenant's new record stamp: only the
        // tool's key could make the code that goes with it.
        try h.run(["ALTER TABLE customers ALTER COLUMN email DROP NOT NULL"], in: "rec_c")
        let stamps = try Stamp.recordStamps(of: ["rec_c"], on: h.connection)
        try h.connection.execute("UPDATE _tenantplan.tenant_state SET stamp = $1 WHERE schema_name = 'rec_c'",
                                 [stamps["rec_c"]?.record])
        var plan = try Self.plan(h, key: key)
        #expect(plan.databases[0].readByRecord == 2)
        #expect(Self.changing(plan) == ["rec_c"])
        // Without the key, records that carry a code are not read either, and a
        // record without one is not read with a key.
        #expect(try Self.plan(h).databases[0].readByRecord == 0)
        try h.connection.execute("UPDATE _tenantplan.tenant_state SET mac = NULL")
        #expect(try Self.plan(h, key: key).databases[0].readByRecord == 0)
        // A table another role may write is not believed at all.
        _ = try Self.plan(h, key: key)
        #expect(try Self.plan(h, key: key).databases[0].readByRecord == 2)
        // Nor one whose columns another role may write (column grants live in pg_attribute).
        try h.connection.execute("GRANT UPDATE (stamp, fingerprint) ON _tenantplan.tenant_state TO PUBLIC")
        #expect(try Self.plan(h, key: key).databases[0].readByRecord == nil)
        try h.connection.execute("REVOKE UPDATE (stamp, fingerprint) ON _tenantplan.tenant_state FROM PUBLIC")
        #expect(try Self.plan(h, key: key).databases[0].readByRecord == 2)
        try h.connection.execute("GRANT UPDATE ON _tenantplan.tenant_state TO PUBLIC")
        plan = try Self.plan(h, key: key)
        #expect(plan.databases[0].readByRecord == nil)
        #expect(Self.changing(plan) == ["rec_c"])
    }

    @Test func aRoleThatMayNotKeepRecordsReadsInFull() async throws {
        let h = try await Harness.make(prefix: "rec_role")
        try h.createSharedPlans()
        for tenant in Self.tenants {
            try h.run(RichSchema.referenceDDL() + [RichSchema.customerSeed], in: tenant, createSchema: true)
        }
        // CREATE on the database is needed for the scratch schema; the records
        // schema is taken first by another owner.
        try h.connection.execute("CREATE SCHEMA _tenantplan")
        let role = try PrivilegeTests.Role(h, grants: [
            "GRANT CREATE ON DATABASE DB TO ROLE", "GRANT USAGE ON SCHEMA public, rec_a, rec_b, rec_c TO ROLE",
            "GRANT ALL ON ALL TABLES IN SCHEMA public TO ROLE",
        ])
        for _ in 0..<2 {
            let plan = try Self.plan(h, resolver: role.resolver)
            #expect(!plan.hasChanges)
            #expect(plan.databases[0].readInFull == nil)
            #expect(plan.databases[0].readByRecord == nil)
        }
        #expect(try h.rows("SELECT count(*) FROM pg_class WHERE relname = 'tenant_state'") == [["0"]])
        // --no-record: nothing written, everything read.
        try h.connection.execute("DROP SCHEMA _tenantplan")
        var planner = Planner(connections: h.resolver)
        planner.records = false
        let plan = try planner.plan(PlanRequest(
            declaration: try RichSchema.declaration(), schemaSHA256: String(repeating: "0", count: 64),
            fleet: Harness.fleet(Self.tenants), toolVersion: "test"))
        #expect(plan.databases[0].readInFull == nil)
        #expect(try h.rows("SELECT count(*) FROM pg_namespace WHERE nspname = '_tenantplan'") == [["0"]])
    }
}
