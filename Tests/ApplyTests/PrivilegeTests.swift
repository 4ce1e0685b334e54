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

/// Issue 10, finding 6: a role that cannot see a tenant fully makes `plan`,
/// `import`, `apply` and `provision` stop with an error naming the role, the
/// privilege and the GRANT, instead of reporting drift that is not there.
@Suite struct PrivilegeTests {
    static let tenantDDL = [
        "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)",
        "INSERT INTO items (name) VALUES ('a'), ('b')",
    ]

    static func declaration(extra: String = "") throws -> Declaration {
        try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              items:
                columns:
                  id: { type: serial }
                  name: { type: text, nullable: false }
            \(extra)
                primary_key: [id]
            """, file: "schema.yaml")
    }

    /// The tenant's `items`, a new table `notes`, and default privileges that give
    /// `role` SELECT on the tables created in the schema.
    static func declaration(defaultSelectFor role: String) throws -> Declaration {
        try DeclarationLoader.parse(yaml: """
            version: 1
            grants:
              default_privileges: { tables: { \(role): [select] } }
            tables:
              items:
                columns:
                  id: { type: serial }
                  name: { type: text, nullable: false }
                primary_key: [id]
              notes:
                columns: { id: integer }
            """, file: "schema.yaml")
    }

    /// A login role of its own (roles are cluster-wide), dropped with the harness's database.
    final class Role {
        let name: String
        let h: Harness
        init(_ h: Harness, grants: [String]) throws {
            name = "tp_role_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            self.h = h
            try h.connection.execute("CREATE ROLE \(quoteIdentifier(name)) LOGIN")
            for grant in grants {
                try h.connection.execute(grant.replacingOccurrences(of: "ROLE", with: quoteIdentifier(name))
                    .replacingOccurrences(of: "DB", with: quoteIdentifier(h.db.name)))
            }
        }
        deinit {
            try? h.connection.execute("DROP OWNED BY \(quoteIdentifier(name))")
            try? h.connection.execute("DROP ROLE IF EXISTS \(quoteIdentifier(name))")
        }
        /// Connections to the harness's database as this role.
        var resolver: ConnectionResolver {
            let conninfo = [("host", h.db.host), ("port", String(h.db.port)), ("user", name), ("dbname", h.db.name)]
                .map { "\($0.0)='\($0.1)'" }.joined(separator: " ")
            return ConnectionResolver(databaseURL: conninfo, environment: [:])
        }
    }

    func planAs(_ role: Role, _ declaration: Declaration, _ tenants: [String]) throws -> PlanFile {
        try Planner(connections: role.resolver).plan(PlanRequest(
            declaration: declaration, schemaSHA256: String(repeating: "0", count: 64),
            fleet: Harness.fleet(tenants), toolVersion: "test"))
    }

    @Test func planWithoutUsageOnATenantNamesRoleSchemaAndGrant() async throws {
        let h = try await Harness.make(prefix: "priv_usage")
        try h.run(Self.tenantDDL, in: "t1", createSchema: true)
        try h.run(Self.tenantDDL, in: "t2", createSchema: true)
        let role = try Role(h, grants: ["GRANT CREATE ON DATABASE DB TO ROLE", "GRANT USAGE ON SCHEMA t1 TO ROLE"])
        let error = try #require(throws: MissingPrivilege.self) { try planAs(role, try Self.declaration(), ["t1", "t2"]) }
        #expect(error == .schemaUsage(role: role.name, schemas: ["t2"]))
        let text = ErrorFormatter.text(for: error)
        #expect(text.contains("lacks USAGE on tenant schema 't2'"))
        #expect(text.contains("GRANT USAGE ON SCHEMA t2 TO \(role.name);"))
        // With the grant, the same role plans both tenants in sync.
        try h.connection.execute("GRANT USAGE ON SCHEMA t2 TO \(role.name)")
        let plan = try planAs(role, try Self.declaration(), ["t1", "t2"])
        let inSync = plan.changeSets.allSatisfy(\.inSync)
        #expect(inSync)
    }

    @Test func planWithoutCreateOnTheDatabaseSaysItIsForTheScratchSchema() async throws {
        let h = try await Harness.make(prefix: "priv_create")
        try h.run(Self.tenantDDL, in: "t1", createSchema: true)
        let role = try Role(h, grants: ["GRANT USAGE ON SCHEMA t1 TO ROLE"])
        let error = try #require(throws: MissingPrivilege.self) { try planAs(role, try Self.declaration(), ["t1"]) }
        #expect(error == .createOnDatabase(role: role.name, database: h.db.name))
        #expect(error.hint?.contains("plan needs it for its scratch schema") == true)
        #expect(error.hint?.contains("GRANT CREATE ON DATABASE \(h.db.name) TO \(role.name);") == true)
    }

    @Test func importWithoutUsageFailsAndWritesNothing() async throws {
        let h = try await Harness.make(prefix: "priv_import")
        try h.run(Self.tenantDDL, in: "t1", createSchema: true)
        let role = try Role(h, grants: ["GRANT CREATE ON DATABASE DB TO ROLE"])
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("priv-\(UUID().uuidString).yaml").path
        let frontend = ImportFrontend(tenant: "t1", out: out, tenants: nil, force: false,
                                      connections: role.resolver, toolVersion: "test", note: { _ in })
        #expect(throws: MissingPrivilege.schemaUsage(role: role.name, schemas: ["t1"])) { try frontend.run() }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func applyWithoutUsageFailsTheTenantNamingThePrivilege() async throws {
        let h = try await Harness.make(prefix: "priv_apply")
        try h.run(Self.tenantDDL, in: "t1", createSchema: true)
        let declaration = try Self.declaration(extra: "      note: { type: text }")
        let plan = try h.plan(declaration, tenants: ["t1"])
        let inSync = plan.changeSets.allSatisfy(\.inSync)
        #expect(!inSync)
        let role = try Role(h, grants: [])
        let report = try Applier(connections: role.resolver, options: ApplyOptions(parallel: 1, retries: 1)).apply(plan)
        #expect(outcomes(report) == ["t1": .failed], "\(describe(report))")
        #expect(describe(report).contains("lacks USAGE on tenant schema 't1'"), "\(describe(report))")
        let columns = try h.rows("SELECT count(*) FROM pg_attribute WHERE attrelid = 't1.items'::regclass AND attname = 'note'")
        #expect(columns == [["0"]])
    }

    /// Default privileges are the schema owner's, whichever role plans: with the
    /// setup of docs/privileges.md (plan as a reading role, apply as the owner),
    /// a plan reads what `apply` set, and is in sync after it; the planning
    /// role's own default privileges in the schema are not the tenant's. (Read
    /// for the role that plans, they never converged: every plan granted again.)
    @Test func defaultPrivilegesAreTheSchemaOwnersWhicheverRolePlans() async throws {
        let h = try await Harness.make(prefix: "priv_defaults")
        try h.run(Self.tenantDDL, in: "t1", createSchema: true)
        let app = try Role(h, grants: [])
        let planner = try Role(h, grants: ["GRANT CREATE ON DATABASE DB TO ROLE", "GRANT pg_read_all_data TO ROLE"])
        try h.connection.execute("""
            ALTER DEFAULT PRIVILEGES FOR ROLE \(quoteIdentifier(planner.name)) IN SCHEMA t1
                GRANT INSERT ON TABLES TO \(quoteIdentifier(app.name))
            """)
        let declaration = try Self.declaration(defaultSelectFor: app.name)
        let first = try planAs(planner, declaration, ["t1"])
        let changes = first.changeSets.flatMap(\.changes)
        #expect(changes.first?.sql == """
            ALTER DEFAULT PRIVILEGES IN SCHEMA {tenant} GRANT SELECT ON TABLES TO "\(app.name)"
            """, "\(changes.map(\.sql))")
        // The owner applies.
        let report = try h.apply(try PlanFile.decode(first.encoded(), file: "plan.json"))
        #expect(outcomes(report) == ["t1": .applied], "\(describe(report))")
        #expect(try h.rows("SELECT has_table_privilege($1, 't1.notes', 'SELECT'), has_table_privilege($1, 't1.notes', 'INSERT')",
                           [app.name]) == [["t", "f"]])
        let again = try planAs(planner, declaration, ["t1"])
        let inSync = again.changeSets.allSatisfy(\.inSync)
        #expect(inSync, "\(again.changeSets.flatMap(\.changes).map(\.sql))")
        // The owner's default privileges changed by hand are drift the planning role sees.
        try h.connection.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA t1 REVOKE SELECT ON TABLES FROM \(quoteIdentifier(app.name))")
        let drifted = try planAs(planner, declaration, ["t1"])
        #expect(drifted.changeSets.flatMap(\.changes).map(\.op) == [.grantDefaultPrivileges])
    }

    /// `apply` sets default privileges as the schema's owner only: a session acting
    /// as another role would set its own, which the check before `COMMIT` finds
    /// missing on every run. It fails the tenant naming the owner, and changes nothing.
    @Test func defaultPrivilegesAreSetOnlyByTheSchemasOwner() async throws {
        let h = try await Harness.make(prefix: "priv_defaults_set")
        try h.run(Self.tenantDDL, in: "t1", createSchema: true)
        let app = try Role(h, grants: [])
        let owner = try Role(h, grants: [])
        try h.connection.execute("ALTER SCHEMA t1 OWNER TO \(quoteIdentifier(owner.name))")
        let declaration = try Self.declaration(defaultSelectFor: app.name)
        let plan = try h.plan(declaration, tenants: ["t1"])
        // The harness's role (a superuser, not the owner) applies.
        let report = try h.apply(plan)
        #expect(outcomes(report) == ["t1": .failed], "\(describe(report))")
        #expect(describe(report).contains("default privileges in schema \"t1\" are its owner's (\(owner.name))"),
                "\(describe(report))")
        #expect(try h.rows("""
            SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = 't1'
            """) == [["0"]])
        #expect(try h.rows("SELECT to_regclass('t1.notes') IS NULL, count(*) FROM t1.items") == [["t", "2"]])
    }

    @Test func provisionOfAnExistingSchemaWithoutUsageFails() async throws {
        let h = try await Harness.make(prefix: "priv_prov")
        try h.run(Self.tenantDDL, in: "t1", createSchema: true)
        let role = try Role(h, grants: ["GRANT CREATE ON DATABASE DB TO ROLE"])
        #expect(throws: MissingPrivilege.schemaUsage(role: role.name, schemas: ["t1"])) {
            try Provisioner(connections: role.resolver).provision(
                "t1", database: nil, declaration: try Self.declaration(), fleet: Harness.fleet(["t1"]))
        }
    }
}
