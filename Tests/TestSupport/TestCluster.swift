import SQLSyntax
import Foundation
import Postgres
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A throwaway PostgreSQL server shared by every test in the process.
///
/// The first call to `shared()` starts a cluster in a new directory under /tmp
/// with `scripts/pg-cluster.sh` (about a second); the process stops it and removes
/// the directory when it exits. Should the process die without running its exit
/// handlers, a watchdog started by the script does the same a second later.
///
/// With `TENANTPLAN_TEST_PGHOST` set (a socket directory or host name, plus
/// optional `TENANTPLAN_TEST_PGPORT`, default 5432, and `TENANTPLAN_TEST_PGUSER`,
/// default `postgres`), tests use that running server instead. It needs a role
/// that may create databases.
///
/// Every test should work in its own database from `createDatabase()`: tests run
/// in parallel in one process.
public enum TestCluster {
    public struct Server: Sendable {
        /// A socket directory (absolute path) or a host name.
        public let host: String
        public let port: Int
        public let user: String
        /// Whether this process started the server (false with `TENANTPLAN_TEST_PGHOST`).
        public let isThrowaway: Bool

        /// A libpq keyword/value connection string for `database`.
        public func conninfo(database: String) -> String {
            [("host", host), ("port", String(port)), ("user", user), ("dbname", database)]
                .map { "\($0.0)=\(conninfoValue($0.1))" }
                .joined(separator: " ")
        }

        /// Connects to `database` (by default the maintenance database `postgres`).
        public func connect(database: String = "postgres") throws -> Connection {
            try Connection(conninfo(database: database), applicationName: "tenantplan-tests")
        }

        /// Creates a new, empty database with a unique name starting with `prefix`
        /// (from `template0`). Safe to call from parallel tests.
        public func createDatabase(prefix: String = "t") throws -> TestDatabase {
            let name = TestCluster.uniqueDatabaseName(prefix: prefix)
            let admin = try connect()
            defer { admin.close() }
            try admin.execute("CREATE DATABASE \(quoteIdentifier(name)) TEMPLATE template0 ENCODING 'UTF8'")
            return TestDatabase(name: name, host: host, port: port, user: user)
        }

        /// `PGHOST`, `PGPORT`, `PGUSER` and `PGDATABASE` for a subprocess that
        /// should use `db`.
        public func environment(for db: TestDatabase) -> [String: String] {
            db.environment
        }
    }

    /// The server for this test process, started on first use.
    public static func shared() throws -> Server {
        try state.server()
    }

    private static let state = State()

    private final class State: Sendable {
        private struct Guarded {
            var result: Result<Server, TestSupportError>?
            var counter = 0
        }

        private let guarded = Mutex(Guarded())

        func server() throws -> Server {
            try guarded.withLock { guarded in
                if let result = guarded.result { return try result.get() }
                let made: Result<Server, TestSupportError>
                do {
                    made = .success(try TestCluster.makeServer())
                } catch let error as TestSupportError {
                    made = .failure(error)
                } catch {
                    made = .failure(TestSupportError("\(error)"))
                }
                // A failure is remembered: every test reports it instead of each
                // trying (and failing) to start its own server.
                guarded.result = made
                return try made.get()
            }
        }

        func next() -> Int {
            guarded.withLock { guarded in
                guarded.counter += 1
                return guarded.counter
            }
        }
    }

    static func uniqueDatabaseName(prefix: String) -> String {
        var clean = String(
            prefix.lowercased().unicodeScalars
                .map { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" ? Character($0) : "_" }
                .prefix(30))
        if clean.isEmpty { clean = "t" }
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(clean)_\(getpid())_\(state.next())_\(random)"
    }

    private static func makeServer() throws -> Server {
        let env = ProcessInfo.processInfo.environment
        if let host = env["TENANTPLAN_TEST_PGHOST"], !host.isEmpty {
            let portText = env["TENANTPLAN_TEST_PGPORT"] ?? "5432"
            guard let port = Int(portText) else {
                throw TestSupportError("TENANTPLAN_TEST_PGPORT=\(portText) is not a port number")
            }
            let user = env["TENANTPLAN_TEST_PGUSER"].flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
            let server = Server(host: host, port: port, user: user, isThrowaway: false)
            do {
                try server.connect().close()
            } catch {
                throw TestSupportError(
                    "cannot connect to the server given by TENANTPLAN_TEST_PGHOST (\(server.conninfo(database: "postgres"))): \(error)")
            }
            return server
        }
        return try startThrowawayCluster()
    }

    private static func startThrowawayCluster() throws -> Server {
        let script = packageRoot.appendingPathComponent("scripts/pg-cluster.sh")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw TestSupportError("cannot find \(script.path) to start a test server")
        }
        // Under /tmp rather than $TMPDIR: the socket path must stay short, and the
        // `postgres` user (when we are root) must be able to reach it.
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let dir = "/tmp/tenantplan-pg-\(getpid())-\(random)"
        ExitCleanup.stopClusterAtExit(script: script.path, directory: dir)

        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        env["PATH"] = env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let result = try runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [script.path, "start", dir, "--owner-pid", String(getpid())],
            environment: env,
            currentDirectory: URL(fileURLWithPath: "/"),
            timeout: 120)
        guard result.exitCode == 0 else {
            throw TestSupportError(
                "scripts/pg-cluster.sh could not start a test server in \(dir) (exit code \(result.exitCode)):\n\(result.stderr)")
        }
        var exports: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count)
            guard let eq = pair.firstIndex(of: "=") else { continue }
            exports[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        // The directory name has no characters the script would need to quote.
        let host = exports["PGHOST"] ?? dir
        guard let port = exports["PGPORT"].flatMap({ Int($0) }) else {
            throw TestSupportError("scripts/pg-cluster.sh printed no PGPORT:\n\(result.stdout)\n\(result.stderr)")
        }
        let server = Server(host: host, port: port, user: exports["PGUSER"] ?? "postgres", isThrowaway: true)
        do {
            try server.connect().close()
        } catch {
            throw TestSupportError("the test server in \(dir) started but refuses connections: \(error)")
        }
        return server
    }
}

/// A database of its own for one test.
public struct TestDatabase: Sendable, CustomStringConvertible {
    public let name: String
    public let host: String
    public let port: Int
    public let user: String

    /// libpq keyword/value connection string: `host=... port=... user=... dbname=...`.
    public var conninfo: String {
        [("host", host), ("port", String(port)), ("user", user), ("dbname", name)]
            .map { "\($0.0)=\(conninfoValue($0.1))" }
            .joined(separator: " ")
    }

    /// The same as a `postgresql://` URL (a socket directory goes in `?host=`).
    public var url: String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        if host.hasPrefix("/") {
            return "postgresql://\(enc(user))@/\(enc(name))?host=\(enc(host))&port=\(port)"
        }
        return "postgresql://\(enc(user))@\(enc(host)):\(port)/\(enc(name))"
    }

    /// `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE` for a subprocess.
    public var environment: [String: String] {
        ["PGHOST": host, "PGPORT": String(port), "PGUSER": user, "PGDATABASE": name]
    }

    public var description: String { conninfo }

    public func connect() throws -> Connection {
        try Connection(conninfo, applicationName: "tenantplan-tests")
    }

    /// Drops the database, ending any session still connected to it. Errors are
    /// ignored: the whole cluster is thrown away at exit anyway.
    public func drop() {
        let server = TestCluster.Server(host: host, port: port, user: user, isThrowaway: false)
        guard let admin = try? server.connect() else { return }
        defer { admin.close() }
        try? admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
    }
}

/// `PGHOST`, `PGPORT`, `PGUSER` and `PGDATABASE` for a subprocess that should use `db`.
public func environment(for db: TestDatabase) -> [String: String] {
    db.environment
}

/// Quotes a libpq keyword/value connection string value when it needs it.
func conninfoValue(_ value: String) -> String {
    let plain = !value.isEmpty && !value.contains { $0 == " " || $0 == "'" || $0 == "\\" || $0.isWhitespace }
    if plain { return value }
    var out = "'"
    for ch in value {
        if ch == "'" || ch == "\\" { out.append("\\") }
        out.append(ch)
    }
    return out + "'"
}

/// Work done when the test process exits: stop the throwaway server, remove
/// temporary directories. Runs from `atexit`, so it spawns plain processes with
/// `posix_spawn` rather than going through Foundation.
enum ExitCleanup {
    private struct Pending {
        var clusters: [(script: String, directory: String)] = []
        var directories: [String] = []
    }

    private static let pending = Mutex(Pending())

    private static let registered: Void = {
        atexit { ExitCleanup.run() }
    }()

    static func stopClusterAtExit(script: String, directory: String) {
        _ = registered
        pending.withLock { $0.clusters.append((script, directory)) }
    }

    static func removeAtExit(_ directory: String) {
        if ProcessInfo.processInfo.environment["TENANTPLAN_KEEP_TEMP"] != nil { return }
        _ = registered
        pending.withLock { $0.directories.append(directory) }
    }

    private static func run() {
        let (clusters, directories) = pending.withLock { pending in
            defer { pending = Pending() }
            return (pending.clusters, pending.directories)
        }
        for cluster in clusters {
            spawnAndWait(["/bin/bash", cluster.script, "stop", cluster.directory])
        }
        if !directories.isEmpty {
            spawnAndWait(["/bin/rm", "-rf", "--"] + directories)
        }
    }

    private static func spawnAndWait(_ argv: [String]) {
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = cArgs.withUnsafeMutableBufferPointer { buffer in
            posix_spawn(&pid, argv[0], nil, nil, buffer.baseAddress!, environ)
        }
        guard rc == 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}
