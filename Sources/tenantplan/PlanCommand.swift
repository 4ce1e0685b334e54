import ArgumentParser
import Catalog
import Foundation
import Plan
import Planning
import State

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

struct FileOptions: ParsableArguments {
    @Option(name: .long, help: "The desired tenant schema.")
    var schema = "schema.yaml"

    @Option(name: .long, help: "The fleet: databases and tenants.")
    var tenants = "tenants.yaml"
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Compare every tenant schema with schema.yaml and write a plan file.",
        discussion: """
            Reads schema.yaml and tenants.yaml, validates them, realises the declaration in a scratch \
            schema that is always rolled back (so that types and expressions compare in PostgreSQL's own \
            canonical form), reads every tenant schema from pg_catalog and writes the changes each needs. \
            Tenants in the same state share one change list. Nothing is changed in any database.
            """)

    @OptionGroup var files: FileOptions

    @Option(name: .long, help: "Where to write the plan.")
    var out = "plan.json"

    @Option(name: .customLong("database-url"), help: "Connection for databases without url/url_env (default: DATABASE_URL, then libpq's PG* variables).")
    var databaseURL: String?

    @Option(name: .customLong("tenant"), help: "Plan only this tenant (repeatable).")
    var onlyTenants: [String] = []

    @Flag(name: .customLong("allow-destructive"), help: "Also plan changes that lose data or drop undeclared objects.")
    var allowDestructive = false

    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: ReportFormat = .text

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when there are changes, 0 when every tenant is in sync.")
    var detailedExitcode = false

    func run() throws {
        let plan = try reportingErrors { () throws -> PlanFile in
            let declaration = try DeclarationLoader.load(path: files.schema)
            let fleet = try FleetLoader.load(path: files.tenants)
            let request = PlanRequest(
                declaration: declaration,
                schemaSHA256: SHA256.hex(bytes: FileManager.default.contents(atPath: files.schema) ?? Data()),
                fleet: fleet, onlyTenants: onlyTenants, allowDestructive: allowDestructive,
                toolVersion: Tenantplan.version)
            let planner = Planner(connections: ConnectionResolver(databaseURL: databaseURL), progress: Output.progress())
            let plan = try planner.plan(request)
            Output.endProgress()
            let data = try plan.encoded()
            guard FileManager.default.createFile(atPath: out, contents: data) else {
                throw InputError("cannot write the plan file", file: out, hint: "check the directory exists and is writable")
            }
            return plan
        }
        let report = PlanReport(plan: plan, color: Output.color)
        switch format {
        case .text:
            print(report.text())
            print("Saved the plan to \(out). Apply it with: tenantplan apply \(out)")
        case .markdown:
            print(report.markdown())
        case .json:
            print(String(decoding: try plan.encoded(), as: UTF8.self), terminator: "")
        }
        if detailedExitcode && plan.hasChanges { throw ExitCode(2) }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a plan file: its change sets, their SQL and hazards.")

    @Argument(help: "The plan file.")
    var plan: String

    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: ReportFormat = .text

    func run() throws {
        let file = try reportingErrors { try PlanFile.read(path: plan) }
        let report = PlanReport(plan: file, color: Output.color)
        switch format {
        case .text: print(report.text(sql: true))
        case .markdown: print(report.markdown())
        case .json: print(String(decoding: try file.encoded(), as: UTF8.self), terminator: "")
        }
    }
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check schema.yaml and tenants.yaml without connecting to any database.")

    @OptionGroup var files: FileOptions

    func run() throws {
        let (declaration, fleet) = try reportingErrors {
            var errors: [InputError] = []
            var declaration: Declaration?
            var fleet: Fleet?
            do { declaration = try DeclarationLoader.load(path: files.schema) } catch let e as InputErrors { errors += e.errors }
            do { fleet = try FleetLoader.load(path: files.tenants) } catch let e as InputErrors { errors += e.errors }
            if !errors.isEmpty { throw InputErrors(errors) }
            return (declaration!, fleet!)
        }
        print("\(files.schema): \(declaration.tables.count) table\(declaration.tables.count == 1 ? "" : "s"), \(declaration.enums.count) enum\(declaration.enums.count == 1 ? "" : "s")")
        print("\(files.tenants): \(fleet.databases.count) database\(fleet.databases.count == 1 ? "" : "s"), \(fleet.tenants.count) listed tenant\(fleet.tenants.count == 1 ? "" : "s"), \(fleet.discover.count) discovery rule\(fleet.discover.count == 1 ? "" : "s")")
        print("Valid.")
    }
}
