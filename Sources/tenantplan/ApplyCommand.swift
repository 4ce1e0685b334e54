import Apply
import ArgumentParser
import Foundation
import Plan
import Postgres

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Execute a reviewed plan file, one transaction per tenant.",
        discussion: """
            For each tenant: take its advisory lock, check its state (by the stamp of its catalog rows that the \
            plan recorded, else by reading it in full), and go on only if it is still the state the plan was \
            made from (else it is reported stale and left untouched); run the changes \
            under search_path = the tenant; commit only if the result is exactly the planned state. A tenant's \
            failure does not stop the others. Refuses, changing nothing, a plan that was edited or that was \
            made for another database; with TENANTPLAN_PLAN_KEY set, also a plan whose signature is missing \
            or wrong, and without it, a signed plan (its signature cannot be checked).

            Progress goes to standard error at least every five seconds: tenants done, tenants waiting for a \
            lock (and the sessions that hold it), retries. On SIGINT or SIGTERM no new tenant starts, the \
            tenants in flight finish or roll back, the report is printed with a note, and the exit code is 130; \
            a second interrupt rolls back the tenants in flight at once.
            """)

    @Argument(help: "The plan file written by `tenantplan plan`.", completion: .planFile)
    var plan: String

    @Option(name: .long, help: "Connections per database (default 4, never more than the server has free).")
    var parallel: Int?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Longest wait for a lock, as PostgreSQL duration text.", valueName: "duration"))
    var lockTimeout = PostgresDuration("5s")!

    @Option(name: .customLong("statement-timeout"), help: ArgumentHelp("Longest run of one statement (default: none).", valueName: "duration"))
    var statementTimeout: PostgresDuration?

    @Option(name: .long, help: "Extra attempts per tenant after a lock timeout, deadlock, serialization failure or lost connection.")
    var retries = 3

    @Option(name: .long, help: "Apply this many tenants first; stop if any of them fails.")
    var canary = 0

    @Option(name: .customLong("max-failures"), help: "Stop starting tenants once this many have failed.")
    var maxFailures: Int?

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Output format: text or json.")
    var format: ApplyFormat = .text

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        if retries < 0 { throw ValidationError("--retries must be 0 or more") }
        if canary < 0 { throw ValidationError("--canary must be 0 or more") }
        if let maxFailures, maxFailures < 1 { throw ValidationError("--max-failures must be at least 1") }
    }

    func run() throws {
        let options = ApplyOptions(parallel: parallel, lockTimeout: lockTimeout.text, statementTimeout: statementTimeout?.text,
                                   retries: retries, canary: canary, maxFailures: maxFailures)
        let interruption = ApplyInterruption()
        Interrupts.stopGracefully(interruption)
        let progress = Output.applyProgress()
        let applier = Applier(connections: connection.resolver, options: options, progress: progress.report,
                              progressInterval: progress.interval, interruption: interruption)
        let report = try reportingErrors {
            let report = try applier.apply(PlanFile.read(path: plan, key: PlanKey.fromEnvironment()))
            Output.endProgress()
            return report
        }
        switch format {
        case .text:
            print(report.text(color: Output.color))
        case .json:
            try Output.printJSON(report)
        }
        if report.interrupted { throw ExitCode.interrupted }
        if !report.succeeded { throw ExitCode.failure }
    }
}
