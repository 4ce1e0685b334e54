import Catalog
import Foundation
import Plan
import Postgres
import SQLSyntax
import State

/// `tenantplan provision NAME`: creates one new tenant right away, from the
/// declaration, for applications that add tenants at sign-up.
///
/// It plans and applies that one schema as `plan` and `apply` would, in one
/// transaction: the desired state is realised first (in a scratch schema that
/// is rolled back, as `plan` does); then the tenant's transaction takes the
/// tenant's advisory lock (the one `apply` takes), reads the schema, and either
/// creates it and every declared object under the tenant's `search_path` and
/// commits only if the result is exactly the declared state (guarantee 4), or
/// finds it already provisioned, or finds it different and touches nothing.
/// The lock serialises concurrent calls for the same name: the second one finds
/// the schema the first committed. Lock timeouts, deadlocks and a schema created
/// meanwhile by something that does not take the lock are tried again, under
/// the same lock discipline as `apply`: a short lock timeout (a foreign key to a
/// shared table locks that table, which the application writes to), tried again
/// after a short random pause until `lockBudget` is spent.
public struct Provisioner: Sendable {
    public var connections: ConnectionResolver
    /// Longest wait for any one lock, as PostgreSQL duration text.
    public var lockTimeout: String
    /// Longest wait for the tenant's advisory lock: another call for the same
    /// name (or an `apply` of that tenant) holds it while it creates the tenant.
    public var tenantLockTimeout: String
    /// Extra attempts at most after a lock timeout, deadlock, serialization failure, or a
    /// schema of that name created meanwhile by something else; nil: as many as `lockBudget` allows.
    public var retries: Int?
    /// Seconds the call may spend on attempts that failed so and still try again.
    public var lockBudget: TimeInterval

    public init(connections: ConnectionResolver, lockTimeout: String = ApplyOptions.defaultLockTimeout,
                tenantLockTimeout: String = "30s", retries: Int? = nil,
                lockBudget: TimeInterval = ApplyOptions.defaultLockBudget) {
        self.connections = connections
        self.lockTimeout = lockTimeout
        self.tenantLockTimeout = tenantLockTimeout
        self.retries = retries
        self.lockBudget = lockBudget
    }

    /// Reads `schema.yaml` and `tenants.yaml`, then provisions `tenant`.
    ///
    /// - Throws: `ProvisionError`, `InputErrors`, `PlanningError`, `VerificationFailure`,
    ///   `PostgresError` (only from `COMMIT`, when it cannot be known whether it committed).
    public func provision(_ tenant: String, database: String?, schema: String, tenants: String) throws
        -> ProvisionResult
    {
        let start = Date()
        if let problem = ProvisionDecision.problem(with: tenant) { throw problem }
        let inputs = try InputFiles.load(schema: schema, tenants: tenants)
        return try provision(tenant, database: database, declaration: inputs.declaration, fleet: inputs.fleet,
                             since: start)
    }

    /// Provisions `tenant` in `database` of `fleet` (or the database the fleet lists it
    /// in, or the fleet's only database); `since` is when the caller started.
    public func provision(_ tenant: String, database requested: String?, declaration: Declaration, fleet: Fleet,
                          since start: Date = Date()) throws -> ProvisionResult {
        if let problem = ProvisionDecision.problem(with: tenant) { throw problem }
        let database = try ProvisionDecision.database(for: tenant, requested: requested, in: fleet)
        let connection = try connections.connect(database.connection, database: database.name)
        defer { connection.close() }

        let (decision, changes, attempts) = try provision(tenant, declaration: declaration, database: database.name,
                                                          on: connection)
        var result: ProvisionResult
        switch decision {
        case .create(_, let expected):
            result = ProvisionResult(tenant: tenant, database: database.name, outcome: .created, seconds: 0,
                                     fingerprint: expected, changes: changes)
        case .inSync(let fingerprint, let kept):
            result = ProvisionResult(tenant: tenant, database: database.name, outcome: .alreadyProvisioned,
                                     seconds: 0, fingerprint: fingerprint)
            if !kept.isEmpty {
                result.notes.append("it keeps \(kept.count) object(s) not in the declaration: "
                    + kept.map { $0.object.printable }.joined(separator: ", "))
            }
        case .differs(let fingerprint, let differences):
            result = ProvisionResult(tenant: tenant, database: database.name, outcome: .differs, seconds: 0,
                                     fingerprint: fingerprint, differences: differences)
        }
        let (managed, notes) = management(of: tenant, in: database.name, fleet: fleet, on: connection)
        result.managed = managed
        result.notes += notes
        result.attempts = attempts
        result.seconds = Date().timeIntervalSince(start)
        return result
    }

    /// Realises the desired state, then runs the tenant's transaction; both are
    /// tried again after transient errors. Returns the decision carried out, the
    /// number of statements run, and the attempts made.
    func provision(_ tenant: String, declaration: Declaration, database: String, on connection: Connection) throws
        -> (ProvisionDecision, changes: Int, attempts: Int)
    {
        var differ: Differ?
        var attempt = 0
        let started = Date()
        while true {
            attempt += 1
            do {
                // For the session: bounds the scratch schema's locks (a foreign key to
                // a shared table) as well as the tenant's.
                try connection.execute("SELECT set_config('lock_timeout', $1, false)", [lockTimeout])
                let current = try differ ?? Differ(declaration: declaration,
                                                   desired: try DesiredState.realise(declaration, on: connection))
                differ = current
                let (decision, changes) = try transaction(tenant, differ: current, on: connection)
                return (decision, changes, attempt)
            } catch {
                if connection.inTransaction { try? connection.execute("ROLLBACK") }
                let server: PostgresError? = switch error {
                case let error as PostgresError: error
                case PlanningError.declarationRejected(_, let server): server
                default: nil
                }
                let mayRetry = (retries.map { attempt <= $0 } ?? true) && Date().timeIntervalSince(started) < lockBudget
                guard let server, mayRetry, Self.retryable(server) else {
                    // A lock timeout in the scratch schema is not the declaration's fault;
                    // after COMMIT fails, whether it committed is unknown.
                    if let server, server.statement != "COMMIT", error is PostgresError || server.isTransient {
                        throw PlanningError.database(database, server)
                    }
                    throw error
                }
                Thread.sleep(forTimeInterval: Backoff.delay(beforeAttempt: attempt))
            }
        }
    }

    /// Lock timeouts, deadlocks, serialization failures; and a schema of that name
    /// created meanwhile by something that does not take the tenant's lock (the
    /// next attempt reads it).
    static func retryable(_ error: PostgresError) -> Bool {
        error.isTransient || error.code == .duplicateSchema || error.code == .uniqueViolation
    }

    /// One attempt: lock, read, decide, and create and verify when the schema is absent.
    func transaction(_ tenant: String, differ: Differ, on connection: Connection) throws -> (ProvisionDecision, Int) {
        _ = try connection.pipeline([
            PipelineStatement("BEGIN"),
            PipelineStatement("SELECT set_config('lock_timeout', $1, true)", [tenantLockTimeout]),
            // Serialises provisioners and appliers of the same tenant.
            PipelineStatement("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))",
                              [String(Applier.lockClass), tenant]),
            PipelineStatement("SELECT set_config('lock_timeout', $1, true)", [lockTimeout]),
        ])
        let decision = ProvisionDecision.decide(actual: try Reflector().reflect(schema: tenant, on: connection),
                                                differ: differ)
        guard case .create(let changes, let expected) = decision else {
            try connection.execute("ROLLBACK")
            return (decision, 0)
        }
        // The statements `apply` runs for a new tenant, under its search_path alone.
        _ = try connection.pipeline(
            [PipelineStatement("SELECT set_config('search_path', $1, true)", [quoteIdentifier(tenant)])]
                + changes.map { PipelineStatement($0.statement(tenant: tenant)) })
        let found = try Reflector().reflect(schema: tenant, on: connection)?.fingerprint ?? SchemaState.absentFingerprint
        guard found == expected else {
            try connection.execute("ROLLBACK")
            throw VerificationFailure(expected: expected, found: found)
        }
        try connection.execute("COMMIT")
        return (decision, changes.count)
    }

    /// Whether the next `plan` manages the tenant (listed, or found by a discover:
    /// rule of its database), and a note saying what to do when it does not.
    func management(of tenant: String, in database: String, fleet: Fleet, on connection: Connection)
        -> (managed: Bool, notes: [String])
    {
        if fleet.tenants.contains(where: { $0.name == tenant }) { return (true, []) }
        var notes: [String] = []
        for rule in fleet.discover where rule.database == database {
            do {
                let found: Bool
                switch rule.kind {
                case .schemasLike(let pattern):
                    found = try connection.query("SELECT $1::text LIKE $2::text", [tenant, pattern]).scalar == "t"
                case .query:
                    found = try DatabaseCatalog.discover(rule, on: connection).contains(tenant)
                }
                if found { return (true, []) }
            } catch {
                let place = rule.location.map { " at \($0)" } ?? ""
                let text = (error as? any UserFacingError).map(ErrorFormatter.line) ?? "\(error)"
                notes.append("could not run the discover: rule\(place): \(text)")
            }
        }
        notes.append("tenant '\(tenant.printable)' is neither listed in \(fleet.file) nor found by its discover: rules "
            + "for database '\(database)', so the next plan will not manage it: list it under tenants: "
            + "or make a discover: rule find it")
        return (false, notes)
    }
}
