import ArgumentParser
import Foundation
import Plan
import Planning

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Compare every tenant schema with schema.yaml and write a plan file.",
        discussion: """
            Reads schema.yaml and tenants.yaml, validates them, realises the declaration in a scratch \
            schema that is always rolled back (so that types and expressions compare in PostgreSQL's own \
            canonical form), reads every tenant schema from pg_catalog and writes the changes each needs. \
            A check, default or index that a tenant writes differently is realised again too, and equal \
            when both settle to the same text. The role needs CREATE on the database (scratch schema) and \
            USAGE on every tenant schema; without them plan stops and names the grant. Tenants in the same state share one change list. Changes that lose data or drop undeclared \
            objects are held back unless --allow-destructive, or an --allow selector that matches them, is \
            given. A change that undeclared objects depend on (a view on a dropped column, a trigger on a \
            retyped one, another schema's foreign key on a rebuilt key) is held back, naming them, unless \
            --allow selectors name them too; they are then dropped first, never with CASCADE. Declared \
            foreign keys on a rebuilt key are dropped and added again around it. \
            What ignore: in schema.yaml lists is left alone and not shown. Nothing is changed in any \
            database. With TENANTPLAN_PLAN_KEY set, the plan file is signed.

            --reviewed: after another change was applied first (two pull requests in flight), plan again \
            and compare with the plan that was reviewed. Every change the fresh plan makes to a tenant must \
            have been in the reviewed plan for that tenant (same operation, object and SQL; fewer is fine), \
            and the fresh plan must allow nothing destructive the reviewed one did not. Then the fresh plan \
            is written (exit 0, or 2 with --detailed-exitcode when it has changes); otherwise what is new is \
            listed, nothing is written, and the exit code is 3.
            """)

    @OptionGroup var files: FileOptions

    @Option(name: .long, help: "Where to write the plan.", completion: .planFile)
    var out = "plan.json"

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("tenant"), help: "Plan only this tenant (repeatable).")
    var onlyTenants: [String] = []

    @Flag(name: .customLong("allow-destructive"), help: "Also plan changes that lose data or drop undeclared objects.")
    var allowDestructive = false

    @Option(name: .customLong("allow"), help: ArgumentHelp(
        "Also plan the destructive changes that match KIND:NAME (NAME a glob; repeatable), e.g. column:users.display_name. "
            + "Kinds: \(AllowSelector.Kind.allCases.map(\.rawValue).joined(separator: ", ")).",
        valueName: "selector"))
    var allow: [String] = []

    @Flag(name: .long, help: ArgumentHelp(
        "Plan every tenant's changes as one transaction, without the online forms "
            + "(CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE, ...): for small or idle databases and test fleets."))
    var transactional = false

    @Option(name: .customLong("online-threshold"), help: ArgumentHelp(
        "Give the online forms to tenants whose changes scan or rewrite a table of at least SIZE "
            + "(e.g. 64kB, 16MB, 1GB; 0: to every tenant); smaller tenants get one transaction.",
        valueName: "size"))
    var onlineThreshold = FormChoice.sizeText(FormChoice.defaultThresholdBytes)

    @Option(name: .long, help: ArgumentHelp(
        "The plan that was reviewed: exit 3, writing nothing, when the fresh plan holds a change it did not.",
        valueName: "reviewed.json"))
    var reviewed: String?

    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: PlanFormat = .text

    @Flag(name: .customLong("no-record"), help: ArgumentHelp(
        "Read every tenant in full and write nothing to the database: neither read nor write the records of "
            + "verified states in the _tenantplan.tenant_state table, nor the record stamps kept in "
            + "_tenantplan.catalog_sweep."))
    var noRecord = false

    @Flag(name: .long, help: "Say per database how many tenants were read in full and how many were taken from their record.")
    var verbose = false

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when there are changes, 0 when every tenant is in sync (3 from --reviewed wins).")
    var detailedExitcode = false

    /// A malformed selector is a usage error (exit 64).
    func validate() throws {
        _ = try selectors()
        _ = try threshold()
    }

    /// `--online-threshold` in bytes; a malformed size is a usage error (exit 64).
    func threshold() throws -> Int64 {
        guard let bytes = FormChoice.bytes(fromSize: onlineThreshold) else {
            throw ValidationError("--online-threshold '\(onlineThreshold)' is not a size\n"
                                  + "  hint: give bytes or a number with kB, MB, GB or TB, e.g. 64kB or 16MB; 0 for online everywhere")
        }
        return bytes
    }

    func selectors() throws -> [AllowSelector] {
        var selectors: [AllowSelector] = []
        for text in allow {
            do {
                selectors.append(try AllowSelector(parsing: text))
            } catch {
                throw ValidationError("\(error.message)\n  hint: \(error.hint)")
            }
        }
        return selectors
    }

    func run() throws {
        let key = try reportingErrors { try PlanKey.fromEnvironment() }
        var planner = Planner(connections: connection.resolver, progress: Output.progress(), note: Output.note)
        planner.records = !noRecord
        planner.recordKey = key
        planner.build = BuildInfo.recordBuild
        var frontend = PlanFrontend(
            schema: files.schema, tenants: files.tenants, out: out, onlyTenants: onlyTenants,
            allowDestructive: allowDestructive, allowed: try selectors(), toolVersion: Tenantplan.version,
            planner: planner, reviewed: reviewed, key: key)
        frontend.transactional = transactional
        frontend.onlineThreshold = try threshold()
        Interrupts.exitAtOnce(note: "no plan file was written",
                              noteAfterCritical: "the plan file was already written in full: \(out)")
        let outcome = try reportingErrors {
            let outcome = try frontend.run(protect: { try Interrupts.critical($0) })
            Output.endProgress()
            return outcome
        }
        switch outcome {
        case .needsReview(let fresh, let difference):
            let report = ReviewReport(difference: difference, fresh: fresh, reviewedFile: reviewed ?? "")
            switch format {
            case .text: print(report.text())
            case .markdown: print(report.markdown())
            case .json:
                try Output.printJSON(difference)
            }
            throw ExitCode.needsReview
        case .written(let plan):
            if verbose {
                for database in plan.databases {
                    let counts = database.readInFull.map { full in
                        "read in full: \(full), by record: \(database.readByRecord ?? 0)"
                    } ?? "read in full: all (no records)"
                    Output.error("database '\(database.name)': \(counts)")
                }
            }
            let report = PlanReport(plan: plan, color: Output.color)
            switch format {
            case .text:
                print(report.text())
                if let reviewed { print("Every change of this plan was in the reviewed plan \(reviewed.printable).") }
                print(frontend.closingLine(for: plan))
            case .markdown:
                print(report.markdown())
            case .json:
                print(String(decoding: try plan.encoded(), as: UTF8.self), terminator: "")
            }
            if detailedExitcode && plan.hasChanges { throw ExitCode.changesPlanned }
        }
    }
}
