import ArgumentParser
import Catalog
import Foundation
import Planning
import State

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write a live tenant schema as schema.yaml.",
        discussion: """
            Reads one tenant schema from pg_catalog and writes the schema.yaml that reproduces it: \
            planning that tenant against the file finds it in sync, and new tenants get the same \
            schema. This is how a fleet built by Alembic or by hand adopts tenantplan. What schema.yaml \
            cannot express (exclusion constraints, operator classes, deferrable foreign keys...) is \
            skipped with a warning and listed in the file's header comment, as are the objects \
            tenantplan does not manage (views, functions, triggers). Nothing is changed in any database.
            """)

    @Option(name: .long, help: "The tenant schema to import.")
    var tenant: String

    @Option(name: .long, help: "Where to write the declaration.")
    var out = "schema.yaml"

    @Option(name: .long, help: "The fleet, to find the tenant's database (default: tenants.yaml when it exists).")
    var tenants: String?

    @Option(name: .customLong("database-url"), help: "Connection for databases without url/url_env (default: DATABASE_URL, then libpq's PG* variables).")
    var databaseURL: String?

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    func run() throws {
        try reportingErrors {
            if !force && FileManager.default.fileExists(atPath: out) {
                throw InputError("\(out) already exists", file: out,
                                 hint: "pass --force to overwrite it, or write elsewhere with --out")
            }
            let fleetPath = tenants ?? "tenants.yaml"
            let fleet = tenants != nil || FileManager.default.fileExists(atPath: fleetPath)
                ? try FleetLoader.load(path: fleetPath) : nil
            let database = Importer.database(for: tenant, in: fleet)
            let connection = try ConnectionResolver(databaseURL: databaseURL)
                .connect(database.connection, database: database.name)
            defer { connection.close() }

            let importer = Importer(toolVersion: Tenantplan.version)
            let outcome: ImportOutcome
            do {
                outcome = try importer.importTenant(tenant, database: database.name, file: out, on: connection)
            } catch let error as ImportError {
                Output.error(error.description)
                throw ExitCode(1)
            }
            for note in outcome.skipped { Output.error("warning: skipped \(note)") }
            for note in outcome.caveats { Output.error("warning: \(note)") }

            let data = Data(outcome.yaml.utf8)
            do {
                try data.write(to: URL(fileURLWithPath: out), options: force ? .atomic : .withoutOverwriting)
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
            Output.error(outcome.summary)

            // Plan the tenant against what was written, as `plan` would.
            do {
                let diff = try importer.verify(outcome.declaration, tenant: tenant, on: connection)
                if diff.changes.isEmpty && diff.held.isEmpty {
                    Output.error("verified: planning tenant \(tenant) against \(out) finds it in sync")
                } else {
                    Output.error("warning: planning tenant \(tenant) against \(out) finds \(diff.changes.count) change(s) "
                        + "and \(diff.held.count) held back:")
                    for change in diff.changes { Output.error("  \(change.action.rawValue) \(change.object)") }
                    for held in diff.held { Output.error("  held: \(held.object): \(held.reason)") }
                }
            } catch let error as PlanningError {
                Output.error("warning: could not verify the import: \(error.description)")
            } catch {
                Output.error("warning: could not verify the import: \(error)")
            }
        }
    }
}
