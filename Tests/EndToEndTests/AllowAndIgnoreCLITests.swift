import Foundation
import Postgres
import Testing
import TestSupport

/// `plan --allow`, `ignore:` and `import` of a tenant a migration tool built, run
/// as a user would: exit codes, output, the plan file and the database afterwards.
@Suite struct AllowAndIgnoreCLITests {
    @Test func aMalformedSelectorIsAUsageError() async throws {
        let ws = try await Workspace.make(prefix: "allow_usage")
        let noKind = try await ws.tenantplan(["plan", "--allow", "users.display_name"])
        #expect(noKind.exitCode == 64, "\(noKind)")
        #expect(noKind.stderr.contains("--allow 'users.display_name' is not KIND:NAME"), "\(noKind)")
        #expect(noKind.stderr.contains("hint: did you mean --allow column:users.display_name?"), "\(noKind)")
        let typo = try await ws.tenantplan(["plan", "--allow", "column:orders.note", "--allow", "colum:orders.note"])
        #expect(typo.exitCode == 64, "\(typo)")
        #expect(typo.stderr.contains("--allow 'colum:orders.note': unknown kind 'colum'"), "\(typo)")
        #expect(typo.stderr.contains("did you mean 'column'?"), "\(typo)")
        let tableless = try await ws.tenantplan(["plan", "--allow", "column:note"])
        #expect(tableless.exitCode == 64, "\(tableless)")
        #expect(tableless.stderr.contains("column selectors name table.column"), "\(tableless)")
        #expect(!FileManager.default.fileExists(atPath: ws.url("plan.json").path), "nothing was planned")
        #expect(try ws.schemas() == systemSchemas, "nothing was touched")

        let help = try await ws.offline(["plan", "--help"])
        #expect(help.stdout.contains("--allow <selector>"), "\(help)")
    }

    @Test func allowOneColumnThenImportWritesIgnore() async throws {
        let ws = try await Workspace.make(prefix: "allow_import")
        let create = try await ws.tenantplan(["plan"])
        try #require(create.exitCode == 0, "\(create)")
        let created = try await ws.tenantplan(["apply", "plan.json"])
        try #require(created.exitCode == 0, "\(created)")
        for sql in [
            "CREATE TABLE acme.alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
            "INSERT INTO acme.alembic_version VALUES ('ae1027a6acf')",
            "ALTER TABLE acme.orders ADD COLUMN legacy text",
            "CREATE INDEX orders_manual_idx ON acme.orders (shipped_on)",
        ] { _ = try ws.query(sql) }

        // Only the named column is dropped; the rest stays held back, each with its own selector.
        let plan = try await ws.tenantplan(["plan", "--allow", "column:orders.legacy"])
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("Allowed by --allow: column:orders.legacy"), "\(plan)")
        #expect(plan.stdout.contains("Change 1 tenant (1 change): acme\n  - column orders.legacy  [data_loss, drops_unmanaged_object]"), "\(plan)")
        #expect(plan.stdout.contains("plan with --allow index:orders_manual_idx to allow it"), "\(plan)")
        #expect(plan.stdout.contains("plan with --allow table:alembic_version to allow it"), "\(plan)")
        let json = try JSONSerialization.jsonObject(with: Data(try ws.read("plan.json").utf8)) as? [String: Any]
        #expect(json?["allowed"] as? [String] == ["column:orders.legacy"])
        #expect(json?["allow_destructive"] as? Bool == false)
        let shown = try await ws.tenantplan(["show", "plan.json", "--format", "markdown"])
        #expect(shown.stdout.contains("Allowed by `--allow`: `column:orders.legacy`"), "\(shown)")
        let apply = try await ws.tenantplan(["apply", "plan.json"])
        #expect(apply.exitCode == 0, "\(apply)")
        #expect(try ws.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'acme' AND column_name = 'legacy'") == [["0"]])
        #expect(try ws.query("SELECT version_num FROM acme.alembic_version") == [["ae1027a6acf"]])

        // import leaves the bookkeeping table out and ignores it.
        _ = try ws.query("DROP INDEX acme.orders_manual_idx")
        let imported = try await ws.tenantplan(["import", "--tenant", "acme", "--out", "imported.yaml"])
        #expect(imported.exitCode == 0, "\(imported)")
        #expect(imported.stderr.contains("note: alembic_version is the migration bookkeeping table of Alembic: left out of imported.yaml and listed under ignore:"), "\(imported)")
        #expect(imported.stderr.contains("stop running Alembic on them"), "\(imported)")
        #expect(imported.stderr.contains("verified: planning tenant acme against imported.yaml finds it in sync"), "\(imported)")
        let yaml = try ws.read("imported.yaml")
        #expect(yaml.contains("\nignore:\n  tables: [alembic_version]\n"), "\(yaml)")
        #expect(!yaml.contains("  alembic_version:"), "\(yaml)")

        let replan = try await ws.tenantplan(["plan", "--schema", "imported.yaml", "--detailed-exitcode"])
        #expect(replan.exitCode == 0, "\(replan)")
        #expect(!replan.stdout.contains("alembic_version"), "\(replan)")
        #expect(replan.stdout.contains("Ignored: 1 object in 1 tenant (ignore: in schema.yaml), not shown."), "\(replan)")
        let destructive = try await ws.tenantplan(["plan", "--schema", "imported.yaml", "--allow-destructive"])
        #expect(destructive.exitCode == 0 && !destructive.stdout.contains("alembic_version"), "\(destructive)")
        #expect(try await ws.tenantplan(["apply", "plan.json"]).exitCode == 0)
        #expect(try ws.query("SELECT version_num FROM acme.alembic_version") == [["ae1027a6acf"]])
    }

    @Test func aBadIgnoreIsAValidationErrorAtItsLine() async throws {
        let ws = try await Workspace.make(prefix: "ignore_validate")
        let schema = try ws.read("schema.yaml")
        try ws.write("schema.yaml", schema + "ignore:\n  tabels: [alembic_version]\n  indexes: [orders_open_idx]\n")
        let lines = schema.components(separatedBy: "\n").count
        let result = try await ws.offline(["validate"])
        #expect(result.exitCode == 1, "\(result)")
        #expect(result.stderr.contains("schema.yaml:\(lines + 1):3: error: unknown key 'tabels' in 'ignore'"), "\(result)")
        #expect(result.stderr.contains("hint: did you mean 'tables'?"), "\(result)")
        #expect(result.stderr.contains("error: index 'orders_open_idx' of table 'orders' is declared, and also ignored by ignore: indexes 'orders_open_idx' at line \(lines + 2)"), "\(result)")
    }
}
