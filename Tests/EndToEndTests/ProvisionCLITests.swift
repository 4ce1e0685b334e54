import Foundation
import SQLSyntax
import Testing
import TestSupport

/// `tenantplan provision NAME` through the built binary: output, JSON, exit codes,
/// concurrent calls, and the database afterwards.
@Suite struct ProvisionCLITests {
    /// The JSON object `provision --format json` prints.
    struct Result: Decodable {
        var tenant: String
        var database: String
        var outcome: String
        var seconds: Double
        var fingerprint: String
        var changes: Int
        var attempts: Int
        var managed: Bool
        var differences: [String]
        var notes: [String]

        static func decode(_ run: CommandResult) throws -> Result {
            try JSONDecoder().decode(Result.self, from: Data(run.stdout.utf8))
        }
    }

    /// `{"error": {...}}`.
    struct ErrorResult: Decodable {
        struct Body: Decodable {
            struct Diagnostic: Decodable { var summary: String; var place: String?; var hint: String? }
            var summary: String
            var nothing_changed: Bool
            var diagnostics: [Diagnostic]
        }
        var error: Body
    }

    /// The relations of `schema` with their oids, and the rows of its customers.
    static func snapshot(_ w: Workspace, _ schema: String) throws -> [[String?]] {
        try w.query("""
            SELECT c.relname, c.oid::int8::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 ORDER BY c.relname
            """, [schema]) + w.query("SELECT email, name FROM \(quoteIdentifier(schema)).customers ORDER BY id")
    }

    /// Runs the binary `count` times at once, with `args(i)`.
    static func concurrently(_ w: Workspace, _ count: Int, _ args: @escaping @Sendable (Int) -> [String]) async throws
        -> [CommandResult]
    {
        let env = w.db.environment
        let dir = w.directory
        return try await withThrowingTaskGroup(of: CommandResult.self) { group in
            for i in 0..<count {
                group.addTask {
                    try await onThread { try runTenantplan(args(i), environment: env, currentDirectory: dir, timeout: 120) }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func aNewTenantIsCreatedAndThenPlansInSync() async throws {
        let w = try await Workspace.make(prefix: "e2e_prov")
        let created = try await w.tenantplan(["provision", "acme"])
        #expect(created.exitCode == 0, "\(created)")
        #expect(created.stdout.hasPrefix("Provisioned tenant acme in database main: 24 changes, verified and committed in "),
                "\(created)")
        #expect(created.stderr.isEmpty, "\(created)")
        #expect(try w.schemas() == (systemSchemas + ["acme"]).sorted())
        #expect(try CLITests.tenantTables(w) == ["acme": CLITests.tables])

        let plan = try await w.tenantplan(["plan", "--tenant", "acme", "--detailed-exitcode"])
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("Plan: 0 tenants to create, 0 to change, 1 in sync."), "\(plan)")

        // Rows go in; a second call finds it already provisioned and keeps them.
        _ = try w.query("INSERT INTO acme.customers (email, name) VALUES ('a@example.com', 'A')")
        let before = try Self.snapshot(w, "acme")
        let again = try await w.tenantplan(["provision", "acme"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.stdout == "Already provisioned: tenant acme in database main is in sync with the declaration; nothing was changed.\n",
                "\(again)")
        #expect(try Self.snapshot(w, "acme") == before)

        let json = try await w.tenantplan(["provision", "acme", "--format", "json"])
        #expect(json.exitCode == 0, "\(json)")
        #expect(json.stdout.split(separator: "\n").count == 1, "one object on one line: \(json)")
        let result = try Result.decode(json)
        #expect(result.tenant == "acme" && result.database == "main" && result.outcome == "already_provisioned")
        #expect(result.changes == 0 && result.attempts == 1 && result.managed && result.notes.isEmpty)
        #expect(result.seconds > 0 && result.seconds < 60)
        let planFile = try #require(try JSONSerialization.jsonObject(with: Data(w.read("plan.json").utf8)) as? [String: Any])
        let desired = (planFile["databases"] as? [[String: Any]])?.first?["desired_fingerprint"] as? String
        #expect(result.fingerprint == desired)
    }

    @Test func jsonOutputOfANewTenantTheFleetDoesNotList() async throws {
        let w = try await Workspace.make(prefix: "e2e_prov_json")
        let run = try await w.tenantplan(["provision", "newco", "--format", "json"])
        #expect(run.exitCode == 0, "\(run)")
        let result = try Result.decode(run)
        #expect(result.outcome == "created" && result.changes == 24 && result.tenant == "newco")
        #expect(!result.managed)
        #expect(result.notes == ["tenant 'newco' is neither listed in tenants.yaml nor found by its discover: rules for "
            + "database 'main', so the next plan will not manage it: list it under tenants: or make a discover: rule find it"])
        #expect(result.fingerprint.count == 64)

        let text = try await w.tenantplan(["provision", "other"])
        #expect(text.exitCode == 0, "\(text)")
        #expect(text.stdout.contains("\nnote: tenant 'other' is neither listed in tenants.yaml"), "\(text)")
    }

    @Test func aTenantThatExistsAndDiffersExitsOneAndIsUntouched() async throws {
        let w = try await Workspace.make(prefix: "e2e_prov_differs")
        try #require(try await w.tenantplan(["provision", "acme"]).exitCode == 0)
        _ = try w.query("INSERT INTO acme.customers (email, name) VALUES ('keep@example.com', 'Keep')")
        _ = try w.query("DROP INDEX acme.orders_open_idx")
        let before = try Self.snapshot(w, "acme")

        let text = try await w.tenantplan(["provision", "acme"])
        #expect(text.exitCode == 1, "\(text)")
        #expect(text.stdout.isEmpty, "\(text)")
        #expect(text.stderr == """
            error: tenant 'acme' already exists in database 'main' and differs from the declaration
              detail: a plan for it holds:
                + index orders_open_idx on orders
              hint: provision creates new tenants only: bring this one to the declaration with `tenantplan plan --tenant acme` and `tenantplan apply`
            1 error; nothing was changed in any database.

            """, "\(text)")

        let json = try await w.tenantplan(["provision", "acme", "--format", "json"])
        #expect(json.exitCode == 1, "\(json)")
        let result = try Result.decode(json)
        #expect(result.outcome == "differs" && result.differences == ["+ index orders_open_idx on orders"])
        #expect(try Self.snapshot(w, "acme") == before)
    }

    @Test func eightConcurrentCallsForOneNameCreateItOnce() async throws {
        let w = try await Workspace.make(prefix: "e2e_prov_same")
        let runs = try await Self.concurrently(w, 8) { _ in ["provision", "acme", "--format", "json"] }
        #expect(runs.allSatisfy { $0.exitCode == 0 }, "\(runs)")
        let outcomes = try runs.map { try Result.decode($0).outcome }
        #expect(outcomes.filter { $0 == "created" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "already_provisioned" }.count == 7, "\(outcomes)")
        let plan = try await w.tenantplan(["plan", "--tenant", "acme", "--detailed-exitcode"])
        #expect(plan.exitCode == 0, "\(plan)")
    }

    @Test func concurrentCallsForEightNamesCreateEach() async throws {
        let w = try await Workspace.make(prefix: "e2e_prov_many")
        let names = (1...8).map { "shop_\($0)" }
        let runs = try await Self.concurrently(w, 8) { ["provision", names[$0], "--format", "json"] }
        #expect(runs.allSatisfy { $0.exitCode == 0 }, "\(runs)")
        #expect(try runs.map { try Result.decode($0) }.allSatisfy { $0.outcome == "created" })
        try w.write("tenants.yaml", "version: 1\ndiscover:\n  - { schemas_like: \"shop\\\\_%\" }\n")
        let plan = try await w.tenantplan(["plan", "--detailed-exitcode"])
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("Plan: 0 tenants to create, 0 to change, 8 in sync."), "\(plan)")
    }

    @Test func reservedNamesAndBadDatabasesAreRefusedWithNothingChanged() async throws {
        let w = try await Workspace.make(prefix: "e2e_prov_refused")
        let publicRun = try await w.tenantplan(["provision", "public"])
        #expect(publicRun.exitCode == 1, "\(publicRun)")
        #expect(publicRun.stderr == """
            error: 'public' cannot be a tenant: 'public' is the shared schema, never a tenant
              hint: tenants are the application's own schemas: choose another name
            1 error; nothing was changed in any database.

            """, "\(publicRun)")

        let pg = try await w.tenantplan(["provision", "pg_x", "--format", "json"])
        #expect(pg.exitCode == 1, "\(pg)")
        let error = try JSONDecoder().decode(ErrorResult.self, from: Data(pg.stdout.utf8)).error
        #expect(error.summary == "'pg_x' cannot be a tenant: schemas starting with 'pg_' are reserved by PostgreSQL")
        #expect(error.nothing_changed && error.diagnostics.count == 1)

        let database = try await w.tenantplan(["provision", "acme", "--database", "eu", "--format", "json"])
        #expect(database.exitCode == 1, "\(database)")
        let unknown = try JSONDecoder().decode(ErrorResult.self, from: Data(database.stdout.utf8)).error
        #expect(unknown.summary == "--database eu: no such database in tenants.yaml (it declares 'main')")

        try w.write("schema.yaml", "version: 1\ntables:\n  t:\n    columns:\n      id: { type: bigint, nulable: false }\n")
        let input = try await w.tenantplan(["provision", "acme", "--format", "json"])
        #expect(input.exitCode == 1, "\(input)")
        let invalid = try JSONDecoder().decode(ErrorResult.self, from: Data(input.stdout.utf8)).error
        #expect(invalid.diagnostics.first?.place == "schema.yaml:5:27", "\(input)")
        #expect(invalid.diagnostics.first?.hint == "did you mean 'nullable'?", "\(input)")

        let usage = try await w.tenantplan(["provision"])
        #expect(usage.exitCode == 64, "\(usage)")
        #expect(try w.schemas() == systemSchemas)
    }
}
