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

/// Row-level security, policies, grants and default privileges, end to end on
/// populated tenants with real roles: declared, realised and read back by the
/// server, planned with their hazards, applied, checked as the roles see it,
/// and in sync afterwards.
@Suite struct SecurityTests {
    /// A role of its own for each test (roles are cluster-wide); an existing one is reused.
    static func role(_ h: Harness, _ name: String) throws -> String {
        try h.connection.execute("""
            DO $$ BEGIN CREATE ROLE \(quoteIdentifier(name)); EXCEPTION WHEN duplicate_object THEN NULL; END $$
            """)
        return name
    }

    static func declaration(_ yaml: String) throws -> Declaration {
        try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml")
    }

    /// `docs` with five rows, two of them owned by `role`.
    static func docsBefore(_ role: String) -> [String] {
        ["CREATE TABLE docs (id bigint PRIMARY KEY, owner text NOT NULL)",
         "INSERT INTO docs VALUES (1, '\(role)'), (2, 'x'), (3, '\(role)'), (4, 'y'), (5, 'z')"]
    }

    static func docsYAML(_ role: String, rls: String = "{ enabled: true }", policies: String? = nil,
                         grants: String? = nil) -> String {
        let p = policies ?? "docs_mine: { command: select, roles: [\(role)], using: \"owner = current_user\" }"
        return """
            version: 1
            grants:
              schema: { \(role): [usage] }
            tables:
              docs:
                columns:
                  id: bigint
                  owner: { type: text, nullable: false }
                primary_key: [id]
                row_level_security: \(rls)
                policies:
                  \(p)
                grants: \(grants ?? "{ \(role): [select] }")
            """
    }

    /// The number of rows of `docs` that `role` sees in `schema`.
    static func visible(_ h: Harness, _ role: String, in schema: String) throws -> String? {
        try h.connection.execute("SET ROLE \(quoteIdentifier(role))")
        defer { try? h.connection.execute("RESET ROLE") }
        return try h.rows("SELECT count(*) FROM \(quoteIdentifier(schema)).docs").first?.first ?? nil
    }

    static func changes(_ plan: PlanFile, _ tenant: String) -> [Change] {
        plan.changeSets.first { $0.tenants.values.contains { $0.contains(tenant) } }?.changes ?? []
    }

    static func held(_ plan: PlanFile, _ tenant: String) -> [HeldChange] {
        plan.changeSets.first { $0.tenants.values.contains { $0.contains(tenant) } }?.held ?? []
    }

    @Test func aPolicyFiltersRowsForItsRoleAndANewTenantEqualsTheConvertedOne() async throws {
        let h = try await Harness.make(prefix: "sec_policy")
        let app = try Self.role(h, "sec_app_policy")
        try h.run(Self.docsBefore(app), in: "t1", createSchema: true)
        let declaration = try Self.declaration(Self.docsYAML(app))
        let plan = try h.plan(declaration, tenants: ["t1"])
        let changes = Self.changes(plan, "t1")
        #expect(changes.map(\.sql) == [
            #"CREATE POLICY "docs_mine" ON "docs" AS PERMISSIVE FOR SELECT TO "sec_app_policy" USING (owner = current_user)"#,
            #"ALTER TABLE "docs" ENABLE ROW LEVEL SECURITY"#,
            #"GRANT SELECT ON TABLE "docs" TO "sec_app_policy""#,
            #"GRANT USAGE ON SCHEMA {tenant} TO "sec_app_policy""#,
        ], "\(changes.map(\.sql))")
        #expect(changes.map(\.hazards) == [[.exposesRows], [.hidesRows], [], []])
        #expect(changes[0].locks == [RelationLock("docs", .accessExclusive)])
        let report = try h.apply(plan)
        #expect(outcomes(report)["t1"] == .applied, "\(describe(report))")

        #expect(try Self.visible(h, app, in: "t1") == "2")
        #expect(try h.rows("SELECT count(*) FROM t1.docs") == [["5"]])
        #expect(try h.rows("SELECT has_table_privilege('\(app)', 't1.docs', 'SELECT'), "
                           + "has_table_privilege('\(app)', 't1.docs', 'INSERT'), "
                           + "has_schema_privilege('\(app)', 't1', 'USAGE')") == [["t", "f", "t"]])

        // In sync; a new tenant gets the same state.
        let again = try h.plan(declaration, tenants: ["t1", "t2"])
        #expect(Self.changes(again, "t1").isEmpty, "\(Self.changes(again, "t1").map(\.sql))")
        #expect(outcomes(try h.apply(again))["t2"] == .applied)
        #expect(try h.fingerprint("t2") == (try h.fingerprint("t1")))
        let state = try #require(try h.state("t2"))
        #expect(state.table(named: "docs")?.policies == [PolicyState(
            name: "docs_mine", command: "select", roles: [app], using: "owner = CURRENT_USER")])
        #expect(state.table(named: "docs")?.rowSecurity == RowSecurityState(enabled: true))
        #expect(state.schemaGrants == [GrantState(grantee: app, privileges: ["USAGE"])])
    }

    @Test func enablingRowSecurityWithoutAPermissivePolicyIsLoudAndHidesEveryRow() async throws {
        let h = try await Harness.make(prefix: "sec_nopolicy")
        let app = try Self.role(h, "sec_app_nopolicy")
        try h.run(Self.docsBefore(app) + ["GRANT USAGE ON SCHEMA t1 TO \(app)", "GRANT SELECT ON docs TO \(app)"],
                  in: "t1", createSchema: true)
        #expect(try Self.visible(h, app, in: "t1") == "5")
        let yaml = """
            version: 1
            tables:
              docs:
                columns:
                  id: bigint
                  owner: { type: text, nullable: false }
                primary_key: [id]
                row_level_security: { enabled: true, forced: true }
            """
        let plan = try h.plan(try Self.declaration(yaml), tenants: ["t1"])
        let changes = Self.changes(plan, "t1")
        #expect(changes.map(\.op) == [.enableRowSecurity, .forceRowSecurity])
        #expect(changes.first?.hazards == [.hidesRows, .hidesAllRows])
        #expect(changes.last?.hazards == [.hidesRows])
        #expect(outcomes(try h.apply(plan))["t1"] == .applied)
        #expect(try Self.visible(h, app, in: "t1") == "0")
        // Grants without a grants: key are kept, not drift.
        #expect(try h.rows("SELECT has_table_privilege('\(app)', 't1.docs', 'SELECT')") == [["t"]])
        #expect(Self.changes(try h.plan(try Self.declaration(yaml), tenants: ["t1"]), "t1").isEmpty)
        // Switched off again: rows show.
        let off = yaml.replacingOccurrences(of: "{ enabled: true, forced: true }", with: "{ enabled: false }")
        let offPlan = try h.plan(try Self.declaration(off), tenants: ["t1"])
        #expect(Self.changes(offPlan, "t1").map(\.hazards) == [[.exposesRows], [.exposesRows]])
        #expect(outcomes(try h.apply(offPlan))["t1"] == .applied)
        #expect(try Self.visible(h, app, in: "t1") == "5")
    }

    @Test func policiesChangeInPlaceOrAreRebuiltAndUndeclaredOnesNeedAllow() async throws {
        let h = try await Harness.make(prefix: "sec_change")
        let app = try Self.role(h, "sec_app_change")
        try h.run(Self.docsBefore(app) + [
            "ALTER TABLE docs ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY docs_mine ON docs FOR SELECT TO \(app) USING (owner = current_user)",
            "CREATE POLICY docs_legacy ON docs FOR SELECT TO \(app) USING (id > 4)",
            "GRANT USAGE ON SCHEMA t1 TO \(app)", "GRANT SELECT ON docs TO \(app)",
        ], in: "t1", createSchema: true)
        #expect(try Self.visible(h, app, in: "t1") == "3")
        // The expression changes: ALTER POLICY. The legacy policy is held back.
        let wider = Self.docsYAML(app, policies: "docs_mine: { command: select, roles: [\(app)], using: \"owner = current_user OR id = 2\" }")
        let plan = try h.plan(try Self.declaration(wider), tenants: ["t1"])
        #expect(Self.changes(plan, "t1").map(\.sql) == [
            #"ALTER POLICY "docs_mine" ON "docs" TO "sec_app_change" USING (owner = current_user OR id = 2)"#])
        let held = Self.held(plan, "t1")
        #expect(held.count == 1 && held[0].reason.contains("--allow policy:docs.docs_legacy"), "\(held)")
        #expect(outcomes(try h.apply(plan))["t1"] == .applied)
        #expect(try Self.visible(h, app, in: "t1") == "4")

        // Allowed, the legacy policy goes; a new command rebuilds the policy.
        let all = Self.docsYAML(app, policies: "docs_mine: { command: all, roles: [\(app)], using: \"owner = current_user\" }")
        let rebuilt = try h.plan(try Self.declaration(all), tenants: ["t1"],
                                 allowed: [try AllowSelector(parsing: "policy:docs.docs_legacy")])
        #expect(Self.changes(rebuilt, "t1").map(\.op) == [.dropPolicy, .dropPolicy, .createPolicy])
        #expect(Self.changes(rebuilt, "t1").filter { $0.hazards.contains(.dropsUnmanagedObject) }.map(\.sql)
                == [#"DROP POLICY "docs_legacy" ON "docs""#])
        #expect(outcomes(try h.apply(rebuilt))["t1"] == .applied)
        #expect(try Self.visible(h, app, in: "t1") == "2")
        #expect(Self.changes(try h.plan(try Self.declaration(all), tenants: ["t1"]), "t1").isEmpty)
    }

    @Test func aGrantsKeyMakesGrantsExact() async throws {
        let h = try await Harness.make(prefix: "sec_grants")
        let app = try Self.role(h, "sec_app_grants")
        let other = try Self.role(h, "sec_other_grants")
        try h.run(Self.docsBefore(app) + [
            "GRANT USAGE ON SCHEMA t1 TO \(app)", "GRANT SELECT, INSERT, DELETE ON docs TO \(app)",
            "GRANT SELECT ON docs TO \(other)",
        ], in: "t1", createSchema: true)
        let yaml = Self.docsYAML(app, rls: "{ enabled: false }",
                                 grants: "{ \(app): [select, update] }")
        let plan = try h.plan(try Self.declaration(yaml), tenants: ["t1"])
        let changes = Self.changes(plan, "t1")
        #expect(changes.map(\.sql).contains(#"GRANT UPDATE ON TABLE "docs" TO "sec_app_grants""#))
        #expect(changes.first { $0.op == .revoke }?.sql == #"REVOKE DELETE, INSERT ON TABLE "docs" FROM "sec_app_grants""#)
        #expect(changes.first { $0.op == .revoke }?.hazards == [.revokesPrivilege])
        let held = Self.held(plan, "t1")
        #expect(held.contains { $0.reason.contains("--allow grant:docs.sec_other_grants") }, "\(held)")
        #expect(outcomes(try h.apply(plan))["t1"] == .applied)
        let privileges = "SELECT has_table_privilege('\(app)', 't1.docs', 'UPDATE'), "
            + "has_table_privilege('\(app)', 't1.docs', 'DELETE'), has_table_privilege('\(other)', 't1.docs', 'SELECT')"
        #expect(try h.rows(privileges) == [["t", "f", "t"]])
        // Allowed, the other role's grant goes too.
        let allowed = try h.plan(try Self.declaration(yaml), tenants: ["t1"],
                                 allowed: [try AllowSelector(parsing: "grant:docs.sec_other_*")])
        #expect(Self.changes(allowed, "t1").map(\.sql) == [#"REVOKE SELECT ON TABLE "docs" FROM "sec_other_grants""#])
        #expect(outcomes(try h.apply(allowed))["t1"] == .applied)
        #expect(try h.rows(privileges) == [["t", "f", "f"]])
    }

    @Test func defaultPrivilegesReachTablesThePlanCreates() async throws {
        let h = try await Harness.make(prefix: "sec_defaults")
        let app = try Self.role(h, "sec_app_defaults")
        try h.run(["CREATE TABLE a (id integer PRIMARY KEY)", "INSERT INTO a VALUES (1), (2)"], in: "t1", createSchema: true)
        let yaml = """
            version: 1
            grants:
              default_privileges: { tables: { \(app): [select] }, sequences: { \(app): [usage] } }
            tables:
              a: { columns: { id: integer }, primary_key: [id] }
              b: { columns: { id: { type: integer, identity: by_default } }, primary_key: [id] }
            """
        let plan = try h.plan(try Self.declaration(yaml), tenants: ["t1"])
        let ops = Self.changes(plan, "t1").map(\.op)
        #expect(ops.prefix(2) == [.grantDefaultPrivileges, .grantDefaultPrivileges], "\(ops)")
        #expect(ops.contains(.createTable))
        // The existing table has no grants: key: its grants are not managed.
        #expect(!Self.changes(plan, "t1").contains { $0.op == .grant })
        let report = try h.apply(plan)
        #expect(outcomes(report)["t1"] == .applied, "\(describe(report))")
        #expect(try h.rows("SELECT has_table_privilege('\(app)', 't1.b', 'SELECT'), "
                           + "has_sequence_privilege('\(app)', 't1.b_id_seq', 'USAGE')") == [["t", "t"]])
        let again = try h.plan(try Self.declaration(yaml), tenants: ["t1", "t2"])
        #expect(Self.changes(again, "t1").isEmpty, "\(Self.changes(again, "t1").map(\.sql))")
        #expect(outcomes(try h.apply(again))["t2"] == .applied)
        #expect(try h.state("t2")?.table(named: "b") == (try h.state("t1")?.table(named: "b")))
        #expect(try h.state("t2")?.defaultPrivileges == (try h.state("t1")?.defaultPrivileges))
        #expect(try h.rows("SELECT has_table_privilege('\(app)', 't2.a', 'SELECT'), "
                           + "has_table_privilege('\(app)', 't1.a', 'SELECT')") == [["t", "f"]])
    }

    /// `import` writes row-level security, policies, grants and default
    /// privileges; the file re-plans the tenant in sync, and a new tenant from it equals it.
    @Test func importWritesThemAndRoundTrips() async throws {
        let h = try await Harness.make(prefix: "sec_import")
        let app = try Self.role(h, "sec_app_import")
        try h.run(Self.docsBefore(app) + [
            "ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE docs FORCE ROW LEVEL SECURITY",
            "CREATE POLICY docs_mine ON docs AS RESTRICTIVE FOR UPDATE TO \(app), public USING (owner = current_user) WITH CHECK (id > 0)",
            "COMMENT ON POLICY docs_mine ON docs IS 'own rows'",
            "CREATE POLICY docs_read ON docs USING (true)",
            "GRANT SELECT, UPDATE ON docs TO \(app)", "GRANT USAGE ON SCHEMA t1 TO \(app)",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA t1 GRANT SELECT ON TABLES TO \(app)",
        ], in: "t1", createSchema: true)
        // PostgreSQL keeps a policy for PUBLIC and other roles as one for PUBLIC alone.
        let outcome = try Importer(toolVersion: "test").importTenant("t1", database: "main", file: "schema.yaml",
                                                                   on: h.connection)
        try h.connection.execute("SELECT set_config('search_path', 'public', false)")
        #expect(outcome.problems.isEmpty, "\(outcome.problems)\n\(outcome.yaml)")
        #expect(outcome.yaml.contains("""
                grants:
                  schema: { \(app): [usage] }
                  default_privileges:
                    tables: { \(app): [select] }
                """), "\(outcome.yaml)")
        #expect(outcome.yaml.contains("""
                    row_level_security: { enabled: true, forced: true }
                    policies:
                      docs_mine: { command: update, as: restrictive, using: owner = CURRENT_USER, with_check: id > 0, comment: own rows }
                      docs_read: { command: all, using: "true" }
                    grants: { \(app): [select, update] }
                """), "\(outcome.yaml)")
        let declaration = try DeclarationLoader.parse(yaml: outcome.yaml, file: "schema.yaml")
        let plan = try h.plan(declaration, tenants: ["t1", "t2"])
        #expect(Self.changes(plan, "t1").isEmpty && Self.held(plan, "t1").isEmpty,
                "\(Self.changes(plan, "t1").map(\.sql)) \(Self.held(plan, "t1"))")
        #expect(outcomes(try h.apply(plan))["t2"] == .applied)
        #expect(try h.fingerprint("t2") == (try h.fingerprint("t1")))
    }

    /// The stamp covers `pg_policy` and `pg_default_acl` rows (the switches and
    /// ACLs are in `pg_class` and `pg_namespace` rows, covered already): the
    /// reflector's and the server's agree, and the server's changes with each.
    @Test func theStampCoversPoliciesAndDefaultPrivileges() async throws {
        let h = try await Harness.make(prefix: "sec_stamp")
        let app = try Self.role(h, "sec_app_stamp")
        try h.run(Self.docsBefore(app) + [
            "CREATE POLICY docs_mine ON docs USING (owner = current_user)", "COMMENT ON POLICY docs_mine ON docs IS 'x'",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA t1 GRANT SELECT ON TABLES TO \(app)",
        ], in: "t1", createSchema: true)
        func server() throws -> String? { try h.connection.pipeline([Stamp.statement(schema: "t1")])[0].scalar }
        func reflected() throws -> String? {
            var stamp: String?
            try Reflector().reflect(schemas: ["t1"], on: h.connection) { stamp = $0.stamp }
            return stamp
        }
        var seen: Set<String> = []
        for change in ["COMMENT ON POLICY docs_mine ON docs IS 'y'", "CREATE POLICY docs_two ON docs USING (true)",
                       "ALTER POLICY docs_two ON docs USING (id > 1)",
                       "ALTER DEFAULT PRIVILEGES IN SCHEMA t1 GRANT INSERT ON TABLES TO \(app)"] {
            let stamp = try #require(try reflected())
            #expect(try server() == stamp, "before \(change)")
            #expect(seen.insert(stamp).inserted)
            try h.run([change], in: "t1")
            #expect(try server() != stamp, "\(change)")
        }
        #expect(try server() == (try reflected()))
    }

    @Test func aMissingRoleIsAnErrorAtItsLineAndNothingIsTouched() async throws {
        let h = try await Harness.make(prefix: "sec_missing")
        let app = try Self.role(h, "sec_app_missing")
        try h.run(Self.docsBefore(app), in: "t1", createSchema: true)
        let yaml = Self.docsYAML(app, policies: "docs_mine: { roles: [sec_app_mising], using: \"true\" }")
        do {
            _ = try h.plan(try Self.declaration(yaml), tenants: ["t1"])
            Issue.record("expected an error for the missing role")
        } catch let errors as InputErrors {
            let error = try #require(errors.errors.first)
            #expect(errors.errors.count == 1)
            #expect(error.location?.line == 12 && error.location?.column == 28, "\(error)")
            #expect(error.message == "role 'sec_app_mising' does not exist on the server")
            #expect(error.hint == "did you mean 'sec_app_missing'?")
        }
    }
}
