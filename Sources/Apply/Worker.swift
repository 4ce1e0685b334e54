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
    let database: Int
    let source: ConnectionSource
    let name: String

    func run(_ queue: JobQueue) {
        var connection: Connection?
        defer { connection?.close() }
        while let job = queue.next(database: database) {
            queue.record(apply(job, connection: &connection))
        }
    }

    func apply(_ job: Applier.Job, connection: inout Connection?) -> TenantResult {
        let set = plan.changeSets[job.changeSet]
        let start = Date()
        var attempts = 0
        func result(_ outcome: Outcome, _ failure: TenantResult.Failure? = nil) -> TenantResult {
            TenantResult(database: name, tenant: job.tenant, outcome: outcome, changeSet: set.id,
                         attempts: attempts, seconds: Date().timeIntervalSince(start), failure: failure)
        }
        while true {
            attempts += 1
            do {
                if connection == nil || connection?.isOpen == false {
                    connection?.close()
                    connection = try applier.connections.connect(source, database: name)
                }
                return result(try attempt(job.tenant, set, on: connection!))
            } catch let error as PostgresError {
                if let c = connection, c.isOpen, c.inTransaction { try? c.execute("ROLLBACK") }
                let retry = error.isTransient || error.isConnectionLoss
                if retry && attempts <= applier.options.retries {
                    if error.isConnectionLoss { connection?.close(); connection = nil }
                    Thread.sleep(forTimeInterval: backoff(attempts))
                    continue
                }
                return result(.failed, TenantResult.Failure(
                    sqlState: error.sqlState, message: error.message, detail: error.detail,
                    statement: error.statement))
            } catch let error as VerificationFailure {
                if let c = connection, c.isOpen, c.inTransaction { try? c.execute("ROLLBACK") }
                return result(.failed, TenantResult.Failure(sqlState: "", message: error.description))
            } catch {
                if let c = connection, c.isOpen, c.inTransaction { try? c.execute("ROLLBACK") }
                return result(.failed, TenantResult.Failure(sqlState: "", message: "\(error)"))
            }
        }
    }

    /// Exponential backoff with jitter: about 0.2 s, 0.4 s, 0.8 s ... at most 5 s.
    func backoff(_ attempt: Int) -> TimeInterval {
        let base = min(5.0, 0.2 * pow(2.0, Double(attempt - 1)))
        return base * Double.random(in: 0.5...1.0)
    }

    /// One try at one tenant, in one transaction.
    func attempt(_ tenant: String, _ set: PlanFile.ChangeSet, on connection: Connection) throws -> Outcome {
        let stamp = set.stamps?[name]?[tenant]
        var (fingerprint, stamped) = try begin(tenant, stamp: stamp, from: set.from, on: connection)
        if fingerprint == set.to {
            try connection.execute("ROLLBACK")
            return .alreadyApplied
        }
        let prelude = set.changes.filter { !$0.transactional }
        if let preludeTo = set.preludeTo, !prelude.isEmpty, fingerprint == set.from {
            // Enum labels first, committed on their own: PostgreSQL refuses to use
            // a label in the transaction that adds it. A run that stops between
            // the two steps leaves only labels added, and a re-run goes on from there.
            if let outcome = try changing(tenant, from: set.from, to: set.to, stamped: stamped, on: connection, {
                try run(prelude, tenant: tenant, on: connection)
                try verify(tenant, expected: preludeTo, on: connection)
            }) {
                return outcome
            }
            try connection.execute("COMMIT")
            (fingerprint, stamped) = try begin(tenant, stamp: nil, from: set.from, on: connection)
        }
        let start = prelude.isEmpty ? set.from : (set.preludeTo ?? set.from)
        guard fingerprint == start else {
            try connection.execute("ROLLBACK")
            return .stale
        }
        if let outcome = try changing(tenant, from: start, to: set.to, stamped: stamped, on: connection, {
            try run(set.changes.filter(\.transactional), tenant: tenant, on: connection)
            try verify(tenant, expected: set.to, on: connection)
        }) {
            return outcome
        }
        try connection.execute("COMMIT")
        return .applied
    }

    /// Opens the tenant's transaction, takes its lock, and returns its
    /// fingerprint, and whether it was vouched for by the plan's stamp.
    ///
    /// Round trips are what a tenant costs beyond its DDL: each phase is one
    /// pipeline. When the tenant's catalog rows still have the versions the plan
    /// read (its stamp, checked in the same round trip as the lock), the tenant is
    /// in the plan's `from` state and need not be deparsed again; otherwise its
    /// whole state is read.
    func begin(_ tenant: String, stamp: String?, from: String, on connection: Connection) throws
        -> (fingerprint: String, stamped: Bool)
    {
        let options = applier.options
        var statements = [
            PipelineStatement("BEGIN"),
            // Set first: the wait for the tenant's lock is bounded too (a stuck
            // applier of the same tenant gives 55P03, retried like any lock timeout).
            PipelineStatement("SELECT set_config('lock_timeout', $1, true)", [options.lockTimeout]),
            PipelineStatement("SELECT set_config('statement_timeout', $1, true)", [options.statementTimeout ?? "0"]),
            // Serialises appliers of the same tenant (another process, another run).
            PipelineStatement("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))",
                              [String(Applier.lockClass), tenant], prepared: "tenantplan_tenant_lock"),
        ]
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
        if let stamp, let stampIndex, results[stampIndex].scalar == stamp {
            return (from, true)
        }
        return (try fingerprint(of: tenant, on: connection), false)
    }

    func fingerprint(of tenant: String, on connection: Connection) throws -> String {
        try Reflector().reflect(schema: tenant, on: connection)?.fingerprint ?? SchemaState.absentFingerprint
    }

    /// Runs `body`, the changes of a tenant in state `from`. When that state was
    /// vouched for by the stamp alone, a failure may mean that the state changed
    /// in a way the stamp does not see (see `Stamp`): the transaction is rolled
    /// back and the state read in full. The tenant is then reported `already
    /// applied` if it is in state `to` (another applier finished it in the
    /// meantime), `stale` if it is no longer in `from`. Returns nil when `body`
    /// succeeded.
    func changing(_ tenant: String, from: String, to: String, stamped: Bool, on connection: Connection,
                  _ body: () throws -> Void) throws -> Outcome? {
        // Outside the tenant's transaction, so without its lock: a tenant that
        // another applier finished in between comes out `already applied`.
        func recheck(_ error: Error) throws -> Outcome {
            let found = try fingerprint(of: tenant, on: connection)
            if found == to { return .alreadyApplied }
            if found != from { return .stale }
            throw error
        }
        do {
            try body()
            return nil
        } catch let error as PostgresError where stamped && !error.isTransient && !error.isConnectionLoss {
            if connection.inTransaction { try connection.execute("ROLLBACK") }
            return try recheck(error)
        } catch let error as VerificationFailure where stamped {
            return try recheck(error)
        }
    }

    /// Runs changes in one pipeline, under `search_path` = the tenant alone.
    func run(_ changes: [Change], tenant: String, on connection: Connection) throws {
        var statements = [PipelineStatement("SELECT set_config('search_path', $1, true)", [quoteIdentifier(tenant)])]
        for change in changes {
            statements.append(PipelineStatement(
                change.op == "create_schema" ? "CREATE SCHEMA \(quoteIdentifier(tenant))" : change.sql))
        }
        _ = try connection.pipeline(statements)
    }

    /// Rolls back and throws unless the tenant's state now has `expected` as fingerprint.
    func verify(_ tenant: String, expected: String, on connection: Connection) throws {
        let found = try fingerprint(of: tenant, on: connection)
        guard found == expected else {
            try connection.execute("ROLLBACK")
            throw VerificationFailure(expected: expected, found: found)
        }
    }
}
