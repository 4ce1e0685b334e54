import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished subprocess left behind.
public struct CommandResult: Sendable, CustomStringConvertible {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String

    public init(exitCode: Int32, stdout: String, stderr: String) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }

    /// For test failure messages: the exit code and both streams.
    public var description: String {
        "exit code \(exitCode)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs the built `tenantplan` executable.
///
/// The child gets a minimal environment (`PATH`, `HOME`, `LANG` of this process)
/// plus `environment`; nothing else is inherited, in particular no `DATABASE_URL`
/// or `PG*` variable. Its standard input is `input`, or empty. A run that takes
/// longer than `timeout` seconds is killed and reported as an error.
public func runTenantplan(
    _ args: [String],
    environment: [String: String] = [:],
    currentDirectory: URL,
    input: String? = nil,
    timeout: TimeInterval = 300
) throws -> CommandResult {
    let binary = try tenantplanBinary()
    var env: [String: String] = [:]
    let parent = ProcessInfo.processInfo.environment
    env["PATH"] = parent["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for key in ["HOME", "LANG"] { if let value = parent[key] { env[key] = value } }
    env.merge(environment) { _, given in given }
    return try runProcess(
        binary, args, environment: env, currentDirectory: currentDirectory, input: input, timeout: timeout)
}

/// The `tenantplan` executable the tests run: `TENANTPLAN_BINARY` if set, else the
/// one built next to the test bundle (`.build/<triple>/debug/tenantplan`).
public func tenantplanBinary() throws -> URL {
    let fm = FileManager.default
    if let path = ProcessInfo.processInfo.environment["TENANTPLAN_BINARY"], !path.isEmpty {
        guard fm.isExecutableFile(atPath: path) else {
            throw TestSupportError("TENANTPLAN_BINARY=\(path) is not an executable file")
        }
        return URL(fileURLWithPath: path)
    }
    if let found = BinaryLocator.cached { return found }
    var starts: [URL] = []
    if let first = CommandLine.arguments.first, first.contains("/") {
        starts.append(URL(fileURLWithPath: first).deletingLastPathComponent())
    }
    starts.append(Bundle.main.bundleURL)
    starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
    starts.append(packageRoot.appendingPathComponent(".build/debug"))
    var looked: [String] = []
    for start in starts {
        var dir = start.standardizedFileURL
        // Walk up from the bundle, but never above the build directory.
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("tenantplan")
            looked.append(candidate.path)
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                fm.isExecutableFile(atPath: candidate.path)
            {
                BinaryLocator.cached = candidate
                return candidate
            }
            if dir.lastPathComponent == ".build" || dir.path == "/" { break }
            dir = dir.deletingLastPathComponent()
        }
    }
    throw TestSupportError(
        "cannot find the tenantplan executable; run `swift build` first or set TENANTPLAN_BINARY. Looked at:\n  "
            + looked.joined(separator: "\n  "))
}

private enum BinaryLocator {
    static let storage = Mutex<URL?>(nil)
    static var cached: URL? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// The package's root directory, from this file's path at compile time.
public let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // TestSupport
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

/// A new empty directory, removed when the test process exits
/// (unless `TENANTPLAN_KEEP_TEMP` is set).
public func temporaryDirectory() throws -> URL {
    let base = FileManager.default.temporaryDirectory
    let url = base.appendingPathComponent("tenantplan-test-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())")
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
        throw TestSupportError("cannot create a temporary directory at \(url.path): \(error)")
    }
    ExitCleanup.removeAtExit(url.path)
    return url
}

/// Runs an executable to completion, reading stdout and stderr concurrently so
/// that neither pipe can fill up and block the child.
///
/// This uses `posix_spawn` rather than Foundation's `Process`, for two reasons:
/// tests run on threads that block most signals, and a `Process` child inherits
/// that mask (so SIGINT and SIGTERM would not reach it); and `Process` learns
/// that its child exited through a socket the child inherits, which a daemon the
/// child leaves behind (a PostgreSQL server) keeps open forever. Here the child
/// gets default signal handling, an empty signal mask, and no descriptor but
/// stdin, stdout and stderr.
func runProcess(
    _ executable: URL,
    _ arguments: [String],
    environment: [String: String],
    currentDirectory: URL,
    input: String? = nil,
    timeout: TimeInterval = 300
) throws -> CommandResult {
    let name = executable.lastPathComponent
    let out = try makePipe()
    let err = try makePipe()
    let stdin = input == nil ? nil : try makePipe()

    let spawned = Result {
        try spawnChild(
            executable: executable.path, arguments: arguments, environment: environment,
            currentDirectory: currentDirectory.path,
            stdin: stdin.map { .descriptor($0.read) } ?? .nullInput,
            stdout: .descriptor(out.write), stderr: .descriptor(err.write))
    }
    close(out.write)
    close(err.write)
    if let stdin { close(stdin.read) }
    let pid: pid_t
    do {
        pid = try spawned.get()
    } catch {
        close(out.read)
        close(err.read)
        if let stdin { close(stdin.write) }
        throw error
    }

    let collected = Collected()
    let group = DispatchGroup()
    // Plain threads, not Dispatch: blocking reads on the shared pool can leave
    // the writer waiting for a thread of its own.
    func background(_ work: @escaping @Sendable () -> Void) {
        group.enter()
        Thread.detachNewThread {
            work()
            group.leave()
        }
    }
    background { collected.set(out: readAll(out.read)) }
    background { collected.set(err: readAll(err.read)) }
    if let stdin, let input {
        _ = ignoreSIGPIPE
        background {
            // A child that exits without reading gives EPIPE; that is fine.
            writeAll(stdin.write, Array(input.utf8))
            close(stdin.write)
        }
    }
    let exitStatus = ExitStatus()
    let exited = DispatchSemaphore(value: 0)
    let child = pid
    Thread.detachNewThread {
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1 && errno == EINTR {}
        exitStatus.set(status)
        exited.signal()
    }

    if exited.wait(timeout: .now() + timeout) == .timedOut {
        kill(child, SIGTERM)
        if exited.wait(timeout: .now() + 5) == .timedOut {
            kill(child, SIGKILL)
            exited.wait()
        }
        _ = group.wait(timeout: .now() + 5)
        throw TestSupportError(
            "\(name) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout))s; killed it.\n"
                + "stdout so far:\n\(collected.outString)\nstderr so far:\n\(collected.errString)")
    }
    // The streams end when the child, and anything it left running, closes them.
    if group.wait(timeout: .now() + 30) == .timedOut {
        throw TestSupportError(
            "\(name) exited, but its output streams stayed open (a process it left running holds them)")
    }
    let status = exitStatus.status
    // A child killed by a signal reports 128 + the signal number, as shells do.
    let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return CommandResult(exitCode: code, stdout: collected.outString, stderr: collected.errString)
}

private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

private struct PipeEnds { var read: Int32; var write: Int32 }

/// A pipe whose ends are closed on exec, so that no other child inherits them.
private func makePipe() throws -> PipeEnds {
    var fds: [Int32] = [-1, -1]
    #if os(Linux)
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    if let symbol = dlsym(nil, "pipe2") {
        let pipe2 = unsafeBitCast(symbol, to: Pipe2.self)
        guard pipe2(&fds, O_CLOEXEC) == 0 else {
            throw TestSupportError("pipe2 failed: \(String(cString: strerror(errno)))")
        }
        return PipeEnds(read: fds[0], write: fds[1])
    }
    #endif
    guard pipe(&fds) == 0 else { throw TestSupportError("pipe failed: \(String(cString: strerror(errno)))") }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    return PipeEnds(read: fds[0], write: fds[1])
}

private func readAll(_ fd: Int32) -> Data {
    defer { close(fd) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            data.append(contentsOf: buffer[0..<n])
        } else if n == 0 || errno != EINTR {
            return data
        }
    }
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            offset += n
        } else if n < 0 && errno == EINTR {
            continue
        } else {
            return
        }
    }
}

private final class ExitStatus: Sendable {
    private let value = Mutex<Int32>(0)
    func set(_ status: Int32) { value.withLock { $0 = status } }
    var status: Int32 { value.withLock { $0 } }
}

private final class Collected: Sendable {
    private let streams = Mutex((out: Data(), err: Data()))
    func set(out data: Data) { streams.withLock { $0.out = data } }
    func set(err data: Data) { streams.withLock { $0.err = data } }
    var outString: String { String(decoding: streams.withLock { $0.out }, as: UTF8.self) }
    var errString: String { String(decoding: streams.withLock { $0.err }, as: UTF8.self) }
}
