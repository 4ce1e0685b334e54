import Foundation
import Postgres
import Testing
import TestSupport

/// `tenantplan import` run as a user would: adopt an existing tenant, then plan and
/// apply the fleet against the written file.
@Suite struct ImportCLITests {
    static let tenantDDL = [
        "CREATE SCHEMA acme",
        "SET search_path = acme",
        "CREATE TYPE order_status AS ENUM ('pending', 'paid')",
        "CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now())",
        "COMMENT ON TABLE customers IS 'People: who buy things'",
        """
        CREATE TABLE orders (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            customer_id integer NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
            status order_status NOT NULL DEFAULT 'pending',
            total numeric(12,2) NOT NULL DEFAULT 0 CHECK (total >= 0))
        """,
        "CREATE INDEX orders_open_idx ON orders (customer_id) WHERE status = 'pending'",
        "CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'pending'",
        "SET search_path = public",
    ]

    func setUp(_ ws: Workspace) throws {
        let connection = try ws.db.connect()
        defer { connection.close() }
        for sql in Self.tenantDDL { try connection.execute(sql) }
        try? FileManager.default.removeItem(at: ws.url("schema.yaml"))
        try? FileManager.default.removeItem(at: ws.url("tenants.yaml"))
    }

    @Test func importThenPlanFindsTheTenantInSync() async throws {
        let ws = try await Workspace.make(prefix: "import_cli")
        try setUp(ws)
        try ws.write("tenants.yaml", "version: 1\ntenants:\n  - acme\n")

        let imported = try await ws.tenantplan(["import", "--tenant", "acme", "--out", "schema.yaml"])
        #expect(imported.exitCode == 0, "\(imported)")
        #expect(imported.stderr.contains("imported 2 tables, 1 enum from tenant acme into schema.yaml"), "\(imported)")
        #expect(imported.stderr.contains("verified"), "\(imported)")
        let yaml = try ws.read("schema.yaml")
        #expect(yaml.hasPrefix("# Imported by tenantplan"))
        // The view is declared now, not listed as unmanaged.
        #expect(yaml.contains("views:\n  open_orders:\n"), "\(yaml)")
        #expect(yaml.contains("{ type: serial }"), "\(yaml)")

        let plan = try await ws.tenantplan(["plan", "--detailed-exitcode"])
        #expect(plan.exitCode == 0, "\(plan)\n\(yaml)")

        // A second import does not overwrite the file unless told to.
        let again = try await ws.tenantplan(["import", "--tenant", "acme", "--out", "schema.yaml"])
        #expect(again.exitCode == 1)
        #expect(again.stderr.contains("already exists") && again.stderr.contains("--force"), "\(again)")
        #expect(try ws.read("schema.yaml") == yaml)
        let forced = try await ws.tenantplan(["import", "--tenant", "acme", "--out", "schema.yaml", "--force"])
        #expect(forced.exitCode == 0, "\(forced)")
        #expect(try ws.read("schema.yaml") == yaml)

        // A new tenant gets the same schema, and the fleet is then in sync.
        try ws.write("tenants.yaml", "version: 1\ntenants:\n  - acme\n  - globex\n")
        let create = try await ws.tenantplan(["plan", "--detailed-exitcode"])
        #expect(create.exitCode == 2, "\(create)")
        let apply = try await ws.tenantplan(["apply", "plan.json"])
        #expect(apply.exitCode == 0, "\(apply)")
        let after = try await ws.tenantplan(["plan", "--detailed-exitcode"])
        #expect(after.exitCode == 0, "\(after)")
        let tables = try ws.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'globex' ORDER BY 1")
        // The imported view comes along with the tables.
        #expect(tables == [["customers"], ["open_orders"], ["orders"]])
    }

    @Test func missingTenantAndNoFleetFile() async throws {
        let ws = try await Workspace.make(prefix: "import_cli_missing")
        try setUp(ws)

        // Without tenants.yaml the default connection (PG* here) is used.
        let missing = try await ws.tenantplan(["import", "--tenant", "nobody", "--out", "other.yaml"])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("no schema \"nobody\""), "\(missing)")
        #expect(!FileManager.default.fileExists(atPath: ws.url("other.yaml").path))

        let ok = try await ws.tenantplan(["import", "--tenant", "acme"])
        #expect(ok.exitCode == 0, "\(ok)")
        #expect(FileManager.default.fileExists(atPath: ws.url("schema.yaml").path))

        // An explicit --tenants that does not exist is an error, not a silent fallback.
        let noFleet = try await ws.tenantplan(["import", "--tenant", "acme", "--out", "x.yaml", "--tenants", "fleet.yaml"])
        #expect(noFleet.exitCode == 1)
        #expect(noFleet.stderr.contains("fleet.yaml"), "\(noFleet)")
    }
}
