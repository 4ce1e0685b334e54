import SQLSyntax
import Foundation
import Postgres
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fleets that span several databases and servers, discovery, `--tenant`, and the
/// guarantees around connections: credentials never printed, a plan applied only
/// to the databases it was made for.
@Suite struct FleetTests {
    static let secret = "sekrit"

    /// A URL for `db` that carries a password (trust authentication ignores it).
    static func urlWithPassword(_ db: TestDatabase) -> String {
        db.url.replacingOccurrences(of: "postgresql://\(db.user)@", with: "postgresql://\(db.user):\(secret)@")
    }

    /// The tenant names of a plan, by database.
    static func plannedTenants(_ planJSON: String) throws -> [String: Set<String>] {
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(planJSON.utf8)) as? [String: Any])
        let sets = try #require(plan["change_sets"] as? [[String: Any]])
        var out: [String: Set<String>] = [:]
        for set in sets {
            for (database, names) in try #require(set["tenants"] as? [String: [String]]) {
                out[database, default: []].formUnion(names)
            }
        }
        return out
    }

    /// Schemas of a database reached by a keyword/value connection string, sorted, but
    /// the records schema `plan` keeps (`_tenantplan`).
    static func schemas(_ conninfo: String) throws -> [String] {
        let connection = try Connection(conninfo, applicationName: "tenantplan-tests")
        defer { connection.close() }
        return try connection.query("SELECT nspname FROM pg_namespace WHERE nspname <> '_tenantplan' ORDER BY nspname").rows.compactMap { $0.first ?? nil }
    }

    // MARK: Several databases, two servers

    @Test func oneFleetOverThreeDatabasesOnTwoServers() async throws {
        let w = try await Workspace.make(prefix: "fleet_main")
        let eu = try w.otherDatabase(prefix: "fleet_eu")
        let second = try await onThread { try SecondCluster.start() }
        defer { second.stop() }
        try second.execute("CREATE DATABASE us TEMPLATE template0 ENCODING 'UTF8'")
        let usURL = "postgresql://postgres@127.0.0.1:\(second.port)/us"
        let euURL = Self.urlWithPassword(eu)
        try w.write("tenants.yaml", """
            version: 1
            databases:
              main: {}
              eu: { url_env: EU_DATABASE_URL }
              us: { url: "\(usURL)" }
            tenants:
              - acme
              - globex
              - { name: initech, database: eu }
              - { name: umbrella, database: eu }
              - { name: hooli, database: us }

            """)
        let env = ["EU_DATABASE_URL": euURL]
        var outputs: [CommandResult] = []

        let plan = try await w.tenantplan(["plan"], environment: env)
        outputs.append(plan)
        try #require(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("Plan: 5 tenants to create, 0 to change, 0 in sync."), "\(plan)")
        let planText = try w.read("plan.json")
        #expect(try Self.plannedTenants(planText) == [
            "main": ["acme", "globex"], "eu": ["initech", "umbrella"], "us": ["hooli"],
        ])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(planText.utf8)) as? [String: Any])
        let databases = try #require(json["databases"] as? [[String: Any]])
        #expect(databases.map { $0["name"] as? String } == ["main", "eu", "us"])
        #expect(databases.map { $0["database_name"] as? String } == [w.db.name, eu.name, "us"])
        let systems = databases.map { $0["system_identifier"] as? String }
        #expect(systems.allSatisfy { ($0 ?? "").allSatisfy(\.isNumber) && !($0 ?? "").isEmpty }, "\(systems)")
        #expect(systems[0] == systems[1], "main and eu share a cluster")
        #expect(systems[2] != systems[0], "the second cluster has its own system identifier")
        // How to connect, never the credentials: the name of the variable, the url as written.
        #expect(databases[1]["url_env"] as? String == "EU_DATABASE_URL")
        #expect(databases[1]["url"] == nil)
        #expect(databases[2]["url"] as? String == usURL)
        #expect(databases[0]["url"] == nil && databases[0]["url_env"] == nil)
        #expect(!planText.contains(w.db.host), "the socket directory of the default connection leaked")

        let apply = try await w.tenantplan(["apply", "plan.json", "--parallel", "2"], environment: env)
        outputs.append(apply)
        #expect(apply.exitCode == 0, "\(apply)")
        #expect(apply.stdout.contains("Apply: 5 applied, 0 already applied, 0 stale, 0 failed, 0 not started."), "\(apply)")
        // Each database holds exactly its own tenants.
        #expect(try w.schemas() == (systemSchemas + ["acme", "globex"]).sorted())
        #expect(try w.schemas(in: eu) == (systemSchemas + ["initech", "umbrella"]).sorted())
        #expect(try Self.schemas(second.conninfo(database: "us")) == (systemSchemas + ["hooli"]).sorted())
        #expect(try second.query("us", "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'hooli'") == [["4"]])

        let again = try await w.tenantplan(["plan", "--detailed-exitcode"], environment: env)
        outputs.append(again)
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.stdout.contains("Plan: 0 tenants to create, 0 to change, 5 in sync."), "\(again)")
        let show = try await w.tenantplan(["show", "plan.json", "--format", "json"], environment: env)
        outputs.append(show)
        let markdown = try await w.tenantplan(["show", "plan.json", "--format", "markdown"], environment: env)
        outputs.append(markdown)
        #expect(markdown.stdout.contains("`eu/initech`"), "\(markdown)")

        // eu unreachable: the error names the database and the variable, never the URL.
        let closedPort = try freeLoopbackPort()
        let deadURL = "postgresql://postgres:\(Self.secret)@127.0.0.1:\(closedPort)/eu"
        let unreachable = try await w.tenantplan(["plan", "--out", "dead.json"], environment: ["EU_DATABASE_URL": deadURL])
        outputs.append(unreachable)
        #expect(unreachable.exitCode == 1, "\(unreachable)")
        #expect(unreachable.stderr.contains("database 'eu'"), "\(unreachable)")
        #expect(unreachable.stderr.contains("$EU_DATABASE_URL"), "\(unreachable)")
        #expect(!unreachable.stderr.contains(deadURL), "\(unreachable)")
        #expect(!FileManager.default.fileExists(atPath: w.url("dead.json").path))
        let applyUnreachable = try await w.tenantplan(["apply", "plan.json"], environment: ["EU_DATABASE_URL": deadURL])
        outputs.append(applyUnreachable)
        #expect(applyUnreachable.exitCode == 1, "\(applyUnreachable)")
        #expect(applyUnreachable.stderr.contains("database 'eu'") && applyUnreachable.stderr.contains("$EU_DATABASE_URL"),
                "\(applyUnreachable)")

        // A URL libpq cannot parse: its error would quote the password (a bad percent escape).
        let malformedURL = "postgresql://postgres:\(Self.secret)%zz@127.0.0.1:\(closedPort)/eu"
        let malformed = try await w.tenantplan(["plan", "--out", "dead.json"], environment: ["EU_DATABASE_URL": malformedURL])
        outputs.append(malformed)
        #expect(malformed.exitCode == 1, "\(malformed)")
        #expect(malformed.stderr.contains("database 'eu'") && malformed.stderr.contains("$EU_DATABASE_URL"), "\(malformed)")

        // No password and no full URL with one, anywhere.
        for text in outputs.flatMap({ [$0.stdout, $0.stderr] }) + [planText, try w.read("plan.json")] {
            #expect(!text.contains(Self.secret), "a password leaked:\n\(text)")
            #expect(!text.contains(euURL) && !text.contains(deadURL) && !text.contains(malformedURL), "a URL leaked:\n\(text)")
        }
    }

    @Test func anUnsetURLVariableFailsNamingItAndChangesNothing() async throws {
        let w = try await Workspace.make(prefix: "fleet_unset")
        let eu = try w.otherDatabase(prefix: "fleet_unset_eu")
        try w.write("tenants.yaml", """
            version: 1
            databases:
              main: {}
              eu: { url_env: EU_DATABASE_URL }
            tenants:
              - acme
              - { name: initech, database: eu }

            """)
        let plan = try await w.tenantplan(["plan"])
        #expect(plan.exitCode == 1, "\(plan)")
        #expect(plan.stderr.contains("EU_DATABASE_URL"), "\(plan)")
        #expect(plan.stderr.contains("database 'eu'"), "\(plan)")
        #expect(plan.stderr.contains("is not set"), "\(plan)")
        #expect(plan.stdout.isEmpty, "\(plan)")
        #expect(!FileManager.default.fileExists(atPath: w.url("plan.json").path))
        #expect(try w.schemas() == systemSchemas)
        #expect(try w.schemas(in: eu) == systemSchemas)

        // An empty variable counts as unset.
        let empty = try await w.tenantplan(["plan"], environment: ["EU_DATABASE_URL": ""])
        #expect(empty.exitCode == 1 && empty.stderr.contains("EU_DATABASE_URL"), "\(empty)")

        // A plan made with the variable, applied without it: refused before any change.
        let made = try await w.tenantplan(["plan"], environment: ["EU_DATABASE_URL": eu.url])
        try #require(made.exitCode == 0, "\(made)")
        let apply = try await w.tenantplan(["apply", "plan.json"])
        #expect(apply.exitCode == 1, "\(apply)")
        #expect(apply.stderr.contains("EU_DATABASE_URL") && apply.stderr.contains("is not set"), "\(apply)")
        #expect(try w.schemas() == systemSchemas)
        #expect(try w.schemas(in: eu) == systemSchemas)
    }

    // MARK: Discovery

    @Test func discoveryExclusionAndTenantFilter() async throws {
        let w = try await Workspace.make(prefix: "fleet_discover")
        let eu = try w.otherDatabase(prefix: "fleet_discover_eu")
        for schema in ["tenant_a", "tenant_b", "tenant_template", "tenantxc", "billing"] {
            _ = try w.query("CREATE SCHEMA \(quoteIdentifier(schema))")
        }
        _ = try w.query("CREATE TABLE public.tenants (schema_name text, active bool)", in: eu)
        _ = try w.query("""
            INSERT INTO public.tenants VALUES
              ('t_active1', true), ('t_inactive', false), ('t_active2', true), ('t_active1', true),
              ('public', true), ('pg_temp_1', true), ('information_schema', true), ('_tenantplan_x', true),
              (NULL, true)
            """, in: eu)
        try w.write("tenants.yaml", """
            version: 1
            databases:
              main: {}
              eu: { url_env: EU_DATABASE_URL }
            discover:
              - { database: main, schemas_like: "tenant\\\\_%" }
              - { database: eu, query: "select schema_name from public.tenants where active" }
            exclude: [tenant_template]

            """)
        let env = ["EU_DATABASE_URL": eu.url]

        let plan = try await w.tenantplan(["plan"], environment: env)
        #expect(plan.exitCode == 0, "\(plan)")
        // tenant_a and tenant_b exist (empty): to change; the query's tenants do not: to create.
        #expect(plan.stdout.contains("Plan: 2 tenants to create, 2 to change, 0 in sync."), "\(plan)")
        let planned = try Self.plannedTenants(try w.read("plan.json"))
        #expect(planned == ["main": ["tenant_a", "tenant_b"], "eu": ["t_active1", "t_active2"]])
        #expect(try w.schemas() == (systemSchemas + ["billing", "tenant_a", "tenant_b", "tenant_template", "tenantxc"]).sorted())
        #expect(try w.schemas(in: eu) == systemSchemas)

        // --tenant, repeatable, across databases.
        let only = try await w.tenantplan(
            ["plan", "--tenant", "tenant_b", "--tenant", "t_active2", "--out", "only.json"], environment: env)
        #expect(only.exitCode == 0, "\(only)")
        #expect(try Self.plannedTenants(try w.read("only.json")) == ["main": ["tenant_b"], "eu": ["t_active2"]])
        #expect(only.stdout.contains("Plan: 1 tenant to create, 1 to change, 0 in sync."), "\(only)")

        // Names that are not tenants: unknown, excluded, inactive, reserved.
        for name in ["unknown", "ghost", "tenant_template", "t_inactive", "public", "pg_temp_1", "billing"] {
            let result = try await w.tenantplan(["plan", "--tenant", name, "--out", "bad.json"], environment: env)
            #expect(result.exitCode == 1, "--tenant \(name): \(result)")
            #expect(result.stderr.contains("--tenant \(name)"), "\(result)")
            #expect(result.stderr.contains("no such tenant"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: w.url("bad.json").path))
        }

        // Applying the discovered fleet: reserved names returned by the query stay untouched.
        let apply = try await w.tenantplan(["apply", "plan.json"], environment: env)
        #expect(apply.exitCode == 0, "\(apply)")
        #expect(try w.schemas(in: eu) == (systemSchemas + ["t_active1", "t_active2"]).sorted())
        #expect(try w.query("SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public'", in: eu) == [["1"]])
        #expect(try w.query("SELECT count(*)::text FROM pg_tables WHERE schemaname IN ('tenant_template', 'tenantxc', 'billing')") == [["0"]])
        let again = try await w.tenantplan(["plan", "--detailed-exitcode"], environment: env)
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.stdout.contains("Plan: 0 tenants to create, 0 to change, 4 in sync."), "\(again)")
    }

    // MARK: Apply preflight across databases

    @Test func aPlanWhoseSecondDatabaseMovedIsRefusedBeforeAnyChange() async throws {
        let w = try await Workspace.make(prefix: "fleet_moved")
        let eu = try w.otherDatabase(prefix: "fleet_moved_eu")
        let elsewhere = try w.otherDatabase(prefix: "fleet_moved_other")
        try w.write("tenants.yaml", """
            version: 1
            databases:
              main: {}
              eu: { url_env: EU_DATABASE_URL }
            tenants:
              - acme
              - globex
              - { name: initech, database: eu }
              - { name: umbrella, database: eu }

            """)
        let plan = try await w.tenantplan(["plan"], environment: ["EU_DATABASE_URL": eu.url])
        try #require(plan.exitCode == 0, "\(plan)")

        // eu now reaches another database of the same cluster: main comes first in
        // the plan, and must not have been touched when eu is found to differ.
        let moved = try await w.tenantplan(["apply", "plan.json", "--parallel", "2"],
                                           environment: ["EU_DATABASE_URL": Self.urlWithPassword(elsewhere)])
        #expect(moved.exitCode == 1, "\(moved)")
        #expect(moved.stderr.contains("the plan was made for database 'eu' = \(eu.name)"), "\(moved)")
        #expect(moved.stderr.contains("but the connection reaches \(elsewhere.name)"), "\(moved)")
        #expect(moved.stderr.contains("nothing was changed"), "\(moved)")
        #expect(!moved.stderr.contains(Self.secret) && !moved.stdout.contains(Self.secret), "\(moved)")
        #expect(try w.schemas() == systemSchemas)
        #expect(try w.schemas(in: eu) == systemSchemas)
        #expect(try w.schemas(in: elsewhere) == systemSchemas)

        // eu unreachable: also refused before main is touched.
        let port = try freeLoopbackPort()
        let dead = try await w.tenantplan(["apply", "plan.json"],
                                          environment: ["EU_DATABASE_URL": "postgresql://postgres:\(Self.secret)@127.0.0.1:\(port)/eu"])
        #expect(dead.exitCode == 1, "\(dead)")
        #expect(dead.stderr.contains("database 'eu'") && dead.stderr.contains("$EU_DATABASE_URL"), "\(dead)")
        #expect(!dead.stderr.contains(Self.secret), "\(dead)")
        #expect(try w.schemas() == systemSchemas)

        // The right database: both are applied, in parallel, each with its own tenants.
        let apply = try await w.tenantplan(["apply", "plan.json", "--parallel", "2", "--format", "json"],
                                           environment: ["EU_DATABASE_URL": eu.url])
        #expect(apply.exitCode == 0, "\(apply)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(apply.stdout.utf8)) as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        let byTenant = Dictionary(uniqueKeysWithValues: results.map { ($0["tenant"] as? String ?? "", $0) })
        #expect(byTenant.mapValues { $0["database"] as? String }
                == ["acme": "main", "globex": "main", "initech": "eu", "umbrella": "eu"])
        #expect(results.allSatisfy { $0["outcome"] as? String == "applied" }, "\(apply)")
        #expect(try w.schemas() == (systemSchemas + ["acme", "globex"]).sorted())
        #expect(try w.schemas(in: eu) == (systemSchemas + ["initech", "umbrella"]).sorted())
        #expect(try w.schemas(in: elsewhere) == systemSchemas)
    }
}

// MARK: A second cluster

/// A second throwaway PostgreSQL cluster listening on 127.0.0.1, started with
/// `scripts/pg-cluster.sh start DIR --port N --tcp` and stopped by `stop()`
/// (or, should the test process die, by the script's watchdog).
final class SecondCluster: Sendable {
    let directory: String
    let port: Int

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    static var script: String { packageRoot.appendingPathComponent("scripts/pg-cluster.sh").path }

    /// Starts a cluster on a free loopback port, trying another port should one be taken meanwhile.
    static func start() throws -> SecondCluster {
        var failures: [String] = []
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            let dir = "/tmp/tp-c2-\(getpid())-\(random)"
            let result = try spawnAndWait(
                ["/bin/bash", script, "start", dir, "--port", String(port), "--tcp", "--owner-pid", String(getpid())])
            if result.status == 0 {
                let cluster = SecondCluster(directory: dir, port: port)
                try cluster.connect().close()
                return cluster
            }
            failures.append("port \(port): exit \(result.status): \(result.output)")
            _ = try? spawnAndWait(["/bin/bash", script, "stop", dir])
        }
        throw TestSupportError("cannot start a second cluster:\n" + failures.joined(separator: "\n"))
    }

    func stop() {
        _ = try? spawnAndWait(["/bin/bash", Self.script, "stop", directory])
    }

    func conninfo(database: String) -> String {
        "host=127.0.0.1 port=\(port) user=postgres dbname=\(database)"
    }

    func connect(database: String = "postgres") throws -> Connection {
        try Connection(conninfo(database: database), applicationName: "tenantplan-tests")
    }

    func execute(_ sql: String) throws {
        let connection = try connect()
        defer { connection.close() }
        try connection.execute(sql)
    }

    func query(_ database: String, _ sql: String) throws -> [[String?]] {
        let connection = try connect(database: database)
        defer { connection.close() }
        return try connection.query(sql).rows
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
func freeLoopbackPort() throws -> Int {
    #if canImport(Darwin)
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #else
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #endif
    guard fd >= 0 else { throw TestSupportError("socket failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw TestSupportError("cannot bind a loopback port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a command to completion with default signal handling and an empty signal
/// mask (so that the server it starts can be stopped), its output going to a file
/// (a pipe would stay open as long as a daemon the script leaves behind holds it).
private func spawnAndWait(_ argv: [String]) throws -> (status: Int32, output: String) {
    let log = FileManager.default.temporaryDirectory
        .appendingPathComponent("tp-spawn-\(getpid())-\(UUID().uuidString.prefix(8)).log").path
    defer { unlink(log) }
    // No PG* variable of this process may reach the script.
    let pid = try spawnChild(
        executable: argv[0], arguments: Array(argv.dropFirst()),
        environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") },
        stdout: .truncate(log, mode: 0o600), stderr: .descriptor(1),
        closeOtherDescriptors: true)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, output)
}
