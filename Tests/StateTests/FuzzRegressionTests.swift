import Foundation
import State
import Synchronization
import Testing
import TestSupport

/// Replays the fuzz corpus in `Tests/Fixtures/fuzz/`: inputs that once crashed, hung or
/// misbehaved (`found-*`, saved by `scripts/fuzz.sh`), and a seed of nasty ones
/// (billion laughs, deep nesting, invalid UTF-8, NUL bytes, truncations, huge numbers).
///
/// Every input must end in a clean result, quickly: a file named `valid-*` loads;
/// any other file is refused with located `InputError`s naming it; a `found-*` file
/// may do either (the fix decides). Never a trap, a hang or another kind of error.
/// `schema.yaml` and `tenants.yaml` inputs go through the loaders in-process; plan
/// files through the built binary's `show` (the `StateTests` target cannot import `Plan`).
@Suite struct FuzzRegressionTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // StateTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/fuzz")

    /// The files of one corpus folder, as `folder/name`, sorted.
    static func files(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent(folder).path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
    }

    /// Inputs the product still mishandles, with what goes wrong. They run through the
    /// binary with a short time limit (a hang in-process would stall the whole test run)
    /// inside `withKnownIssue`, which fails once the bug is fixed: then remove the entry.
    static let knownIssues: [String: String] = [:]

    /// Longest an in-process load of one corpus file may take (a debug build, tests in parallel).
    /// A guard against hangs and quadratic blow-ups, not a speed target: the largest file
    /// (20,000 errors) loads in about 14 s alone, in the full suite on 2 cores in over 30 s.
    static let deadline: TimeInterval = 90

    /// Loads `path` with `load` on a thread of its own with a main-thread-sized stack
    /// (the CLI loads on the main thread), within `deadline`.
    static func loadInProcess<T: Sendable>(_ path: String, _ load: @escaping @Sendable (String) throws -> T) async
        -> Result<T, any Error>?
    {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let result = Result { try load(path) }
            box.result.withLock { $0 = result }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        let finished: Bool = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: done.wait(timeout: .now() + deadline) == .success)
            }
        }
        return finished ? box.result.withLock { $0 } : nil
    }

    /// Checks the outcome of loading corpus file `name` (read from `path`).
    static func check<T>(_ name: String, path: String, _ outcome: Result<T, any Error>?,
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let file = (name as NSString).lastPathComponent
        guard let outcome else {
            Issue.record("\(name): loading did not finish within \(Int(deadline)) s", sourceLocation: sourceLocation)
            return
        }
        switch outcome {
        case .success:
            if !file.hasPrefix("valid-") && !file.hasPrefix("found-") {
                Issue.record("\(name): loaded without an error, but only valid-* files should", sourceLocation: sourceLocation)
            }
        case .failure(let error as InputErrors):
            if file.hasPrefix("valid-") {
                Issue.record("\(name) should load, but: \(error)", sourceLocation: sourceLocation)
            }
            #expect(!error.errors.isEmpty, "\(name): an empty InputErrors", sourceLocation: sourceLocation)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            // YAML also breaks lines at U+0085, U+2028 and U+2029.
            let lines = String(decoding: data, as: UTF8.self).unicodeScalars.reduce(1) {
                $0 + ("\n\u{85}\u{2028}\u{2029}".unicodeScalars.contains($1) ? 1 : 0)
            }
            for e in error.errors {
                #expect(e.file == path, "\(name): an error names \(e.file)", sourceLocation: sourceLocation)
                #expect(e.description.hasPrefix("\(path)"), "\(name): \(e.description)", sourceLocation: sourceLocation)
                #expect(e.description.contains(": error: "), "\(name): \(e.description)", sourceLocation: sourceLocation)
                #expect(!e.message.isEmpty, "\(name): an error without a message", sourceLocation: sourceLocation)
                if let location = e.location {
                    #expect(location.line >= 1 && location.line <= lines + 1 && location.column >= 1,
                            "\(name): \(e.description) points outside the file (\(lines) lines)",
                            sourceLocation: sourceLocation)
                }
            }
        case .failure(let error):
            Issue.record("\(name): threw \(type(of: error)) instead of InputErrors: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Runs a known-issue input through the binary with a short time limit.
    static func runKnownIssue(_ name: String, _ args: [String]) async {
        await withKnownIssue(Comment(rawValue: knownIssues[name] ?? "")) {
            let result = try await Self.offThread {
                try runTenantplan(args, currentDirectory: corpus, timeout: 5)
            }
            #expect(result.exitCode == 0 || result.exitCode == 1, "\(result)")
        }
    }

    static func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files("schema").count >= 12)
        #expect(Self.files("tenants").count >= 10)
        #expect(Self.files("plan").count >= 12)
        for folder in ["schema", "tenants", "plan"] {
            #expect(Self.files(folder).contains { $0.contains("/valid-") }, "no valid-* seed in \(folder)")
        }
    }

    @Test(arguments: files("schema"))
    func schemaFile(_ name: String) async throws {
        let path = Self.corpus.appendingPathComponent(name).path
        if Self.knownIssues[name] != nil {
            await Self.runKnownIssue(name, ["validate", "--schema", path, "--tenants", packageRoot.appendingPathComponent("tenants.yaml").path])
            return
        }
        try Self.check(name, path: path, await Self.loadInProcess(path) { try DeclarationLoader.load(path: $0) })
        // The parser itself, on the text as a String (invalid UTF-8 repaired).
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let parsed = await Self.loadInProcess(path) { try DeclarationLoader.parse(yaml: text, file: $0) }
        if String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8) != nil {
            try Self.check(name, path: path, parsed)
        } else if case .failure(let error)? = parsed, !(error is InputErrors) {
            Issue.record("\(name): parse threw \(type(of: error)): \(error)")
        } else if parsed == nil {
            Issue.record("\(name): parse did not finish within \(Int(Self.deadline)) s")
        }
    }

    @Test(arguments: files("tenants"))
    func tenantsFile(_ name: String) async throws {
        let path = Self.corpus.appendingPathComponent(name).path
        if Self.knownIssues[name] != nil {
            await Self.runKnownIssue(name, ["validate", "--schema", packageRoot.appendingPathComponent("schema.yaml").path, "--tenants", path])
            return
        }
        try Self.check(name, path: path, await Self.loadInProcess(path) { try FleetLoader.load(path: $0) })
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let parsed = await Self.loadInProcess(path) { try FleetLoader.parse(yaml: text, file: $0) }
        if String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8) != nil {
            try Self.check(name, path: path, parsed)
        } else if case .failure(let error)? = parsed, !(error is InputErrors) {
            Issue.record("\(name): parse threw \(type(of: error)): \(error)")
        } else if parsed == nil {
            Issue.record("\(name): parse did not finish within \(Int(Self.deadline)) s")
        }
    }

    /// `tenantplan show` on every plan of the corpus: `valid-*` shows (exit 0), the rest
    /// are refused with exit 1 and a message naming the file; nothing else.
    @Test(arguments: files("plan"))
    func planFile(_ name: String) async throws {
        let path = Self.corpus.appendingPathComponent(name).path
        let file = (name as NSString).lastPathComponent
        if Self.knownIssues[name] != nil {
            await Self.runKnownIssue(name, ["show", path])
            return
        }
        for format in ["text", "json", "markdown"] {
            let result = try await Self.offThread {
                try runTenantplan(["show", path, "--format", format], currentDirectory: Self.corpus, timeout: 30)
            }
            #expect(result.exitCode == 0 || result.exitCode == 1, "\(name) --format \(format): \(result)")
            if file.hasPrefix("valid-") {
                #expect(result.exitCode == 0, "\(name) --format \(format): \(result)")
                #expect(result.stderr.isEmpty, "\(name) --format \(format): \(result)")
            } else if !file.hasPrefix("found-") {
                #expect(result.exitCode == 1, "\(name) --format \(format): \(result)")
            }
            if result.exitCode == 1 {
                #expect(result.stderr.hasPrefix("\(path): error: "), "\(name): \(result)")
                #expect(result.stdout.isEmpty, "\(name): \(result)")
            }
            for marker in ["Fatal error", "Stack dump"] {
                #expect(!result.stderr.contains(marker) && !result.stdout.contains(marker), "\(name): \(result)")
            }
        }
    }
}

/// The result of work done on another thread, read after it signalled.
private final class ResultBox<T: Sendable>: Sendable {
    let result = Mutex<Result<T, any Error>?>(nil)
}
