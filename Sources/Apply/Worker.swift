import Catalog
import Foundation
import Plan
import Postgres
import SQLSyntax
import State

/// One applying thread: one connection, tenants one after another.
struct Worker: Sendable {
    let applier: Applier
    let plan: PlanFile
    let source: ConnectionSource
    let name: String
    /// The `lock_timeout` of this database's tenants (see `LockDiscipline`).
    let lockTimeout: String
    /// Where the worker shows what it does (progress, lock waits, a second interrupt's cancel).
    let board: ActivityBoard
    /// This database's slots for tenants with heavy changes.
    let heavySlots: HeavySlots
    /// This database's records table, when `apply` notes in it which plan
    /// changed each tenant (`Applier.recording`, and a table the role may trust).
    var records: TenantRecords? = nil

    /// A worker's own: its connection, kept from tenant to tenant, and its slot on the board.
    struct Session {
        var connection: Connection?
        let slot: Int
        /// Whether the connection has run the state's read (`read(_:on:)`): its statements are prepared.
        var prepared = false
    }

    /// Applies one tenant: performs what its `TenantApplyMachine` decides, until it is done.
    func apply(_ job: Applier.Job, session: inout Session) -> TenantResult {
        let set = plan.changeSets[job.changeSet]
        let tenant = job.tenant
        let start = Date()
        let options = applier.options
        let slot = session.slot
        var machine = TenantApplyMachine(changeSet: set, stamp: set.stamps?[name]?[tenant],
                                         retries: options.retries, budget: options.lockBudget)
        var heavy = set.changes.contains(where: \.isHeavy)
        /// Whether the tenant's size was read: small tenants run heavy changes as light.
        var sized = false
        var holdsSlot = false
        defer { if holdsSlot { heavySlots.give() } }
        /// Seconds lost to failed attempts and the waits between them, and when the current attempt started.
        var lost: TimeInterval = 0
        var attemptStarted = Date()
        var noted = ApplyInterruption.Level.none
        /// Tells the machine when the run was interrupted (again) since it last heard.
        func noteInterruption() {
            let level = applier.interruption.level
            if level > noted {
                noted = level
                machine.interrupt(cancelling: level == .cancelling)
            }
        }
        var lockTimeouts = 0
        var lastWait: LockWait?
        func result(_ outcome: Outcome, _ failure: TenantResult.Failure? = nil) -> TenantResult {
            var failure = failure
            if failure?.sqlState == SQLState.lockNotAvailable.rawValue {
                failure?.lock = LockContention(relation: lastWait?.relation, lockTimeout: lockTimeout,
                                               timeouts: lockTimeouts, holders: lastWait?.holders ?? [],
                                               budget: LockDiscipline.durationText(seconds: options.lockBudget),
                                               secondsLost: lost, retries: options.retries)
            }
            board.end(slot, outcome)
            return TenantResult(database: name, tenant: tenant, outcome: outcome, changeSet: set.id,
                                attempts: machine.attempts, seconds: Date().timeIntervalSince(start), failure: failure,
                                lockTimeouts: lockTimeouts)
        }
        let attempts = options.retries.map { $0 + 1 } ?? 0
        board.begin(slot, tenant: tenant, attempts: attempts)
        var action = machine.start()
        while true {
            noteInterruption()
            action = machine.willPerform(action)
            board.step(slot, Self.step(action), attempt: machine.attempts)
            do {
                switch action {
                case .connect:
                    attemptStarted = Date()
                    if session.connection == nil || session.connection?.isOpen == false {
                        session.connection?.close()
                        let connection = try applier.connections.connect(source, database: name)
                        session.connection = connection
                        session.prepared = false
                        board.connected(slot, pid: connection.backendPID, cancel: connection.cancelHandle())
                    }
                    if heavy && !sized {
                        let largest = try Self.largestScannedTable(of: tenant, changes: set.changes, on: session.connection!)
                        if let outgrown = Self.outgrown(set, tenant: tenant, threshold: plan.onlineThreshold,
                                                        largest: largest) {
                            return result(.failed, outgrown)
                        }
                        heavy = largest.bytes >= options.heavyMinimumBytes
                        sized = true
                    }
                    if heavy && !holdsSlot {
                        board.step(slot, .queued, attempt: machine.attempts)
                        holdsSlot = heavySlots.take { applier.interruption.level > .none }
                        // Interrupted while queued: nothing of the tenant was tried.
                        if !holdsSlot { return result(machine.attempts > 1 ? .interrupted : .notStarted, machine.lastFailure) }
                        board.step(slot, .connecting, attempt: machine.attempts)
                        attemptStarted = Date()
                    }
                    action = machine.connected()
                case .begin(let stamp):
                    // On a connection that has not read a tenant yet, the stamp is not compared, and
                    // the machine reads the state in full. That read prepares the connection's
                    // statements before any change takes a lock, so that the read verifying a stage
                    // under its locks runs planned already (55 of the 75 ms an ADD COLUMN's
                    // transaction held ACCESS EXCLUSIVE on big.items in bench/online.sh before; 6 ms
                    // after). The stamp's own statement would be planned for nothing (15-18 of a
                    // fresh connection's 60 ms of the server's planning, bench/online.sh
                    // --log-tool-statements). From its second tenant on, a matching stamp spares a
                    // full read. `.run` is reached only after a read, a matching stamp, or a stage that
                    // committed unread on this connection (`Stage.commitsFirst`), which came after one of those.
                    let stamp = session.prepared ? stamp : nil
                    action = machine.begun(stampMatched: try begin(tenant, stamp: stamp, on: session.connection!))
                case .readState:
                    let read = try read(tenant, on: session.connection!)
                    session.prepared = true
                    action = machine.stateRead(fingerprint: read.fingerprint, invalid: read.invalid)
                case .run(let changes):
                    if set.form == .online {
                        // Big tables, whose vacuums take seconds; small ones keep the fast path.
                        let left = options.lockBudget - lost - Date().timeIntervalSince(attemptStarted)
                        try waitForMaintenance(on: changes, tenant: tenant, on: session.connection!, for: left)
                    }
                    try run(changes, tenant: tenant, on: session.connection!)
                    action = machine.changesRan()
                case .runOutside(let changes):
                    let found = try outsideTransaction(tenant, on: session.connection!) { connection in
                        for change in changes {
                            if let backfill = change.backfill {
                                try Backfill.run(backfill, batch: options.backfillBatch, on: connection)
                            } else {
                                try connection.execute(change.statement(tenant: tenant))
                            }
                        }
                        return try fingerprint(of: tenant, on: connection)
                    }
                    action = machine.ranOutside(fingerprint: found)
                case .dropInvalidIndexes(let names):
                    try outsideTransaction(tenant, on: session.connection!) { connection in
                        for name in names { try connection.execute("DROP INDEX CONCURRENTLY IF EXISTS \(quoteIdentifier(name))") }
                    }
                    action = machine.invalidIndexesDropped()
                case .commit:
                    // The last stage, verified at the plan's end state: the audit row
                    // commits with the state it names.
                    if let records, machine.committingLastStage {
                        try commitNotingApplied(tenant, fingerprint: set.to, in: records, on: session.connection!)
                    } else {
                        try session.connection!.execute("COMMIT")
                    }
                    action = machine.committed()
                case .rollback:
                    try session.connection!.execute("ROLLBACK")
                    action = machine.rolledBack()
                case .rollbackIfInTransaction:
                    if session.connection!.inTransaction { try session.connection!.execute("ROLLBACK") }
                    action = machine.rolledBack()
                case .retry(let reconnect):
                    abandonTransaction(on: session.connection)
                    if reconnect { session.connection?.close(); session.connection = nil }
                    // Another heavy tenant may go while this one waits.
                    if holdsSlot { heavySlots.give(); holdsSlot = false }
                    let lockTimedOut = machine.lastFailure?.sqlState == SQLState.lockNotAvailable.rawValue
                    let failed = Date()
                    lost += failed.timeIntervalSince(attemptStarted)
                    board.retried(ApplyProgress.Retry(
                        tenant: tenant, database: name, attempt: machine.attempts, attempts: attempts,
                        failure: machine.lastFailure, holders: lockTimedOut ? lastWait?.holders ?? [] : [],
                        budgetLeft: max(0, options.lockBudget - lost)))
                    applier.interruption.sleep(Backoff.delay(beforeAttempt: machine.attempts), unlessAbove: noted)
                    lost += Date().timeIntervalSince(failed)
                    noteInterruption()
                    action = machine.start()
                case .finish(let outcome):
                    return result(outcome)
                case .fail(let failure):
                    abandonTransaction(on: session.connection)
                    return result(.failed, failure)
                case .interrupted(let failure):
                    abandonTransaction(on: session.connection)
                    return result(.interrupted, failure)
                }
            } catch {
                let error = TenantApplyMachine.ActionError(error)
                if case .server(let failure, _, _) = error, failure.sqlState == SQLState.lockNotAvailable.rawValue {
                    lockTimeouts += 1
                    lastWait = board.seenWait(slot) ?? lastWait
                }
                // Before the machine decides: a cancelled statement is the interrupt's doing.
                noteInterruption()
                action = machine.errorCaught(error, lost: lost + Date().timeIntervalSince(attemptStarted))
            }
        }
    }

    /// The board's name for what performing `action` does.
    static func step(_ action: TenantApplyMachine.Action) -> ActivityBoard.Step {
        switch action {
        case .connect: .connecting
        case .begin: .beginning
        case .readState: .reading
        case .run, .runOutside, .dropInvalidIndexes: .running
        case .commit: .committing
        case .rollback, .rollbackIfInTransaction, .fail, .interrupted: .rollingBack
        case .retry: .backingOff
        case .finish: .idle
        }
    }

    /// Rolls back whatever transaction is open, ignoring errors: the tenant is
    /// given up or tried again from the start either way.
    func abandonTransaction(on connection: Connection?) {
        if let c = connection, c.isOpen, c.inTransaction { try? c.execute("ROLLBACK") }
    }


    /// Opens the tenant's transaction, takes its lock, and returns whether the
    /// tenant's catalog rows still have `stamp`.
    ///
    /// Round trips are what a tenant costs beyond its DDL: each phase is one
    /// pipeline. When the tenant's catalog rows still have the versions the plan
    /// read (its stamp, checked in the same round trip as the lock), the tenant is
    /// in the plan's `from` state and need not be deparsed again; otherwise its
    /// whole state is read (`TenantApplyMachine` decides).
    ///
    /// The tenant's lock is only ever held by another applier (or provisioner)
    /// of the same tenant, never by the application, so waiting for it blocks no
    /// one: it is tried, not waited for, and tried again every few hundred
    /// milliseconds, with the transaction ended in between, up to `--lock-budget`.
    /// A waiting statement would hold a snapshot, and another applier's `CREATE
    /// INDEX CONCURRENTLY` in this tenant waits for every such snapshot to go
    /// while it holds the lock. These tries are not attempts: they count against
    /// neither `--retries` nor the time lost to lock timeouts. Once the budget is
    /// spent, one last wait of `lock_timeout` ends in the server's own lock
    /// timeout, which names the session holding the lock.
    func begin(_ tenant: String, stamp: String?, on connection: Connection) throws -> Bool {
        let options = applier.options
        let waitingSince = Date()
        while true {
            let patient = Date().timeIntervalSince(waitingSince) < options.lockBudget
                && applier.interruption.level == .none
            var statements = [
                PipelineStatement("BEGIN"),
                PipelineStatement("SELECT set_config('lock_timeout', $1, true)", [lockTimeout]),
                PipelineStatement("SELECT set_config('statement_timeout', $1, true)", [options.statementTimeout ?? "0"]),
                // Serialises appliers of the same tenant (another process, another run).
                patient
                    ? PipelineStatement("SELECT pg_try_advisory_xact_lock($1::int4, hashtext($2))",
                                        [String(Applier.lockClass), tenant], prepared: "tenantplan_tenant_try_lock")
                    : PipelineStatement("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))",
                                        [String(Applier.lockClass), tenant], prepared: "tenantplan_tenant_lock"),
            ]
            let lockIndex = statements.count - 1
            var stampIndex: Int?
            if stamp != nil {
                // One plan for every tenant: a custom plan costs more to make than to
                // run, and a cached plan is made again whenever search_path differs.
                statements.append(PipelineStatement(
                    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('search_path', '', true)"))
                stampIndex = statements.count
                statements.append(Stamp.statement(schema: tenant))
                statements.append(PipelineStatement("RESET plan_cache_mode"))   // not for the tenant's DDL
            }
            let results = try connection.pipeline(statements)
            if patient && results[lockIndex].scalar != "t" {
                try connection.execute("ROLLBACK")
                Thread.sleep(forTimeInterval: Double.random(in: 0.1...0.3))
                continue
            }
            if let stamp, let stampIndex, results[stampIndex].scalar == stamp { return true }
            return false
        }
    }

    /// The fingerprint of the tenant's state as the plan saw it: without what
    /// the plan's `ignore:` rules leave alone.
    func fingerprint(of tenant: String, on connection: Connection) throws -> String {
        try read(tenant, on: connection).fingerprint
    }

    /// The fingerprint (as `fingerprint(of:on:)`), and the INVALID indexes the
    /// state holds with the fingerprint of the state without them.
    func read(_ tenant: String, on connection: Connection) throws
        -> (fingerprint: String, invalid: TenantApplyMachine.InvalidIndexes?) {
        guard let state = try Reflector().reflect(schema: tenant, on: connection)?
            .ignoring(plan.ignore ?? IgnoreRules()) else { return (SchemaState.absentFingerprint, nil) }
        let names = state.tables.flatMap(\.indexes).filter(\.invalid).map(\.name)
        guard !names.isEmpty else { return (state.fingerprint, nil) }
        var without = state
        for i in without.tables.indices { without.tables[i].indexes.removeAll(where: \.invalid) }
        return (state.fingerprint, .init(names: names.sorted(), fingerprintWithout: without.fingerprint))
    }

    /// Notes in the records table that the plan brought the tenant to the
    /// state `fingerprint`, in the transaction that commits it (see
    /// `TenantRecords.appliedStatement`), and commits: one round trip, while the
    /// tenant holds its changes' locks (five, one per statement, before). A
    /// failure of the note (its row held by another writer past `lock_timeout`,
    /// a role that may not write) leaves the tenant without the note, never
    /// fails it: the savepoint takes the error back, and the changes commit in
    /// a second round trip. A failed `COMMIT` is thrown, as ever.
    ///
    /// The note waits for its row no longer than the tenant's statements wait
    /// for a lock, and never without limit: under `--lock-timeout 0` it waits
    /// `noteLockTimeout`. The tenant holds its changes' locks meanwhile, so the
    /// application would queue behind an audit row as long as it waited.
    func commitNotingApplied(_ tenant: String, fingerprint: String, in records: TenantRecords,
                             on connection: Connection) throws {
        var statements = [PipelineStatement("SAVEPOINT tenantplan_record")]
        if let bounded = Self.noteLockTimeout(tenantLockTimeout: lockTimeout) {
            // Local to the transaction, which commits next (a rollback to the savepoint undoes it).
            statements.append(PipelineStatement("SELECT set_config('lock_timeout', $1, true)", [bounded]))
        }
        statements.append(records.appliedStatement(schema: tenant, fingerprint: fingerprint, plan: plan.digest ?? "",
                                                   toolVersion: applier.recording?.toolVersion ?? ""))
        statements += [PipelineStatement("RELEASE SAVEPOINT tenantplan_record"), PipelineStatement("COMMIT")]
        do {
            _ = try connection.pipeline(statements)
        } catch {
            // The transaction is still open (aborted) only when the note failed:
            // a failed COMMIT, or a lost connection, ends it.
            guard connection.isOpen, connection.inTransaction else { throw error }
            _ = try connection.pipeline([PipelineStatement("ROLLBACK TO SAVEPOINT tenantplan_record"),
                                         PipelineStatement("COMMIT")])
        }
    }

    /// The `lock_timeout` the note is written under when the tenant's own,
    /// `tenantLockTimeout`, sets none (`0`): `ApplyOptions.defaultLockTimeout`;
    /// nil when the tenant's applies.
    static func noteLockTimeout(tenantLockTimeout: String) -> String? {
        (PostgresDuration(tenantLockTimeout)?.seconds ?? 0) > 0 ? nil : ApplyOptions.defaultLockTimeout
    }

    /// Runs `body` outside a transaction, under the tenant's lock taken for the
    /// session: statements that cannot run in a transaction block (`CREATE
    /// INDEX CONCURRENTLY`). Called inside the tenant's transaction, which holds
    /// the lock already: the session lock is taken at once, then the
    /// transaction ends. The session's `search_path`, `lock_timeout` and
    /// `statement_timeout` are set for `body` and reset after it, and the lock is let go.
    @discardableResult
    func outsideTransaction<T>(_ tenant: String, on connection: Connection,
                               _ body: (Connection) throws -> T) throws -> T {
        let options = applier.options
        _ = try connection.pipeline([
            PipelineStatement("SELECT pg_advisory_lock($1::int4, hashtext($2))", [String(Applier.lockClass), tenant]),
            PipelineStatement("COMMIT"),
        ])
        defer {
            if connection.isOpen {
                if connection.inTransaction { try? connection.execute("ROLLBACK") }
                _ = try? connection.pipeline([
                    PipelineStatement("RESET search_path"), PipelineStatement("RESET lock_timeout"),
                    PipelineStatement("RESET statement_timeout"),
                    PipelineStatement("SELECT pg_advisory_unlock($1::int4, hashtext($2))", [String(Applier.lockClass), tenant]),
                ])
            }
        }
        _ = try connection.pipeline([
            PipelineStatement("SELECT set_config('search_path', $1, false)", [quoteIdentifier(tenant)]),
            PipelineStatement("SELECT set_config('lock_timeout', $1, false)", [options.lockTimeout]),
            PipelineStatement("SELECT set_config('statement_timeout', $1, false)", [options.statementTimeout ?? "0"]),
        ])
        return try body(connection)
    }

    /// Waits, for at most `seconds` and without queueing, while another session
    /// holds SHARE UPDATE EXCLUSIVE or a stronger lock on a table that `changes`
    /// lock in a mode that conflicts with it: an autovacuum (which a backfill's
    /// dead rows set off on the very table it filled), a `VACUUM`, an `ANALYZE`,
    /// an index build, another session's DDL.
    ///
    /// Such a holder keeps its lock for seconds or more. A lock request that
    /// waited behind it would queue the application behind the request for the
    /// whole `lock_timeout`, attempt after attempt; and PostgreSQL cancels an
    /// autovacuum that blocks a request only once the request has waited
    /// `deadlock_timeout`, which the applier's shorter `lock_timeout` never
    /// reaches. The application's own statements take weaker locks, which come
    /// and go, and are not waited for here. When the time is up, the changes run
    /// and meet the lock timeout as before.
    func waitForMaintenance(on changes: [Change], tenant: String, on connection: Connection,
                            for seconds: TimeInterval) throws {
        var wanted: [String: LockLevel] = [:]
        for lock in changes.flatMap(\.locks) where lock.mode >= .shareUpdateExclusive {
            wanted[lock.relation] = max(wanted[lock.relation] ?? lock.mode, lock.mode)
        }
        guard !wanted.isEmpty else { return }
        let sql = """
            SELECT CASE WHEN n.nspname = $1 THEN c.relname ELSE n.nspname || '.' || c.relname END, l.mode
            FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
              AND (n.nspname = $1 AND c.relname = ANY ($2::text[]) OR n.nspname || '.' || c.relname = ANY ($2::text[]))
            """
        let parameters = [tenant, arrayLiteral(wanted.keys.sorted())]
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && applier.interruption.level == .none {
            let held = try connection.query(sql, parameters).rows
            let blocked = held.contains { row in
                guard let relation = row[0], let mode = LockLevel.allCases.first(where: { $0.pgLocksMode == row[1] }),
                      let want = wanted[relation] else { return false }
                return want.conflicts(with: mode)
            }
            if !blocked { return }
            Thread.sleep(forTimeInterval: Self.maintenancePoll)
        }
    }

    /// How often `waitForMaintenance` looks again, in seconds.
    static let maintenancePoll = 0.05

    /// Runs changes in one pipeline, under `search_path` = the tenant alone, with
    /// the tables of foreign keys locked in a safe order (`LockDiscipline`).
    func run(_ changes: [Change], tenant: String, on connection: Connection) throws {
        _ = try connection.pipeline(LockDiscipline.statements(for: changes, tenant: tenant))
    }

    /// A tenant planned in one transaction because the tables its changes scan
    /// were small, one of which has since grown to `outgrownFactor` times the
    /// threshold: the single transaction would now hold a strong lock through a
    /// long scan, so the tenant is not touched and fails with what to do.
    /// The plan reads sizes from the statistics (`relpages`), so the message
    /// says to analyze the table when autovacuum has not yet.
    static func outgrown(_ set: PlanFile.ChangeSet, tenant: String, threshold: Int64?,
                         largest: (table: String, bytes: Int64)) -> TenantResult.Failure? {
        guard set.form == .transactional, let threshold, threshold > 0,
              largest.bytes >= threshold.multipliedReportingOverflow(by: outgrownFactor).partialValue else { return nil }
        let table = largest.table.printable
        let qualified = quoteIdentifier(tenant) + "." + quoteIdentifier(largest.table)
        return TenantResult.Failure(
            sqlState: "", message: "planned in one transaction because every table its changes scan was below "
                + "\(FormChoice.sizeText(threshold)), but \(table) is now \(FormChoice.sizeText(largest.bytes)); "
                + "nothing was run: plan again to give it the online form (the plan reads table sizes from the "
                + "statistics: ANALYZE \(qualified.printable) first if autovacuum has not analyzed it since it grew)")
    }

    /// How many times the threshold a table of a tenant planned in one
    /// transaction may reach by `apply` before the tenant is refused.
    static let outgrownFactor: Int64 = 4

    /// The largest table `changes` scan or rewrite in the tenant and its bytes,
    /// with its indexes and TOAST: the measure the plan chose the form by
    /// (`FormChoice`), taken now the way the plan takes it (`RelationSize`).
    /// Changes of a plan that records no locks: the sum of all its tables.
    static func largestScannedTable(of tenant: String, changes: [Change],
                                    on connection: Connection) throws -> (table: String, bytes: Int64) {
        let tables = FormChoice.scannedTables(changes)
        if tables.isEmpty { return ("", try tableBytes(of: tenant, on: connection)) }
        let sql = """
            SELECT c.relname, \(RelationSize.bytesSQL("c"))::text
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN \(RelationSize.kinds) AND c.relname = ANY($2::text[])
            ORDER BY 2 DESC LIMIT 1
            """
        guard let row = try sizing(sql, [tenant, arrayLiteral(tables.sorted())], prepared: "tenantplan_largest_scanned",
                                   on: connection).rows.first,
              let name = row[0], let bytes = row[1].flatMap({ Int64($0) }) else { return ("", 0) }
        return (name, bytes)
    }

    /// Runs a sizing query (one per tenant), prepared once per connection with
    /// one generic plan: the server plans it once per connection instead of
    /// once per tenant (`log_planner_stats` during `bench/online-cost.py
    /// --statements`: 2 plannings for the 8 tenants, 8 before). The setting
    /// lasts the pipeline's implicit transaction.
    static func sizing(_ sql: String, _ parameters: [String?], prepared name: String,
                       on connection: Connection) throws -> QueryResult {
        try connection.pipeline([
            PipelineStatement("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"),
            PipelineStatement(sql, parameters, prepared: name),
        ])[1]
    }

    /// The bytes the tenant's tables hold, with their indexes and TOAST; 0 for
    /// a tenant that does not exist yet.
    static func tableBytes(of tenant: String, on connection: Connection) throws -> Int64 {
        let sql = """
            SELECT coalesce(sum(\(RelationSize.bytesSQL("c"))), 0)::int8::text
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN \(RelationSize.leafKinds)
            """
        return Int64(try sizing(sql, [tenant], prepared: "tenantplan_tenant_bytes", on: connection).scalar ?? "0") ?? 0
    }
}
