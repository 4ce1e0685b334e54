import Foundation
import Testing
import TestSupport

/// The built `tenantplan` binary, run as a user would: in a directory holding the
/// example `schema.yaml` and `tenants.yaml`, against a fresh database reached
/// through libpq's `PG*` variables. Output is a pipe, never a terminal.
@Suite struct CLITests {
    static let tables = ["customers", "order_items", "orders", "products"]

    /// The tables of each tenant schema, by tenant.
    static func tenantTables(_ w: Workspace) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for row in try w.query("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[]) ORDER BY 1, 2
            """, ["{acme,globex,initech}"]) {
            out[row[0]!, default: []].append(row[1]!)
        }
        return out
    }

    @Test func planApplyAndPlanAgain() async throws {
        let w = try await Workspace.make(prefix: "e2e_cycle")
        var outputs: [CommandResult] = []

        // plan
        let plan = try await w.tenantplan(["plan"])
        outputs.append(plan)
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("Plan: 3 tenants to create, 0 to change, 0 in sync."), "\(plan)")
        #expect(plan.stdout.contains("Create 3 tenants (24 changes): acme, globex, initech"), "\(plan)")
        #expect(plan.stdout.contains("Saved the plan to plan.json"))
        let planText = try w.read("plan.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(planText.utf8)) as? [String: Any])
        #expect(json["format"] as? String == "tenantplan-plan")
        #expect(json["format_version"] as? Int == 2)
        #expect((json["digest"] as? String)?.hasPrefix("sha256:") == true)
        let databases = try #require(json["databases"] as? [[String: Any]])
        #expect(databases.map { $0["database_name"] as? String } == [w.db.name])
        // No connection settings in the plan: neither the socket directory nor a URL.
        #expect(!planText.contains(w.db.host))
        #expect(databases.allSatisfy { $0["url"] == nil })
        // Planning changed nothing.
        #expect(try w.schemas() == systemSchemas)

        let detailed = try await w.tenantplan(["plan", "--detailed-exitcode"])
        outputs.append(detailed)
        #expect(detailed.exitCode == 2, "\(detailed)")
        #expect(detailed.stdout.contains("Plan: 3 tenants to create, 0 to change, 0 in sync."))

        // show
        let show = try await w.tenantplan(["show", "plan.json"])
        outputs.append(show)
        #expect(show.exitCode == 0, "\(show)")
        #expect(show.stdout.contains(#"CREATE TYPE "order_status" AS ENUM ('pending', 'paid', 'shipped', 'cancelled')"#), "\(show)")
        #expect(show.stdout.contains(#"CREATE TABLE "order_items" ("#))
        #expect(show.stdout.contains(#"CREATE INDEX "orders_open_idx" ON "orders" ("placed_at") WHERE (status in ('pending', 'paid'))"#), "\(show)")
        #expect(show.stdout.contains("Plan: 3 tenants to create, 0 to change, 0 in sync."))

        // other formats
        let markdown = try await w.tenantplan(["plan", "--format", "markdown"])
        outputs.append(markdown)
        #expect(markdown.exitCode == 0, "\(markdown)")
        #expect(markdown.stdout.hasPrefix("### tenantplan\n"), "\(markdown)")
        #expect(markdown.stdout.contains("**Plan: 3 tenants to create, 0 to change, 0 in sync.**"))
        #expect(markdown.stdout.contains("Tenants: `acme`, `globex`, `initech`"))
        let showMarkdown = try await w.tenantplan(["show", "plan.json", "--format", "markdown"])
        outputs.append(showMarkdown)
        #expect(showMarkdown.exitCode == 0 && showMarkdown.stdout.contains("### tenantplan"), "\(showMarkdown)")

        let jsonOut = try await w.tenantplan(["plan", "--format", "json"])
        outputs.append(jsonOut)
        #expect(jsonOut.exitCode == 0, "\(jsonOut)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(jsonOut.stdout.utf8)) as? [String: Any])
        #expect(parsed["format"] as? String == "tenantplan-plan")
        let sets = try #require(parsed["change_sets"] as? [[String: Any]])
        #expect(sets.count == 1)
        #expect((sets.first?["tenants"] as? [String: [String]]) == ["main": tenantNames])
        #expect((sets.first?["changes"] as? [Any])?.count == 24)

        let noColor = try await w.tenantplan(["plan"], environment: ["NO_COLOR": "1", "TERM": "xterm-256color"])
        outputs.append(noColor)
        #expect(noColor.exitCode == 0)

        // apply (keeping the plan's file: later runs of `plan` overwrite plan.json)
        try FileManager.default.copyItem(at: w.url("plan.json"), to: w.url("first.json"))
        let apply = try await w.tenantplan(["apply", "plan.json"])
        outputs.append(apply)
        #expect(apply.exitCode == 0, "\(apply)")
        #expect(apply.stdout.contains("Apply: 3 applied, 0 already applied, 0 stale, 0 failed, 0 not started."), "\(apply)")
        #expect(try w.schemas() == (systemSchemas + tenantNames).sorted())
        #expect(try Self.tenantTables(w) == ["acme": Self.tables, "globex": Self.tables, "initech": Self.tables])
        #expect(try w.query("SELECT enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'globex' AND t.typname = 'order_status' ORDER BY e.enumsortorder")
                == [["pending"], ["paid"], ["shipped"], ["cancelled"]])
        #expect(try w.query("INSERT INTO acme.customers (email, name) VALUES ('a@example.com', 'A') RETURNING id::text") == [["1"]])

        // plan again: in sync
        let again = try await w.tenantplan(["plan", "--detailed-exitcode"])
        outputs.append(again)
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.stdout.contains("Plan: 0 tenants to create, 0 to change, 3 in sync."), "\(again)")

        // applying the first plan's file again changes nothing
        let reapply = try await w.tenantplan(["apply", "first.json", "--format", "json"])
        outputs.append(reapply)
        #expect(reapply.exitCode == 0, "\(reapply)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(reapply.stdout.utf8)) as? [String: Any])
        #expect(report["succeeded"] as? Bool == true)
        #expect((report["counts"] as? [String: Int])?["already_applied"] == 3)
        #expect((report["counts"] as? [String: Int])?["applied"] == 0)
        #expect(try w.query("SELECT email FROM acme.customers") == [["a@example.com"]])

        // drift in one tenant: detailed exit code 2, one to change
        _ = try w.query("DROP INDEX globex.orders_open_idx")
        let drift = try await w.tenantplan(["plan", "--detailed-exitcode"])
        outputs.append(drift)
        #expect(drift.exitCode == 2, "\(drift)")
        #expect(drift.stdout.contains("Plan: 0 tenants to create, 1 to change, 2 in sync."), "\(drift)")
        #expect(drift.stdout.contains("Change 1 tenant (1 change): globex"), "\(drift)")
        #expect(drift.stdout.contains("+ index orders_open_idx on orders"), "\(drift)")

        // Output is not a terminal: never an escape sequence, NO_COLOR or not.
        for output in outputs {
            #expect(!hasEscape(output.stdout) && !hasEscape(output.stderr), "\(output)")
        }
    }

    @Test func aTamperedPlanIsRefusedAndChangesNothing() async throws {
        let w = try await Workspace.make(prefix: "e2e_tamper")
        let plan = try await w.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")

        // Edit one SQL string, leaving the rest of the file byte for byte.
        let original = try w.read("plan.json")
        let needle = #"\"email\" text NOT NULL"#
        #expect(original.components(separatedBy: needle).count == 2)
        try w.write("plan.json", original.replacingOccurrences(of: needle, with: #"\"email\" text"#))
        #expect(try w.read("plan.json") != original)

        let apply = try await w.tenantplan(["apply", "plan.json"])
        #expect(apply.exitCode == 1, "\(apply)")
        #expect(apply.stderr.contains("plan.json: error: the plan's content does not match its digest"), "\(apply)")
        #expect(apply.stdout.isEmpty, "\(apply)")
        #expect(try w.schemas() == systemSchemas)

        // The untouched file still applies.
        try w.write("plan.json", original)
        let good = try await w.tenantplan(["apply", "plan.json"])
        #expect(good.exitCode == 0, "\(good)")
        #expect(try w.schemas() == (systemSchemas + tenantNames).sorted())
    }

    @Test func aPlanForAnotherDatabaseIsRefusedAndChangesNothing() async throws {
        let w = try await Workspace.make(prefix: "e2e_db_a")
        let other = try w.otherDatabase(prefix: "e2e_db_b")
        let plan = try await w.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")

        let apply = try await w.tenantplan(["apply", "plan.json"], database: other)
        #expect(apply.exitCode == 1, "\(apply)")
        #expect(apply.stderr.contains("the plan was made for database 'main' = \(w.db.name)"), "\(apply)")
        #expect(apply.stderr.contains("but the connection reaches \(other.name)"), "\(apply)")
        #expect(apply.stderr.contains("nothing was changed"))
        #expect(try w.schemas(in: other) == systemSchemas)
        #expect(try w.schemas() == systemSchemas)

        // --database-url wins over PGDATABASE, and is checked the same way.
        let byURL = try await w.tenantplan(["apply", "plan.json", "--database-url", other.url])
        #expect(byURL.exitCode == 1, "\(byURL)")
        #expect(try w.schemas(in: other) == systemSchemas)
    }

    @Test func validateNamesTheFileLineAndColumnOfAMisspeltKey() async throws {
        let w = try await Workspace.make(prefix: "e2e_validate")
        let valid = try await w.offline(["validate"])
        #expect(valid.exitCode == 0, "\(valid)")
        #expect(valid.stdout.contains("schema.yaml: 4 tables, 1 enum"), "\(valid)")
        #expect(valid.stdout.contains("Valid."))

        let at = try w.editSchema(
            replacing: "email:      { type: text, nullable: false }",
            with: "email:      { type: text, nulable: false }", marker: "nulable")
        #expect(at.line == 13)
        let result = try await w.offline(["validate"])
        #expect(result.exitCode == 1, "\(result)")
        #expect(result.stderr.contains("schema.yaml:\(at.line):\(at.column): error: unknown key 'nulable'"), "\(result)")
        #expect(result.stderr.contains("nullable"))
        #expect(result.stderr.contains("1 error; nothing was changed in any database."), "\(result)")
        #expect(!result.stdout.contains("Valid."))

        // plan refuses the same file before connecting anywhere.
        let plan = try await w.tenantplan(["plan"])
        #expect(plan.exitCode == 1, "\(plan)")
        #expect(plan.stderr.contains("schema.yaml:\(at.line):\(at.column):"), "\(plan)")
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))
    }

    @Test func aTypeOnlyTheServerRejectsFailsThePlanAtItsLine() async throws {
        let w = try await Workspace.make(prefix: "e2e_server_type")
        let at = try w.editSchema(
            replacing: "country:    { type: char(2),", with: "country:    { type: public.no_such_type,",
            marker: "public.no_such_type")
        #expect(at.line == 15)

        // Offline, a schema-qualified type cannot be judged.
        let valid = try await w.offline(["validate"])
        #expect(valid.exitCode == 0, "\(valid)")

        let plan = try await w.tenantplan(["plan"])
        #expect(plan.exitCode == 1, "\(plan)")
        #expect(plan.stderr.contains("schema.yaml:\(at.line):\(at.column): error: PostgreSQL rejects this declaration: type \"public.no_such_type\" does not exist (SQLSTATE 42704)"), "\(plan)")
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))
        #expect(try w.schemas() == systemSchemas)   // no tenant, no scratch schema left behind
    }

    @Test func aMisspeltBuiltInTypeFailsThePlanAtItsLine() async throws {
        let w = try await Workspace.make(prefix: "e2e_bigintt")
        let at = try w.editSchema(
            replacing: "id:         { type: bigint, identity: always }\n      email:",
            with: "id:         { type: bigintt, identity: always }\n      email:", marker: "bigintt")
        #expect(at.line == 12)
        let plan = try await w.tenantplan(["plan"])
        #expect(plan.exitCode == 1, "\(plan)")
        #expect(plan.stderr.contains("schema.yaml:12:\(at.column): error: unknown type 'bigintt'"), "\(plan)")
        #expect(plan.stderr.contains("did you mean 'bigint'?"))
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))
        #expect(try w.schemas() == systemSchemas)
    }

    /// Colour on a terminal, and never with NO_COLOR: the positive case shows
    /// the escape checks elsewhere could fail.
    @Test func colourOnlyOnATerminalWithoutNoColor() async throws {
        let w = try await Workspace.make(prefix: "e2e_colour")
        let coloured = try await w.tenantplanOnTerminal(["plan"])
        #expect(coloured.exitCode == 0, "\(coloured.terminal)")
        #expect(coloured.terminal.contains("\u{1B}[32m+\u{1B}[0m table customers"), "\(coloured.terminal)")
        #expect(coloured.terminal.contains("Plan: 3 tenants to create, 0 to change, 0 in sync."))

        let plain = try await w.tenantplanOnTerminal(["plan"], environment: ["NO_COLOR": "1"])
        #expect(plain.exitCode == 0, "\(plain.terminal)")
        #expect(!hasEscape(plain.terminal), "\(plain.terminal)")
        #expect(plain.terminal.contains("  + table customers"))
        #expect(plain.terminal.contains("Plan: 3 tenants to create, 0 to change, 0 in sync."))
    }

    @Test(arguments: [[], ["plan"], ["apply"], ["show"], ["validate"]])
    func helpExitsZero(_ command: [String]) async throws {
        let dir = try temporaryDirectory()
        let result = try await onThread { try runTenantplan(command + ["--help"], currentDirectory: dir, timeout: 60) }
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.stdout.contains("USAGE: tenantplan\(command.map { " " + $0 }.joined())"), "\(result)")
        #expect(!hasEscape(result.stdout))
    }
}
