import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the binary says when the command line, the files or the connection are
/// not what they should be, and when there is nothing to do: suggestions, hints
/// that name where a setting came from, the exit codes, `--version`, completion.
@Suite struct CommandLineTests {
    @Test func anUnknownCommandGetsASuggestionAndExits64() async throws {
        let w = try await Workspace.make(prefix: "e2e_cmd")
        let typo = try await w.tenantplan(["plna"])
        #expect(typo.exitCode == 64, "\(typo)")
        #expect(typo.stderr.contains("error: unknown command 'plna'"), "\(typo)")
        #expect(typo.stderr.contains("hint: did you mean 'plan'?"), "\(typo)")
        #expect(typo.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))
        #expect(try w.schemas() == systemSchemas)

        let nothingClose = try await w.tenantplan(["deploy", "plan.json"])
        #expect(nothingClose.exitCode == 64, "\(nothingClose)")
        #expect(nothingClose.stderr.contains("hint: the commands are plan, apply, provision, show, validate, import"), "\(nothingClose)")

        // Options keep ArgumentParser's own suggestions, with the same exit code.
        let option = try await w.tenantplan(["plan", "--detailed-exitcod"])
        #expect(option.exitCode == 64, "\(option)")
        #expect(option.stderr.contains("--detailed-exitcode"), "\(option)")

        // A size it cannot read: usage error, nothing planned or written.
        let size = try await w.tenantplan(["plan", "--online-threshold", "16mb"])
        #expect(size.exitCode == 64, "\(size)")
        #expect(size.stderr.contains("--online-threshold '16mb' is not a size"), "\(size)")
        #expect(size.stderr.contains("e.g. 64kB or 16MB"), "\(size)")
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))

        // `help` is a command too.
        let help = try await w.offline(["help", "plan"])
        #expect(help.exitCode == 0, "\(help)")
        #expect(help.stdout.contains("USAGE: tenantplan plan"), "\(help)")
    }

    @Test func rootHelpDocumentsExit64AndCompletion() async throws {
        let dir = try temporaryDirectory()
        let help = try await onThread { try runTenantplan(["--help"], currentDirectory: dir, timeout: 60) }
        #expect(help.exitCode == 0, "\(help)")
        // The text is wrapped to the terminal's width: compare it with single spaces.
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("64 a command-line usage error (an unknown command or option"), "\(help)")
        #expect(words.contains("Shell completion: `tenantplan --generate-completion-script bash|zsh|fish`"), "\(help)")
    }

    @Test func versionPrintsTheVersionAndTheCommit() async throws {
        let w = try await Workspace.make(prefix: "e2e_version")
        let result = try await w.offline(["--version"])
        #expect(result.exitCode == 0, "\(result)")
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let match = try #require(
            line.wholeMatch(of: /tenantplan (\d+\.\d+\.\d+) \(commit ([0-9a-f]{40}(-dirty)?|unknown, development build)\)/),
            "\(result)")
        // The plan file records the same version.
        let plan = try await w.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(w.read("plan.json").utf8)) as? [String: Any])
        #expect(json["tool_version"] as? String == String(match.1))
    }

    @Test func completionScriptsCompletePlanAndYAMLFiles() async throws {
        let dir = try temporaryDirectory()
        let bash = try await onThread {
            try runTenantplan(["--generate-completion-script", "bash"], currentDirectory: dir, timeout: 60)
        }
        #expect(bash.exitCode == 0, "\(bash)")
        #expect(bash.stdout.contains("'!*.@(json)'"), "plan files for apply/show and plan --out")
        #expect(bash.stdout.contains("'!*.@(yaml|yml)'"), "--schema and --tenants")
        for shell in ["zsh", "fish"] {
            let script = try await onThread {
                try runTenantplan(["--generate-completion-script", shell], currentDirectory: dir, timeout: 60)
            }
            #expect(script.exitCode == 0 && script.stdout.contains("tenantplan"), "\(script)")
            #expect(script.stdout.contains("json"), "\(shell)")
        }
    }

    @Test func anUnknownTenantGetsTheClosestName() async throws {
        let w = try await Workspace.make(prefix: "e2e_tenant_typo")
        let result = try await w.tenantplan(["plan", "--tenant", "acm"])
        #expect(result.exitCode == 1, "\(result)")
        #expect(result.stderr.contains("error: --tenant acm: no such tenant in tenants.yaml"), "\(result)")
        #expect(result.stderr.contains("hint: did you mean 'acme'?"), "\(result)")
        #expect(result.stderr.contains("nothing was changed in any database"))
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))

        let far = try await w.tenantplan(["plan", "--tenant", "umbrella"])
        #expect(far.exitCode == 1, "\(far)")
        #expect(far.stderr.contains("hint: list it under tenants: or make a discover: rule find it"), "\(far)")
    }

    /// `Acme` is listed while the schema `acme` holds the rows: the plan creates
    /// `Acme` as the contract says, with a note; nothing is changed by planning.
    @Test func aListedTenantWithALookalikeSchemaGetsANote() async throws {
        let w = try await Workspace.make(prefix: "e2e_lookalike")
        _ = try w.query("CREATE SCHEMA acme")
        _ = try w.query("CREATE TABLE acme.customers (id bigint PRIMARY KEY, email text)")
        _ = try w.query("INSERT INTO acme.customers VALUES (1, 'a@example.com'), (2, 'b@example.com')")
        _ = try w.query("CREATE SCHEMA tenant_initech")
        try w.write("tenants.yaml", "version: 1\ntenants: [Acme, globex, initech]\n")

        let plan = try await w.tenantplan(["plan"])
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stderr.contains(
            "note: tenant 'Acme' has no schema in database 'main' and will be created; did you mean the existing schema 'acme'? (schema names are case-sensitive)"),
            "\(plan)")
        #expect(plan.stderr.contains(
            "note: tenant 'initech' has no schema in database 'main' and will be created; did you mean the existing schema 'tenant_initech'?"),
            "\(plan)")
        #expect(!plan.stderr.contains("tenant 'globex'"), "\(plan)")
        #expect(plan.stdout.contains("Create 3 tenants"), "\(plan)")
        // The JSON on standard output stays JSON: the notes are on standard error.
        let json = try await w.tenantplan(["plan", "--format", "json"])
        #expect(json.exitCode == 0, "\(json)")
        #expect(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) is [String: Any])
        #expect(json.stderr.contains("did you mean the existing schema 'acme'?"))

        #expect(try w.schemas() == (systemSchemas + ["acme", "tenant_initech"]).sorted())
        #expect(try w.query("SELECT count(*)::text FROM acme.customers") == [["2"]])
    }

    @Test func aPlanWithNothingToDoSaysNoChangesAndStillWritesTheFile() async throws {
        let w = try await Workspace.make(prefix: "e2e_nochanges")
        let first = try await w.tenantplan(["plan"])
        #expect(first.stdout.contains("Saved the plan to plan.json. Apply it with: tenantplan apply plan.json"), "\(first)")
        #expect(!first.stdout.contains("No changes"))
        let apply = try await w.tenantplan(["apply", "plan.json"])
        try #require(apply.exitCode == 0, "\(apply)")
        _ = try w.query("INSERT INTO globex.customers (email, name) VALUES ('g@example.com', 'G')")
        try FileManager.default.removeItem(at: w.url("plan.json"))

        let again = try await w.tenantplan(["plan", "--detailed-exitcode"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.stdout.contains("Plan: 0 tenants to create, 0 to change, 3 in sync."), "\(again)")
        #expect(again.stdout.hasSuffix("No changes. Every tenant is in sync. Wrote plan.json (nothing to apply).\n"), "\(again)")
        #expect(!again.stdout.contains("Apply it with"), "\(again)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(w.read("plan.json").utf8)) as? [String: Any])
        let sets = try #require(json["change_sets"] as? [[String: Any]])
        #expect(sets.allSatisfy { ($0["changes"] as? [Any])?.isEmpty ?? true })
        #expect(try w.query("SELECT email FROM globex.customers") == [["g@example.com"]])

        // Nothing to apply in the file: apply changes nothing and says every tenant is in sync.
        let noop = try await w.tenantplan(["apply", "plan.json"])
        #expect(noop.exitCode == 0, "\(noop)")
        #expect(try w.query("SELECT email FROM globex.customers") == [["g@example.com"]])
    }

    @Test func aMissingSchemaFilePointsAtImport() async throws {
        let w = try await Workspace.make(prefix: "e2e_noschema")
        try FileManager.default.removeItem(at: w.url("schema.yaml"))
        for args in [["plan"], ["validate"]] {
            let result = try await w.tenantplan(args)
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stderr.contains("schema.yaml: error: cannot read schema.yaml: no such file"), "\(result)")
            #expect(result.stderr.contains("run tenantplan import --tenant NAME"), "\(result)")
            #expect(result.stderr.contains("1 error; nothing was changed in any database."), "\(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))
        #expect(try w.schemas() == systemSchemas)
    }

    /// A closed TCP port through `--database-url`, a socket that is not there through
    /// libpq's PG* variables, and an unknown database through `DATABASE_URL` whose
    /// password must never be printed.
    @Test func connectionErrorsNameTheirSourceAndAFittingHint() async throws {
        let w = try await Workspace.make(prefix: "e2e_connect")
        let refused = try await w.tenantplan(["plan", "--database-url", "postgresql://tenantplan@127.0.0.1:\(closedPort())/app"])
        #expect(refused.exitCode == 1, "\(refused)")
        #expect(refused.stderr.contains("error: cannot connect to database 'main' through --database-url: "), "\(refused)")
        #expect(refused.stderr.contains("Connection refused"), "\(refused)")
        #expect(refused.stderr.contains(
            "hint: is the server running and accepting connections there? Check the host and port in --database-url"),
            "\(refused)")

        let noSocket = try await w.tenantplan(["plan"], environment: ["PGPORT": "1"])
        #expect(noSocket.exitCode == 1, "\(noSocket)")
        #expect(noSocket.stderr.contains("through libpq's PG* environment (PGDATABASE, PGHOST, PGPORT, PGUSER)"), "\(noSocket)")
        #expect(noSocket.stderr.contains("hint: is the server running and accepting connections there? Check PGHOST and PGPORT"),
                "\(noSocket)")

        let password = "s3cret-Pa55word"
        let url = "postgresql://\(w.db.user):\(password)@/no_such_database_\(w.db.name)?host=\(w.db.host)&port=\(w.db.port)"
        let unknown = try await w.tenantplan(["plan"], environment: ["DATABASE_URL": url])
        #expect(unknown.exitCode == 1, "\(unknown)")
        #expect(unknown.stderr.contains("error: cannot connect to database 'main' through DATABASE_URL: "), "\(unknown)")
        #expect(unknown.stderr.contains("database \"no_such_database_\(w.db.name)\" does not exist"), "\(unknown)")
        #expect(unknown.stderr.contains("hint: create the database, or fix the database name in DATABASE_URL"), "\(unknown)")

        for result in [refused, noSocket, unknown] {
            #expect(!(result.stdout + result.stderr).contains(password))
            #expect(result.stdout.isEmpty, "\(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))
        #expect(try w.schemas() == systemSchemas)
    }
}

/// A local TCP port with nothing listening: bound, then released.
private func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else { throw TestSupportError("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
