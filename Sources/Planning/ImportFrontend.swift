import Catalog
import Foundation
import Plan
import Postgres
import State

/// `tenantplan import`: reads one live tenant schema, writes it as `schema.yaml`,
/// and plans the tenant against what was written to show that the import is exact.
///
/// Warnings, the summary and the verification are told line by line through
/// `note` as they happen (the CLI sends them to stderr). Changes nothing in any
/// database.
public struct ImportFrontend {
    public var tenant: String
    /// Where the declaration is written.
    public var out: String
    /// The fleet, to find the tenant's database; nil: `tenants.yaml` when it exists.
    public var tenants: String?
    /// Overwrite `out` if it exists.
    public var force: Bool
    public var connections: ConnectionResolver
    public var toolVersion: String
    public var note: (String) -> Void

    public init(tenant: String, out: String, tenants: String?, force: Bool, connections: ConnectionResolver,
                toolVersion: String, note: @escaping (String) -> Void) {
        self.tenant = tenant
        self.out = out
        self.tenants = tenants
        self.force = force
        self.connections = connections
        self.toolVersion = toolVersion
        self.note = note
    }

    /// - Throws: `InputError(s)` (`out` exists, cannot be written, or what was written
    ///   does not validate), `ImportError` (`notExact`: what was written does not
    ///   plan the tenant in sync), `MissingPrivilege`, `PlanningError`, `PostgresError`.
    public func run() throws {
        if !force && FileManager.default.fileExists(atPath: out) {
            throw InputError("\(out) already exists", file: out,
                             hint: "pass --force to overwrite it, or write elsewhere with --out")
        }
        let fleetPath = tenants ?? "tenants.yaml"
        let fleet = tenants != nil || FileManager.default.fileExists(atPath: fleetPath)
            ? try FleetLoader.load(path: fleetPath) : nil
        let database = Importer.database(for: tenant, in: fleet)
        let connection = try connections.connect(database.connection, database: database.name)
        defer { connection.close() }

        let importer = Importer(toolVersion: toolVersion)
        let outcome = try importer.importTenant(tenant, database: database.name, file: out, on: connection)
        for skipped in outcome.skipped { note("warning: skipped \(skipped)") }
        for caveat in outcome.caveats { note("warning: \(caveat)") }

        do {
            try Data(outcome.yaml.utf8).write(to: URL(fileURLWithPath: out), options: force ? .atomic : .withoutOverwriting)
        } catch {
            throw InputError("cannot write the declaration: \(error.localizedDescription)", file: out,
                             hint: "check the directory exists and is writable")
        }
        if !outcome.problems.isEmpty {
            throw InputErrors(outcome.problems.map {
                var problem = $0
                problem.hint = ($0.hint.map { $0 + "; " } ?? "") + "the file was written: edit it to fix this"
                return problem
            })
        }
        note(outcome.summary)
        noteBookkeeping(outcome.declaration.ignore)
        try verify(outcome.declaration, with: importer, announced: outcome.skipped + outcome.caveats, on: connection)
    }

    /// Names the migration tools' bookkeeping tables that were left out and
    /// written under `ignore:`, and says to stop running those tools.
    func noteBookkeeping(_ ignore: IgnoreRules) {
        let found = BookkeepingTables.known.filter { ignore.ignores(.tables, $0.name) }
        guard !found.isEmpty else { return }
        for table in found {
            note("note: \(table.name) is the migration bookkeeping table of \(table.tools): left out of \(out) "
                + "and listed under ignore:, so tenantplan leaves it alone")
        }
        var tools: [String] = []
        for table in found where !tools.contains(table.tools) { tools.append(table.tools) }
        note("note: once tenantplan manages these tenants, stop running \(tools.joined(separator: " and ")) on them: "
            + "its migrations would change the schemas behind the plans' back")
    }

    /// Plans the tenant against what was written, as `plan` would.
    ///
    /// - Throws: `ImportError.notExact` naming each object the plan would still
    ///   change or hold back (the file stays written), or the error that kept the
    ///   check from running.
    /// Changes to objects that `announced` (the warnings' notes) names are expected.
    func verify(_ declaration: Declaration, with importer: Importer, announced: [ImportNote],
                on connection: Connection) throws {
        let diff = try importer.verify(declaration, tenant: tenant, on: connection)
        if diff.changes.isEmpty && diff.held.isEmpty {
            note("verified: planning tenant \(tenant) against \(out) finds it in sync")
            return
        }
        note("planning tenant \(tenant) against \(out) finds \(diff.changes.count) change(s) "
            + "and \(diff.held.count) held back:")
        for change in diff.changes { note("  \(change.action.rawValue) \(change.object)") }
        for held in diff.held { note("  held: \(held.object): \(held.reason)") }
        var objects: [String] = []
        for object in diff.changes.map(\.object) + diff.held.map(\.object)
        where !objects.contains(object) && !Self.announced(object, by: announced) {
            objects.append(object)
        }
        guard objects.isEmpty else { throw ImportError.notExact(tenant: tenant, file: out, objects: objects) }
        note("these are the differences the warnings above announce")
    }

    /// Whether a plan's object is one a warning of the import named (a skipped
    /// object, or one imported with a caveat), or stands on a table one named.
    ///
    /// Notes and plans word objects differently (`check x on t`, `constraint x on t`;
    /// `index i on t`, `index i`), so both are cut to the object's name.
    static func announced(_ object: String, by notes: [ImportNote]) -> Bool {
        let name = objectName(object)
        return notes.contains { note in
            let noted = objectName(note.object)
            if noted == name { return true }
            guard note.object.hasPrefix("table ") else { return false }
            return name.hasPrefix(noted + ".") || object.hasSuffix(" on \(noted)")
        }
    }

    /// `column t.c default` → `t.c`; `foreign key fk on t` → `fk`; `table t` → `t`.
    static func objectName(_ object: String) -> String {
        var rest = Substring(object)
        let kinds = ["foreign key ", "primary key ", "unique constraint ", "exclusion constraint ", "composite type ",
                     "range type ", "multirange type ", "comment on table ", "comment on column "]
        if let kind = kinds.first(where: { rest.hasPrefix($0) }) {
            rest = rest.dropFirst(kind.count)
        } else if let space = rest.firstIndex(of: " ") {
            rest = rest[rest.index(after: space)...]
        }
        return String(rest.prefix { $0 != " " })
    }
}
