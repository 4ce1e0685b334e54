import ArgumentParser
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
            Tenants in the same state share one change list. Nothing is changed in any database.
            """)

    @OptionGroup var files: FileOptions

    @Option(name: .long, help: "Where to write the plan.")
    var out = "plan.json"

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("tenant"), help: "Plan only this tenant (repeatable).")
    var onlyTenants: [String] = []

    @Flag(name: .customLong("allow-destructive"), help: "Also plan changes that lose data or drop undeclared objects.")
    var allowDestructive = false

    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: PlanFormat = .text

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when there are changes, 0 when every tenant is in sync.")
    var detailedExitcode = false

    func run() throws {
        let frontend = PlanFrontend(
            schema: files.schema, tenants: files.tenants, out: out, onlyTenants: onlyTenants,
            allowDestructive: allowDestructive, toolVersion: Tenantplan.version,
            planner: Planner(connections: connection.resolver, progress: Output.progress()))
        Interrupts.exitAtOnce(note: "no plan file was written",
                              noteAfterCritical: "the plan file was already written in full: \(out)")
        let plan = try reportingErrors {
            let plan = try frontend.plan()
            Output.endProgress()
            try Interrupts.critical { try frontend.write(plan) }
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
        if detailedExitcode && plan.hasChanges { throw ExitCode.changesPlanned }
    }
}
