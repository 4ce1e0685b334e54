import Foundation
import Plan
import Yams

/// One case of the conformance corpus: a folder under `Tests/Fixtures/conformance/`.
///
/// The folder holds `before.sql` (the tenant built by hand, with rows),
/// `schema.yaml` (the desired declaration), `case.yaml` (what must hold) and,
/// optionally, `shared.sql` (run first in `public`). The format is described in
/// `Tests/Fixtures/conformance/README.md`.
struct ConformanceCase: Sendable {
    enum Expectation: String, Sendable, CaseIterable {
        /// Plan, apply, re-plan in sync, `after` holds, a fresh tenant equals the converted one.
        case converges
        /// A change is held back with a reason; apply keeps the rows; a re-plan has no changes.
        case heldBack = "held_back"
        /// Planning fails with `error`; nothing changes.
        case planError = "plan_error"
        /// The plan is made, the tenant's apply fails with `error` and is rolled back.
        case applyFails = "apply_fails"
    }

    /// A query run in the tenant after apply, and the rows it must return.
    struct Check: Sendable {
        var sql: String
        /// `role:`: the role the query runs as (`SET ROLE`, reset after it), to
        /// see what row-level security and grants let that role see.
        var role: String? = nil
        /// Every value as text, NULL as nil.
        var rows: [[String?]]
    }

    var name: String
    var folder: URL
    var about: String
    var finding: Int?
    var allowDestructive = false
    var allow: [String] = []
    /// nil: the planner's default form.
    var transactional: Bool?
    /// `plan: online_threshold:` (`16MB`, `64kB`, `0`); the corpus plans with 0
    /// when absent, so that its small tables take the online forms.
    var onlineThreshold: Int64?
    var expect: Expectation
    var heldBack: String?
    var error: String?
    var operations: [String]?
    var hazards: [String]?
    var after: [Check] = []
    var freshEquals: Bool

    var beforeSQL: String
    var sharedSQL: String?
    var schemaPath: String { folder.appendingPathComponent("schema.yaml").path }

    static let allowedFiles: Set<String> = ["before.sql", "shared.sql", "schema.yaml", "case.yaml"]
    static let keys = ["about", "finding", "plan", "expect", "held_back", "error", "operations", "hazards",
                       "after", "fresh_equals"]
    static let planKeys = ["allow_destructive", "allow", "transactional", "online_threshold"]

    /// The corpus folder, found from this source file.
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/conformance")

    /// Names of the case folders to run, sorted: all of them, or those whose name
    /// contains one of the comma-separated words of `TENANTPLAN_CONFORMANCE_CASES`.
    static func selected() -> [String] {
        let words = (ProcessInfo.processInfo.environment["TENANTPLAN_CONFORMANCE_CASES"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if words.isEmpty { return names() }
        return names().filter { name in words.contains { name.contains($0) } }
    }

    /// Names of the case folders, sorted.
    static func names() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return entries.filter { entry in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: corpus.appendingPathComponent(entry).path,
                                                  isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    /// Reads and checks the case folder `name`.
    ///
    /// - Throws: `CaseFileError` naming the file (and line) that is wrong.
    static func load(_ name: String) throws -> ConformanceCase {
        let folder = corpus.appendingPathComponent(name)
        func read(_ file: String, required: Bool) throws -> String? {
            let url = folder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                if required { throw CaseFileError(url.path, "missing: every case has \(file)") }
                return nil
            }
            do {
                return try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw CaseFileError(url.path, "cannot be read as UTF-8: \(error)")
            }
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for file in files where !allowedFiles.contains(file) {
            throw CaseFileError(folder.appendingPathComponent(file).path,
                                "unexpected file; a case holds \(allowedFiles.sorted().joined(separator: ", "))")
        }
        _ = try read("schema.yaml", required: true)
        let before = try read("before.sql", required: true)!
        let shared = try read("shared.sql", required: false)
        let path = folder.appendingPathComponent("case.yaml").path
        let text = try read("case.yaml", required: true)!
        return try parse(text, path: path, name: name, folder: folder, before: before, shared: shared)
    }

    static func parse(_ text: String, path: String, name: String, folder: URL, before: String,
                      shared: String?) throws -> ConformanceCase {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw CaseFileError(path, "is empty") }
            root = node
        } catch let error as CaseFileError {
            throw error
        } catch {
            throw CaseFileError(path, "is not valid YAML: \(error)")
        }
        let top = try mapping(root, path: path, what: "the top level", keys: keys)

        func string(_ key: String, in map: [String: Node]) throws -> String? {
            guard let node = map[key] else { return nil }
            guard case .scalar(let s) = node else { throw CaseFileError(path, node, "'\(key)' must be a string") }
            return s.string
        }
        func bool(_ key: String, in map: [String: Node]) throws -> Bool? {
            guard let node = map[key] else { return nil }
            guard let value = node.bool else { throw CaseFileError(path, node, "'\(key)' must be true or false") }
            return value
        }
        func strings(_ key: String, in map: [String: Node]) throws -> [String]? {
            guard let node = map[key] else { return nil }
            guard case .sequence(let seq) = node else { throw CaseFileError(path, node, "'\(key)' must be a list") }
            return try seq.map { item in
                guard case .scalar(let s) = item else { throw CaseFileError(path, item, "'\(key)' holds strings only") }
                return s.string
            }
        }

        guard let about = try string("about", in: top), !about.isEmpty else {
            throw CaseFileError(path, root, "'about' is required: one sentence saying what the case proves")
        }
        guard let expectText = try string("expect", in: top) else {
            throw CaseFileError(path, root, "'expect' is required: " + Expectation.allCases.map(\.rawValue).joined(separator: " | "))
        }
        guard let expect = Expectation(rawValue: expectText) else {
            throw CaseFileError(path, top["expect"]!, "unknown expect '\(expectText)'; one of "
                + Expectation.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var finding: Int?
        if let node = top["finding"] {
            guard let n = node.int else { throw CaseFileError(path, node, "'finding' must be a number") }
            finding = n
        }
        var c = ConformanceCase(
            name: name, folder: folder, about: about, finding: finding, expect: expect,
            freshEquals: expect == .converges, beforeSQL: before, sharedSQL: shared)
        if let node = top["plan"] {
            let plan = try mapping(node, path: path, what: "'plan'", keys: planKeys)
            c.allowDestructive = try bool("allow_destructive", in: plan) ?? false
            c.allow = try strings("allow", in: plan) ?? []
            c.transactional = try bool("transactional", in: plan)
            if let size = try string("online_threshold", in: plan) {
                guard let bytes = FormChoice.bytes(fromSize: size) else {
                    throw CaseFileError(path, plan["online_threshold"]!, "'online_threshold' must be a size such as 16MB or 0")
                }
                c.onlineThreshold = bytes
            }
        }
        c.heldBack = try string("held_back", in: top)
        c.error = try string("error", in: top)
        c.operations = try strings("operations", in: top)
        c.hazards = try strings("hazards", in: top)
        if let fresh = try bool("fresh_equals", in: top) { c.freshEquals = fresh }

        switch expect {
        case .heldBack where c.heldBack == nil:
            throw CaseFileError(path, root, "expect: held_back needs 'held_back': a substring of the held-back reason")
        case .planError where c.error == nil, .applyFails where c.error == nil:
            throw CaseFileError(path, root, "expect: \(expect.rawValue) needs 'error': a substring of the error")
        default: break
        }
        if expect != .heldBack, let node = top["held_back"] {
            throw CaseFileError(path, node, "'held_back' goes with expect: held_back")
        }
        if expect != .planError && expect != .applyFails, let node = top["error"] {
            throw CaseFileError(path, node, "'error' goes with expect: plan_error or apply_fails")
        }
        if expect == .planError, c.operations != nil || c.hazards != nil {
            throw CaseFileError(path, root, "a plan_error case has no plan: drop 'operations' and 'hazards'")
        }
        if expect != .converges && c.freshEquals {
            throw CaseFileError(path, top["fresh_equals"]!, "fresh_equals holds only for expect: converges")
        }

        if let node = top["after"] {
            guard case .sequence(let seq) = node else { throw CaseFileError(path, node, "'after' must be a list") }
            for item in seq {
                let check = try mapping(item, path: path, what: "an 'after' entry", keys: ["sql", "rows", "role"])
                guard let sql = try string("sql", in: check) else {
                    throw CaseFileError(path, item, "an 'after' entry needs 'sql'")
                }
                guard let rowsNode = check["rows"], case .sequence(let rows) = rowsNode else {
                    throw CaseFileError(path, item, "an 'after' entry needs 'rows': a list of rows, each a list of values")
                }
                let parsed: [[String?]] = try rows.map { row in
                    guard case .sequence(let values) = row else {
                        throw CaseFileError(path, row, "each row is a list of values, e.g. [\"1\", null]")
                    }
                    return try values.map { value in
                        guard case .scalar(let s) = value else {
                            throw CaseFileError(path, value, "a value is text or null")
                        }
                        return s.style == .plain && ["null", "~", "Null", "NULL"].contains(s.string) ? nil : s.string
                    }
                }
                c.after.append(Check(sql: sql, role: try string("role", in: check), rows: parsed))
            }
        }
        return c
    }

    /// The mapping `node` with string keys, refusing keys not in `keys`.
    private static func mapping(_ node: Node, path: String, what: String, keys: [String]) throws -> [String: Node] {
        guard case .mapping(let map) = node else { throw CaseFileError(path, node, "\(what) must be a mapping") }
        var out: [String: Node] = [:]
        for (k, v) in map {
            guard case .scalar(let key) = k else { throw CaseFileError(path, k, "keys are strings") }
            guard keys.contains(key.string) else {
                throw CaseFileError(path, k, "unknown key '\(key.string)' in \(what); allowed: \(keys.joined(separator: ", "))")
            }
            guard out[key.string] == nil else { throw CaseFileError(path, k, "duplicate key '\(key.string)'") }
            out[key.string] = v
        }
        return out
    }
}

/// A case folder that cannot be used, with the file (and line) and what to do.
struct CaseFileError: Error, CustomStringConvertible {
    var description: String

    init(_ path: String, _ message: String) {
        description = "\(path): \(message)"
    }

    init(_ path: String, _ node: Node, _ message: String) {
        if let mark = node.mark {
            description = "\(path):\(mark.line):\(mark.column): \(message)"
        } else {
            description = "\(path): \(message)"
        }
    }
}
