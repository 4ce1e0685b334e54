import Foundation

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
    nonisolated(unsafe) static var storage: URL?
    static let lock = NSLock()
    static var cached: URL? {
        get { lock.lock(); defer { lock.unlock() }; return storage }
        set { lock.lock(); defer { lock.unlock() }; storage = newValue }
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
func runProcess(
    _ executable: URL,
    _ arguments: [String],
    environment: [String: String],
    currentDirectory: URL,
    input: String? = nil,
    timeout: TimeInterval = 300
) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = currentDirectory
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    let inPipe: Pipe?
    if input != nil {
        let pipe = Pipe()
        process.standardInput = pipe
        inPipe = pipe
    } else {
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        inPipe = nil
    }

    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    do {
        try process.run()
    } catch {
        throw TestSupportError("cannot run \(executable.path): \(error)")
    }

    let collected = Collected()
    let group = DispatchGroup()
    let outHandle = outPipe.fileHandleForReading
    let errHandle = errPipe.fileHandleForReading
    DispatchQueue.global().async(group: group) { collected.set(out: outHandle.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { collected.set(err: errHandle.readDataToEndOfFile()) }
    if let inPipe, let input {
        let handle = inPipe.fileHandleForWriting
        let data = Data(input.utf8)
        DispatchQueue.global().async(group: group) {
            // A child that exits without reading gives EPIPE; ignore it.
            try? handle.write(contentsOf: data)
            try? handle.close()
        }
    }

    if finished.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        if finished.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        _ = group.wait(timeout: .now() + 5)
        throw TestSupportError(
            "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout))s; killed it.\n"
                + "stdout so far:\n\(collected.outString)\nstderr so far:\n\(collected.errString)")
    }
    // The streams end when the child (and anything it left running) closes them.
    if group.wait(timeout: .now() + 30) == .timedOut {
        throw TestSupportError(
            "\(executable.lastPathComponent) exited but its output streams stayed open (a leftover child process?)")
    }
    process.waitUntilExit()
    // A child killed by a signal reports 128 + the signal number, as shells do.
    let code = process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus : process.terminationStatus
    return CommandResult(exitCode: code, stdout: collected.outString, stderr: collected.errString)
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    func set(out data: Data) { lock.lock(); out = data; lock.unlock() }
    func set(err data: Data) { lock.lock(); err = data; lock.unlock() }
    var outString: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var errString: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }
}
