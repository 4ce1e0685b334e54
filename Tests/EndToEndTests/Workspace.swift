import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary directory holding copies of the example `schema.yaml` and
/// `tenants.yaml`, and a database of its own that the `tenantplan` binary reaches
/// through `PGHOST`/`PGPORT`/`PGUSER`/`PGDATABASE`.
final class Workspace {
    let directory: URL
    let db: TestDatabase
    private(set) var databases: [TestDatabase] = []

    static func make(prefix: String) async throws -> Workspace {
        _ = try await onThread { try TestCluster.shared() }
        return try Workspace(prefix: prefix)
    }

    private init(prefix: String) throws {
        directory = try temporaryDirectory()
        for name in ["schema.yaml", "tenants.yaml"] {
            try FileManager.default.copyItem(
                at: packageRoot.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        db = try TestCluster.shared().createDatabase(prefix: prefix)
        databases = [db]
    }

    deinit {
        for db in databases { db.drop() }
    }

    /// Another database on the same server, dropped with this workspace.
    func otherDatabase(prefix: String) throws -> TestDatabase {
        let other = try TestCluster.shared().createDatabase(prefix: prefix)
        databases.append(other)
        return other
    }

    /// Runs the built binary here with `db`'s connection (or `database`'s) plus `environment`.
    func tenantplan(_ args: [String], database: TestDatabase? = nil, environment: [String: String] = [:])
        async throws -> CommandResult
    {
        let env = (database ?? db).environment.merging(environment) { _, given in given }
        let dir = directory
        return try await onThread { try runTenantplan(args, environment: env, currentDirectory: dir, timeout: 120) }
    }

    /// Runs the binary with no database settings at all (`validate` must not need any).
    func offline(_ args: [String]) async throws -> CommandResult {
        let dir = directory
        return try await onThread { try runTenantplan(args, currentDirectory: dir, timeout: 120) }
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func read(_ name: String) throws -> String { try String(contentsOf: url(name), encoding: .utf8) }

    func write(_ name: String, _ text: String) throws { try text.write(to: url(name), atomically: true, encoding: .utf8) }

    /// Rewrites `schema.yaml`, replacing `old` (which must occur exactly once) with `new`;
    /// returns the 1-based line and column where `marker` stands in the new file.
    func editSchema(replacing old: String, with new: String, marker: String) throws -> (line: Int, column: Int) {
        let text = try read("schema.yaml")
        guard text.components(separatedBy: old).count == 2 else {
            throw TestSupportError("'\(old)' does not occur exactly once in the example schema.yaml")
        }
        let edited = text.replacingOccurrences(of: old, with: new)
        try write("schema.yaml", edited)
        for (i, line) in edited.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: marker) {
                return (i + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        throw TestSupportError("'\(marker)' not found in the edited schema.yaml")
    }

    /// Every schema of `database` (default: this workspace's), sorted, but the records
    /// schema `plan` keeps (`_tenantplan`).
    func schemas(in database: TestDatabase? = nil) throws -> [String] {
        let connection = try (database ?? db).connect()
        defer { connection.close() }
        return try connection.query("SELECT nspname FROM pg_namespace WHERE nspname <> '_tenantplan' ORDER BY nspname").rows.compactMap { $0.first ?? nil }
    }

    func query(_ sql: String, _ parameters: [String?] = [], in database: TestDatabase? = nil) throws -> [[String?]] {
        let connection = try (database ?? db).connect()
        defer { connection.close() }
        return try connection.query(sql, parameters).rows
    }
}

/// Runs blocking work on a thread of its own, so that no thread of the small
/// cooperative pool waits on a subprocess whose output is read on Dispatch's
/// global queue (with two CPUs that starves the readers and hangs the run).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// The schemas a fresh database has before tenantplan touches it.
let systemSchemas = ["information_schema", "pg_catalog", "pg_toast", "public"]

let tenantNames = ["acme", "globex", "initech"]

/// Whether text holds an ANSI escape sequence.
func hasEscape(_ text: String) -> Bool { text.unicodeScalars.contains("\u{1B}") }


extension Workspace {
    /// Runs the binary with its standard output on a pseudo-terminal (standard
    /// error goes to a pipe), and returns the exit code and what the terminal got.
    func tenantplanOnTerminal(_ args: [String], environment: [String: String] = [:]) async throws
        -> (exitCode: Int32, terminal: String)
    {
        var env = db.environment.merging(environment) { _, given in given }
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dir = directory
        let finalEnv = env
        return try await onThread { try runOnPseudoTerminal(tenantplanBinary(), args, environment: finalEnv, directory: dir) }
    }
}

private func runOnPseudoTerminal(_ binary: URL, _ args: [String], environment: [String: String], directory: URL) throws
    -> (exitCode: Int32, terminal: String)
{
    // posix_openpt and friends are in libc everywhere, but Glibc's module map
    // hides them (they need _XOPEN_SOURCE): look them up at run time.
    let libc = dlopen(nil, RTLD_NOW)
    func symbol<T>(_ name: String, as type: T.Type) throws -> T {
        guard let pointer = dlsym(libc, name) else { throw TestSupportError("libc has no \(name)") }
        return unsafeBitCast(pointer, to: type)
    }
    typealias IntOfInt = @convention(c) (Int32) -> Int32
    let posixOpenpt = try symbol("posix_openpt", as: IntOfInt.self)
    let grantpt = try symbol("grantpt", as: IntOfInt.self)
    let unlockpt = try symbol("unlockpt", as: IntOfInt.self)
    let ptsname = try symbol("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
    let master = posixOpenpt(O_RDWR | O_NOCTTY)
    guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
        throw TestSupportError("cannot open a pseudo-terminal: errno \(errno)")
    }
    let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
    guard slave >= 0 else {
        close(master)
        throw TestSupportError("cannot open the pseudo-terminal's slave side: errno \(errno)")
    }
    defer { close(master) }

    final class Buffer: Sendable { let data = Mutex(Data()) }
    let buffer = Buffer()
    let done = DispatchSemaphore(value: 0)
    let reader = Thread {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(master, &chunk, chunk.count)
            if n <= 0 { break }   // EIO once every slave descriptor is closed
            buffer.data.withLock { $0.append(contentsOf: chunk[0..<n]) }
        }
        done.signal()
    }

    let process = Process()
    process.executableURL = binary
    process.arguments = args
    process.environment = environment
    process.currentDirectoryURL = directory
    process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    process.standardOutput = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    reader.start()
    do {
        try process.run()
    } catch {
        close(slave)
        throw TestSupportError("cannot run \(binary.path): \(error)")
    }
    close(slave)
    process.waitUntilExit()
    if done.wait(timeout: .now() + 30) == .timedOut {
        throw TestSupportError("the pseudo-terminal of \(binary.lastPathComponent) stayed open")
    }
    return (process.terminationStatus, String(decoding: buffer.data.withLock { $0 }, as: UTF8.self))
}
