import Catalog
import Foundation
import Plan
import Postgres
import State
import Synchronization
import Workers

public struct ApplyOptions: Sendable {
    /// Connections per database; nil chooses a default bounded by the server's free slots.
    public var parallel: Int?
    /// Longest wait for a lock, as PostgreSQL duration text (`200ms`, `5s`); nil:
    /// `defaultLockTimeout`, lowered below a server's `deadlock_timeout` when that is shorter.
    public var lockTimeout: String?
    public var statementTimeout: String?
    /// Extra attempts at most after a lock timeout, deadlock, serialization failure
    /// or lost connection; nil: as many as `lockBudget` allows.
    public var retries: Int?
    /// Seconds a tenant may lose to attempts that ended in such an error and to the
    /// waits before the next; no attempt starts after that. Also bounds the wait for
    /// the tenant's advisory lock (another applier of the same tenant).
    public var lockBudget: TimeInterval
    /// Tenants with heavy changes (`Change.isHeavy`) in flight at once, per database.
    public var heavyParallel: Int
    /// A tenant whose tables that the changes scan or rewrite (indexes and TOAST
    /// included) each hold fewer bytes than this runs its heavy changes as light ones, without waiting for a slot: a
    /// scan or rewrite of it takes milliseconds, and queueing a fleet of small
    /// tenants one at a time behind each other would only make the run longer.
    public var heavyMinimumBytes: Int64 = ApplyOptions.defaultHeavyMinimumBytes
    /// Rows per batch of a column backfill (`backfill_column`): each batch is
    /// one short transaction that holds the row locks of that many rows.
    public var backfillBatch: Int = ApplyOptions.defaultBackfillBatch
    /// Tenants to apply first; any failure among them stops the run.
    public var canary: Int
    /// Stop starting tenants once this many have failed.
    public var maxFailures: Int?

    public init(parallel: Int? = nil, lockTimeout: String? = nil, statementTimeout: String? = nil,
                retries: Int? = nil, lockBudget: TimeInterval = ApplyOptions.defaultLockBudget,
                heavyParallel: Int = ApplyOptions.defaultHeavyParallel, canary: Int = 0, maxFailures: Int? = nil) {
        self.parallel = parallel
        self.lockTimeout = lockTimeout
        self.statementTimeout = statementTimeout
        self.retries = retries
        self.lockBudget = lockBudget
        self.heavyParallel = heavyParallel
        self.canary = canary
        self.maxFailures = maxFailures
    }

    public static let defaultParallel = 4
    /// Without `--parallel`, a database's workers are at most one per this many
    /// of its tenants (and at least two): see `workers(parallelism:tenants:)`.
    public static let defaultTenantsPerWorker = 4

    /// How many workers apply `tenants` tenants of one database whose
    /// parallelism (`--parallel`, bounded by the server's free connections) is
    /// `parallelism`. With `--parallel` given, that many (never more than the
    /// tenants). By default, also no more than one per `defaultTenantsPerWorker`
    /// tenants, but two when there are two or more, so that a heavy tenant
    /// never holds the light ones back. A connection's first tenant costs the
    /// server about 45 ms of CPU to plan the state's reads, against a few
    /// milliseconds for each later one: 4 connections for the 8 tenants of
    /// bench/online.sh planned at once on a 2-core server, and the
    /// application's transactions waited for a core (its longest wait while a
    /// check was applied: 17 ms with 4 workers, 6 ms with 2; 11 ms by hand).
    public func workers(parallelism: Int, tenants: Int) -> Int {
        guard parallel == nil else { return max(1, min(parallelism, tenants)) }
        let spread = max(2, (tenants + Self.defaultTenantsPerWorker - 1) / Self.defaultTenantsPerWorker)
        return max(1, min(parallelism, tenants, spread))
    }
    /// Short enough that the application, queued behind a waiting `ALTER`, hardly notices.
    public static let defaultLockTimeout = "200ms"
    public static let defaultLockBudget: TimeInterval = 30
    public static let defaultHeavyParallel = 1
    /// The plan's notion of a small table (`FormChoice.defaultThresholdBytes`, 16 MiB).
    public static let defaultHeavyMinimumBytes: Int64 = FormChoice.defaultThresholdBytes
    public static let defaultBackfillBatch = 5_000
}

/// Executes a plan, tenant by tenant.
///
/// Each tenant is one transaction on one connection: take the tenant's advisory
/// lock, check its state (by stamp, else in full), go on only if it is still the state the plan was made
/// from, run the changes under `search_path` = the tenant, read the state again
/// and commit only if it is exactly the state the plan leads to. A tenant's
/// failure rolls back that tenant alone. Workers are plain threads, one
/// connection each, because libpq calls block.
///
/// While it runs, a `RunWatcher` reports progress every `progressInterval`
/// seconds (tenants in flight, lock waits and who blocks them, retries), and
/// `interruption` stops the run: once, no new tenant or attempt starts; twice,
/// the statements in flight are cancelled and their tenants rolled back.
public struct Applier: Sendable {
    public var connections: ConnectionResolver
    public var options: ApplyOptions
    public var progress: (@Sendable (ApplyProgress) -> Void)?
    /// Seconds between progress reports.
    public var progressInterval: TimeInterval
    public var interruption: ApplyInterruption
    /// When set, each tenant brought to its planned state is noted in the
    /// records table (`TenantRecords.appliedStatement`) with the plan that took it
    /// there, in the transaction that commits it: which plan last changed each
    /// tenant, and when. Nil: nothing is written beyond the tenants' changes.
    public var recording: Recording?

    /// What the note is written under.
    public struct Recording: Sendable {
        public var toolVersion: String

        public init(toolVersion: String) {
            self.toolVersion = toolVersion
        }
    }

    /// Advisory lock class for tenant locks (`pg_advisory_xact_lock(class, hashtext(tenant))`).
    public static let lockClass: Int32 = 0x7E9A_17

    public init(connections: ConnectionResolver, options: ApplyOptions = ApplyOptions(),
                progress: (@Sendable (ApplyProgress) -> Void)? = nil, progressInterval: TimeInterval = 5,
                interruption: ApplyInterruption = ApplyInterruption()) {
        self.connections = connections
        self.options = options
        self.progress = progress
        self.progressInterval = progressInterval
        self.interruption = interruption
    }

    struct Job: Sendable {
        var database: Int
        var tenant: String
        var changeSet: Int
    }

    public func apply(_ plan: PlanFile) throws -> ApplyReport {
        let databases = try preflight(plan)
        let warnings = databases.flatMap(\.warnings)
        var inSync: [TenantResult] = []
        var jobs: [Job] = []
        for (setIndex, set) in plan.changeSets.enumerated() {
            for (dbIndex, db) in plan.databases.enumerated() {
                for tenant in set.tenants[db.name] ?? [] {
                    if set.inSync {
                        inSync.append(TenantResult(database: db.name, tenant: tenant, outcome: .inSync, changeSet: set.id))
                    } else {
                        jobs.append(Job(database: dbIndex, tenant: tenant, changeSet: setIndex))
                    }
                }
            }
        }

        let canary = min(max(0, options.canary), jobs.count)
        var results: [TenantResult] = []
        var stopped: String?
        if canary > 0 {
            let first = run(Array(jobs[..<canary]), plan: plan, databases: databases, budget: nil, label: "canary")
            results += first.results
            let interrupted = interruption.isInterrupted
            if interrupted || first.results.contains(where: { !$0.outcome.isSuccess }) {
                if !interrupted {
                    stopped = "a canary tenant was not brought to the desired state; the other \(jobs.count - canary) tenants were not started"
                }
                results += jobs[canary...].map { notStarted($0, plan) }
                return report(results + inSync, stopped: stopped, warnings: warnings)
            }
        }
        let rest = run(Array(jobs[canary...]), plan: plan, databases: databases, budget: options.maxFailures)
        results += rest.results
        stopped = rest.stopped
        return report(results + inSync, stopped: stopped, warnings: warnings)
    }

    /// The report, saying whether the run was interrupted.
    func report(_ results: [TenantResult], stopped: String?, warnings: [String]) -> ApplyReport {
        let interrupted = interruption.isInterrupted
        let reason = stopped ?? (interrupted ? "interrupted: no further tenants were started" : nil)
        return ApplyReport(results: results, stoppedReason: reason, interrupted: interrupted, warnings: warnings)
    }

    func notStarted(_ job: Job, _ plan: PlanFile) -> TenantResult {
        TenantResult(database: plan.databases[job.database].name, tenant: job.tenant, outcome: .notStarted,
                     changeSet: plan.changeSets[job.changeSet].id)
    }

    /// What `preflight` found out about one database of the plan.
    struct DatabaseSettings: Sendable {
        /// Workers for its tenants.
        var parallelism: Int
        /// The `lock_timeout` its tenants' statements run under.
        var lockTimeout: String
        var warnings: [String] = []
        /// Its records of verified states, when kept (see `recording`).
        var records: TenantRecords?
    }

    /// Checks every database before touching any: reachable, and the very
    /// database the plan was made for. Returns each database's parallelism and
    /// lock timeout.
    func preflight(_ plan: PlanFile) throws -> [DatabaseSettings] {
        var settings: [DatabaseSettings] = []
        for db in plan.databases {
            let connection = try connections.connect(db.source, database: db.name)
            defer { connection.close() }
            let identity = try DatabaseCatalog.identity(of: connection, database: db.name)
            let sameSystem = db.systemIdentifier == nil || identity.systemIdentifier == nil
                || db.systemIdentifier == identity.systemIdentifier
            guard sameSystem && identity.databaseName == db.databaseName else {
                throw PlanRefused(
                    message: "the plan was made for database '\(db.name)' = \(db.databaseName) on system \(db.systemIdentifier ?? "?"), but the connection reaches \(identity.databaseName) on system \(identity.systemIdentifier ?? "?")",
                    hint: "apply the plan against the database it was made for, or plan again against this one")
            }
            let free = (try? connection.query("""
                SELECT current_setting('max_connections')::int
                     - current_setting('superuser_reserved_connections')::int
                     - (SELECT count(*) FROM pg_stat_activity)::int
                """).scalar).flatMap { $0.flatMap { Int($0) } } ?? ApplyOptions.defaultParallel
            let asked = options.parallel ?? ApplyOptions.defaultParallel
            // In milliseconds; the applier's sessions get the same value (same role, same database).
            let deadlock = (try? connection.query("SELECT setting FROM pg_settings WHERE name = 'deadlock_timeout'")
                .scalar).flatMap { $0.flatMap { Double($0) } }
            let (lockTimeout, warnings) = LockDiscipline.lockTimeout(
                asked: options.lockTimeout, deadlockTimeoutMilliseconds: deadlock, database: db.name)
            var records: TenantRecords?
            if recording != nil {
                // A note of the apply is never a record `plan` believes: no stamp, no context.
                let candidate = TenantRecords(systemIdentifier: identity.systemIdentifier,
                                              databaseName: identity.databaseName, context: "", key: nil)
                records = candidate.prepare(on: connection) ? candidate : nil
            }
            settings.append(DatabaseSettings(parallelism: max(1, min(asked, free - 1)), lockTimeout: lockTimeout,
                                             warnings: warnings, records: records))
        }
        return settings
    }

    /// Runs jobs on per-database pools of threads, watched by a `RunWatcher`.
    func run(_ jobs: [Job], plan: PlanFile, databases: [DatabaseSettings], budget: Int?,
             label: String? = nil) -> (results: [TenantResult], stopped: String?) {
        guard !jobs.isEmpty else { return ([], nil) }
        let pool = WorkerPool(jobs, stackSize: 4 << 20)
        let record = RunRecord(failureBudget: budget)
        let board = ActivityBoard()
        let reaction = interruption.attach(.init(stop: { pool.stop() }, cancel: { board.cancelStatements() }))
        defer { interruption.detach(reaction) }
        let watcher = RunWatcher(
            .init(sources: Dictionary(plan.databases.map { ($0.name, $0.source) }, uniquingKeysWith: { a, _ in a }),
                  connections: connections,
                  lockTimeout: databases.compactMap { PostgresDuration($0.lockTimeout)?.seconds }.filter { $0 > 0 }.min() ?? 0,
                  progress: progress, progressInterval: progressInterval, total: jobs.count, label: label),
            board: board, interruption: interruption)
        watcher.start()
        for (dbIndex, db) in plan.databases.enumerated() {
            let count = jobs.filter { $0.database == dbIndex }.count
            guard count > 0 else { continue }
            let worker = Worker(applier: self, plan: plan, source: db.source, name: db.name,
                                lockTimeout: databases[dbIndex].lockTimeout, board: board,
                                heavySlots: HeavySlots(max(1, options.heavyParallel)),
                                records: databases[dbIndex].records)
            pool.start(
                workers: options.workers(parallelism: databases[dbIndex].parallelism, tenants: count),
                taking: { $0.database == dbIndex },
                open: { Worker.Session(connection: nil, slot: board.register(database: db.name)) },
                close: { $0.connection?.close() }
            ) { job, session in
                if record.add(worker.apply(job, session: &session)) { pool.stop() }
            }
        }
        // A tenant's failure is its result, not an error: the workers throw nothing.
        try? pool.wait()
        watcher.finish()
        return (record.results + pool.remaining.map { notStarted($0, plan) }, record.stoppedReason)
    }
}

extension PlanFile.DatabaseEntry {
    /// How to connect, from what the plan recorded.
    public var source: ConnectionSource {
        if let url { return .url(url) }
        if let urlEnv { return .urlEnv(urlEnv) }
        return .default
    }
}

/// What the workers of one run report, behind a lock: each tenant's result, in
/// the order they finished, and why the run stopped starting tenants, if it did.
final class RunRecord: Sendable {
    private struct Tally {
        var results: [TenantResult] = []
        var failures = 0
        var stoppedReason: String?
    }

    private let state = Mutex(Tally())
    private let failureBudget: Int?

    init(failureBudget: Int?) {
        self.failureBudget = failureBudget
    }

    /// Adds a result; true once the failures reach the budget and no further tenant may start.
    func add(_ result: TenantResult) -> Bool {
        state.withLock { state in
            state.results.append(result)
            if result.outcome == .failed { state.failures += 1 }
            if let budget = failureBudget, state.failures >= budget, state.stoppedReason == nil {
                state.stoppedReason = "\(state.failures) tenant(s) failed, reaching --max-failures \(budget); no further tenants were started"
            }
            return state.stoppedReason != nil
        }
    }

    var results: [TenantResult] { state.withLock { $0.results } }
    var stoppedReason: String? { state.withLock { $0.stoppedReason } }
}
