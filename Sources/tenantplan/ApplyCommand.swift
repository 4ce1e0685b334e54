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
            under search_path = the tenant; commit only if the result is exactly the planned state. Online \
            changes run in the plan's recorded steps (some outside a transaction, such as CREATE INDEX \
            CONCURRENTLY), each verified against the state the plan recorded for it: a tenant stopped \
            between two steps is taken on from there by the next apply. A tenant's \
            failure does not stop the others. Refuses, changing nothing, a plan that was edited or that was \
            made for another database; with TENANTPLAN_PLAN_KEY set, also a plan whose signature is missing \
            or wrong, and without it, a signed plan (its signature cannot be checked).

            Locks: every statement runs under a short lock timeout (--lock-timeout, default 200ms, kept below \
            the server's deadlock_timeout), so that a statement waiting for a busy table never queues the \
            application behind it for long; a tenant whose attempt times out (or deadlocks, or loses its \
            connection) rolls back and is tried again after a short random pause (about a second at most), \
            until it has lost --lock-budget (default 30s) to such attempts, or made --retries retries if given. \
            A foreign key's referenced table is locked before the referencing one. Tenants with heavy changes \
            (rewrites, scans, index builds) run --heavy-parallel at a time per database (default 1), unless their \
            tables hold less than 16 MiB.

            Progress goes to standard error at least every five seconds: tenants done, tenants waiting for a \
            lock (and the sessions that hold it), retries. On SIGINT or SIGTERM no new tenant starts, the \
            tenants in flight finish or roll back, the report is printed with a note, and the exit code is 130; \
            a second interrupt rolls back the tenants in flight (their step in flight) at once.
            """)

    @Argument(help: "The plan file written by `tenantplan plan`.", completion: .planFile)
    var plan: String

    @Option(name: .long, help: "Connections per database (default 4, but no more than one per 4 of its tenants, and at least 2; never more than the server has free).")
    var parallel: Int?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Longest wait for any one lock, as PostgreSQL duration text (default 200ms, lowered below the server's deadlock_timeout).", valueName: "duration"))
    var lockTimeout: PostgresDuration?

    @Option(name: .customLong("lock-budget"), help: ArgumentHelp("Time a tenant may lose to lock timeouts and other retried errors (and the pauses between tries) before it fails.", valueName: "duration"))
    var lockBudget = PostgresDuration("30s")!

    @Option(name: .customLong("statement-timeout"), help: ArgumentHelp("Longest run of one statement (default: none).", valueName: "duration"))
    var statementTimeout: PostgresDuration?

    @Option(name: .long, help: "Extra attempts per tenant at most after a lock timeout, deadlock, serialization failure or lost connection (default: as many as --lock-budget allows).")
    var retries: Int?

    @Option(name: .customLong("heavy-parallel"), help: "Tenants with heavy changes (rewrites, scans, index builds) applied at once per database.")
    var heavyParallel = ApplyOptions.defaultHeavyParallel

    @Option(name: .customLong("backfill-batch"), help: ArgumentHelp("Rows per batch when a column added with a volatile default is filled online: each batch is its own short transaction over a range of blocks holding about that many rows, each row locked from its update to the batch's end.", valueName: "rows"))
    var backfillBatch = ApplyOptions.defaultBackfillBatch

    @Option(name: .long, help: "Apply this many tenants first; if any of them is not brought to the desired state (failed, stale, interrupted), start no other.")
    var canary = 0

    @Flag(name: .customLong("no-record"), help: ArgumentHelp(
        "Write nothing beyond the tenants' changes: no note, in the _tenantplan.tenant_state table, of which plan "
            + "last changed each tenant and when."))
    var noRecord = false

    @Option(name: .customLong("max-failures"), help: "Stop starting tenants once this many have failed.")
    var maxFailures: Int?

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Output format: text or json.")
    var format: ApplyFormat = .text

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        if let retries, retries < 0 { throw ValidationError("--retries must be 0 or more") }
        if lockBudget.seconds <= 0 { throw ValidationError("--lock-budget must be more than 0") }
        if heavyParallel < 1 { throw ValidationError("--heavy-parallel must be at least 1") }
        if backfillBatch < 1 { throw ValidationError("--backfill-batch must be at least 1") }
        if canary < 0 { throw ValidationError("--canary must be 0 or more") }
        if let maxFailures, maxFailures < 1 { throw ValidationError("--max-failures must be at least 1") }
    }

    func run() throws {
        var options = ApplyOptions(parallel: parallel, lockTimeout: lockTimeout?.text,
                                   statementTimeout: statementTimeout?.text, retries: retries,
                                   lockBudget: lockBudget.seconds, heavyParallel: heavyParallel, canary: canary,
                                   maxFailures: maxFailures)
        options.backfillBatch = backfillBatch
        let interruption = ApplyInterruption()
        Interrupts.stopGracefully(interruption)
        let progress = Output.applyProgress()
        var applier = Applier(connections: connection.resolver, options: options, progress: progress.report,
                              progressInterval: progress.interval, interruption: interruption)
        let report = try reportingErrors {
            let key = try PlanKey.fromEnvironment()
            if !noRecord { applier.recording = Applier.Recording(toolVersion: Tenantplan.version) }
            let report = try applier.apply(PlanFile.read(path: plan, key: key))
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
