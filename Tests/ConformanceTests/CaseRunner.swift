import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import SQLSyntax
import State
import TestSupport

/// Runs one conformance case against a database and collects what went wrong.
///
/// The converted tenant and a fresh one (made from `schema.yaml` alone) are
/// planned together in one plan, as a fleet of two, and applied together: one
/// realisation of the desired state per plan, and the fresh tenant is made the
/// way `plan` + `apply` make any new tenant. The plan goes through its file
/// encoding and digest check before it is applied, as the CLI does it.
struct CaseRunner {
    let spec: ConformanceCase
    let database: TestDatabase
    let connection: Connection
    /// The converted tenant and the fresh one.
    let tenant: String
    let fresh: String
    private(set) var problems: [String] = []

    init(_ spec: ConformanceCase, database: TestDatabase, connection: Connection, number: Int) {
        self.spec = spec
        self.database = database
        self.connection = connection
        let n = String(number)
        let padded = String(repeating: "0", count: max(0, 4 - n.count)) + n
        tenant = "conv_\(padded)"
        fresh = "fresh_\(padded)"
    }

    var resolver: ConnectionResolver { ConnectionResolver(databaseURL: database.conninfo, environment: [:]) }

    mutating func fail(_ message: String) { problems.append(message) }

    /// Runs the case; returns normally with `problems` filled, or throws when it
    /// could not be run at all (bad fixture SQL, a server that went away).
    mutating func run() throws {
        if let shared = spec.sharedSQL { try runScript(shared, file: "shared.sql", schema: "public") }
        try connection.execute("CREATE SCHEMA \(quoteIdentifier(tenant))")
        try runScript(spec.beforeSQL, file: "before.sql", schema: tenant)

        // A declaration that does not load is a plan error too (`plan` stops there).
        let declaration: Declaration
        do {
            declaration = try DeclarationLoader.load(path: spec.schemaPath)
        } catch {
            let text = ErrorFormatter.text(for: error)
            guard spec.expect == .planError, let wanted = spec.error else { throw error }
            if !text.contains(wanted) { fail("the load error does not contain \"\(wanted)\":\n\(text)") }
            if try schemaExists(fresh) { fail("the failed load created the fresh tenant \(fresh)") }
            try runChecks()
            return
        }
        var allowed: [AllowSelector] = []
        for text in spec.allow {
            do {
                allowed.append(try AllowSelector(parsing: text))
            } catch {
                throw CaseFailure("\(spec.folder.path)/case.yaml: plan.allow '\(text)': \(error)")
            }
        }
        let beforeSnapshot = try CatalogSnapshot.read(tenant, on: connection)
        let beforeFingerprint = try fingerprint(tenant)

        // Plan.
        let plan: PlanFile
        do {
            plan = try makePlan(declaration, allowed: allowed)
        } catch {
            let text = ErrorFormatter.text(for: error)
            guard spec.expect == .planError, let wanted = spec.error else {
                fail("planning failed:\n\(text)")
                return
            }
            if !text.contains(wanted) { fail("the plan error does not contain \"\(wanted)\":\n\(text)") }
            try expectUnchanged(beforeSnapshot, beforeFingerprint, "after the failed plan")
            if try schemaExists(fresh) { fail("the failed plan created the fresh tenant \(fresh)") }
            try runChecks()
            return
        }
        if spec.expect == .planError {
            fail("planning succeeded; expected an error containing \"\(spec.error ?? "")\"\n\(describe(plan))")
            return
        }
        guard let set = changeSet(of: tenant, in: plan) else {
            fail("the plan has no change set for \(tenant)\n\(describe(plan))")
            return
        }
        checkPlanShape(set, plan)

        // Apply.
        let report = try Applier(connections: resolver, options: ApplyOptions(parallel: 2)).apply(plan)
        let outcomes = Dictionary(report.results.map { ($0.tenant, $0) }, uniquingKeysWith: { a, _ in a })
        guard let mine = outcomes[tenant] else {
            fail("apply reported nothing for \(tenant)\n\(report.text(verbose: true))")
            return
        }
        if let freshResult = outcomes[fresh], !freshResult.outcome.isSuccess {
            fail("the fresh tenant was not created: \(freshResult.outcome.label)\n\(report.text(verbose: true))")
        }
        if spec.expect == .applyFails {
            let message = [mine.failure?.message, mine.failure?.detail].compactMap { $0 }.joined(separator: "\n")
            if mine.outcome != .failed {
                fail("apply of \(tenant) ended \(mine.outcome.label); expected a failure containing \"\(spec.error ?? "")\"")
            } else if let wanted = spec.error, !message.contains(wanted) {
                fail("the apply failure does not contain \"\(wanted)\":\n\(message)")
            }
            try expectUnchanged(beforeSnapshot, beforeFingerprint, "after the failed apply")
            try runChecks()
            return
        }
        guard mine.outcome.isSuccess else {
            fail("apply of \(tenant) ended \(mine.outcome.label)\n\(report.text(verbose: true))")
            return
        }

        // Re-plan: nothing left to do.
        let replan: PlanFile
        do {
            replan = try makePlan(declaration, allowed: allowed)
        } catch {
            fail("the re-plan failed:\n\(ErrorFormatter.text(for: error))")
            return
        }
        if let again = changeSet(of: tenant, in: replan) {
            if !again.changes.isEmpty {
                fail("the re-plan is not in sync; it still has:\n" + again.changes.map { "  \($0.op): \($0.sql)" }.joined(separator: "\n"))
            }
            switch spec.expect {
            case .converges where !again.held.isEmpty:
                fail("the re-plan still holds back:\n" + again.held.map { "  \($0.object): \($0.reason)" }.joined(separator: "\n"))
            case .heldBack where !again.held.contains(where: { $0.reason.contains(spec.heldBack ?? "") }):
                fail("the re-plan no longer holds back \"\(spec.heldBack ?? "")\"")
            default: break
            }
        } else {
            fail("the re-plan has no change set for \(tenant)")
        }
        if let again = changeSet(of: fresh, in: replan), !again.changes.isEmpty || !again.held.isEmpty {
            fail("the fresh tenant is not in sync after apply:\n" + describe(replan))
        }

        try runChecks()

        if spec.freshEquals {
            let converted = try CatalogSnapshot.read(tenant, on: connection)
            let made = try CatalogSnapshot.read(fresh, on: connection)
            if let diff = converted.difference(to: made, "converted tenant \(tenant)", "fresh tenant \(fresh)") {
                fail("the converted tenant and a fresh one differ in the catalog:\n\(diff)")
            }
        }
    }

    /// Drops the case's schemas (not `public` objects: a case with `shared.sql` has a database of its own).
    func cleanUp() {
        for schema in [tenant, fresh] {
            try? connection.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema)) CASCADE")
        }
    }

    // MARK: - Steps

    private func makePlan(_ declaration: Declaration, allowed: [AllowSelector]) throws -> PlanFile {
        let fleet = Fleet(file: "tenants.yaml", tenants: [tenant, fresh].map {
            TenantDeclaration(name: $0, database: Fleet.defaultDatabaseName)
        })
        var request = PlanRequest(
            declaration: declaration, schemaSHA256: String(repeating: "0", count: 64), fleet: fleet,
            allowDestructive: spec.allowDestructive, allowed: allowed, toolVersion: "conformance")
        request.transactional = spec.transactional ?? false
        request.onlineThreshold = spec.onlineThreshold ?? 0
        let plan = try Planner(connections: resolver, workers: 1).plan(request)
        return try PlanFile.decode(plan.encoded(), file: "plan.json")
    }

    private func changeSet(of tenant: String, in plan: PlanFile) -> PlanFile.ChangeSet? {
        plan.changeSets.first { $0.tenants.values.contains { $0.contains(tenant) } }
    }

    private mutating func checkPlanShape(_ set: PlanFile.ChangeSet, _ plan: PlanFile) {
        let ops = set.changes.map(\.op.rawValue)
        if let wanted = spec.operations, ops != wanted {
            fail("operations differ:\n  expected \(wanted)\n  planned  \(ops)\n\(describe(plan))")
        }
        let hazards = Set(set.changes.flatMap(\.hazards)).map(\.rawValue).sorted()
        if let wanted = spec.hazards, hazards != Set(wanted).sorted() {
            fail("hazards differ:\n  expected \(Set(wanted).sorted())\n  planned  \(hazards)\n\(describe(plan))")
        }
        switch spec.expect {
        case .heldBack:
            if !set.held.contains(where: { $0.reason.contains(spec.heldBack ?? "") }) {
                fail("nothing is held back with a reason containing \"\(spec.heldBack ?? "")\"\n\(describe(plan))")
            }
        case .converges, .applyFails:
            if !set.held.isEmpty {
                fail("the plan holds back:\n" + set.held.map { "  \($0.object): \($0.reason)" }.joined(separator: "\n"))
            }
        case .planError:
            break
        }
        if spec.expect == .applyFails && set.changes.isEmpty {
            fail("expected a failing apply, but the plan has no changes")
        }
    }

    /// The `after` queries, run in the tenant.
    private mutating func runChecks() throws {
        for check in spec.after {
            let rows: [[String?]]
            do {
                if let role = check.role { try connection.execute("SET ROLE \(quoteIdentifier(role))") }
                defer { if check.role != nil { try? connection.execute("RESET ROLE") } }
                rows = try queryRows(check.sql, in: tenant)
            } catch {
                fail("after: \(check.sql)\n  failed: \(error)")
                continue
            }
            if rows != check.rows {
                fail("after: \(check.sql)\n  expected \(format(check.rows))\n  got      \(format(rows))")
            }
        }
    }

    private mutating func expectUnchanged(_ snapshot: CatalogSnapshot, _ fingerprint: String, _ when: String) throws {
        let now = try CatalogSnapshot.read(tenant, on: connection)
        if let diff = snapshot.difference(to: now, "before", when) {
            fail("the tenant changed \(when):\n\(diff)")
        }
        if try self.fingerprint(tenant) != fingerprint { fail("the tenant's fingerprint changed \(when)") }
    }

    // MARK: - Database helpers

    private func runScript(_ text: String, file: String, schema: String) throws {
        try connection.execute("SELECT set_config('search_path', $1, false)", [quoteIdentifier(schema)])
        defer { try? connection.execute("SELECT set_config('search_path', 'public', false)") }
        for statement in SQLScript.statements(text) {
            do {
                try connection.execute(statement)
            } catch {
                throw CaseFailure("\(spec.folder.path)/\(file): the statement failed:\n\(statement)\n\(error)")
            }
        }
    }

    private func queryRows(_ sql: String, in schema: String) throws -> [[String?]] {
        try connection.execute("SELECT set_config('search_path', $1, false)", [quoteIdentifier(schema)])
        defer { try? connection.execute("SELECT set_config('search_path', 'public', false)") }
        return try connection.query(sql).rows
    }

    private func fingerprint(_ schema: String) throws -> String {
        let state = try Reflector().reflect(schema: schema, on: connection)
        try connection.execute("SELECT set_config('search_path', 'public', false)")
        return state?.fingerprint ?? SchemaState.absentFingerprint
    }

    private func schemaExists(_ schema: String) throws -> Bool {
        try connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).rows.count == 1
    }

    private func describe(_ plan: PlanFile) -> String {
        var out: [String] = []
        for set in plan.changeSets where set.tenants.values.contains(where: { $0.contains(tenant) }) {
            let names = set.tenants.values.flatMap { $0 }.sorted().joined(separator: ", ")
            out.append("change set \(set.id) (\(names)):")
            out += set.changes.map { "  \($0.op) [\($0.hazards.map(\.rawValue).joined(separator: ","))]: \($0.sql)" }
            out += set.held.map { "  held \($0.object): \($0.reason)" }
        }
        return out.joined(separator: "\n")
    }

    private func format(_ rows: [[String?]]) -> String {
        "[" + rows.map { "[" + $0.map { $0.map { "\"\($0)\"" } ?? "null" }.joined(separator: ", ") + "]" }
            .joined(separator: ", ") + "]"
    }
}

/// A case that could not be run: its text says which file and what failed.
struct CaseFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
