import Foundation
import Plan
import Postgres
import State
import Synchronization
import Workers

/// Reads the states of many tenants of one database over several connections.
///
/// Tenants are cut into batches that worker threads (one connection each)
/// take in turn; each batch is one `Reflector` round. A state is diffed as soon
/// as its fingerprint is first seen, and only the diff's change lists are kept,
/// never the states: memory grows with the number of distinct states' changes,
/// not with the number of tenants or the size of their schemas.
public struct FleetReflection {
    public var connections: ConnectionResolver
    public var source: ConnectionSource
    public var database: String
    public var workers: Int
    public var batchSize: Int
    public var progress: (@Sendable (String) -> Void)?
    /// What `ignore:` leaves alone: taken out of every state before it is
    /// fingerprinted and diffed (`SchemaState.ignoring`).
    public var ignore: IgnoreRules
    /// Diffs a state first seen under the given fingerprint.
    public var diff: @Sendable (SchemaState, String) throws -> StatePlan

    public init(connections: ConnectionResolver, source: ConnectionSource, database: String, workers: Int,
                batchSize: Int, progress: (@Sendable (String) -> Void)?, ignore: IgnoreRules = IgnoreRules(),
                diff: @escaping @Sendable (SchemaState, String) throws -> StatePlan) {
        self.connections = connections
        self.source = source
        self.database = database
        self.workers = workers
        self.batchSize = batchSize
        self.progress = progress
        self.ignore = ignore
        self.diff = diff
    }

    public struct Result: Sendable {
        /// Fingerprint of each tenant whose schema exists.
        public var fingerprints: [String: String] = [:]
        /// What each distinct state needs, by fingerprint.
        public var plans: [String: StatePlan] = [:]
        /// Stamp of each tenant whose schema exists (see `Stamp`).
        public var stamps: [String: String] = [:]
        /// Objects `ignore:` took out of each tenant's state, for tenants that had any.
        public var ignored: [String: Int] = [:]
        /// Bytes of the tables each tenant's changes scan or rewrite
        /// (`StatePlan.scannedTables`), by tenant and table; tenants with
        /// none are left out, so memory stays with the changing tables.
        public var tableBytes: [String: [String: Int64]] = [:]

        /// Keeps, of a tenant in the state `fingerprint`, the bytes of the tables
        /// that state's changes scan or rewrite (none when it has no changes);
        /// `scanned` caches each state's tables across calls.
        public mutating func keepTableBytes(_ bytes: [String: Int64], of tenant: String, fingerprint: String,
                                            scanned: inout [String: Set<String>]) {
            guard !bytes.isEmpty, let plan = plans[fingerprint], !plan.changes.isEmpty else { return }
            if scanned[fingerprint] == nil { scanned[fingerprint] = plan.scannedTables }
            let tables = scanned[fingerprint]!
            let kept = bytes.filter { tables.contains($0.key) }
            if !kept.isEmpty { tableBytes[tenant] = kept }
        }

        /// Adds what another run found (of other tenants).
        public mutating func merge(_ other: Result) {
            fingerprints.merge(other.fingerprints) { _, new in new }
            plans.merge(other.plans) { first, _ in first }
            stamps.merge(other.stamps) { _, new in new }
            ignored.merge(other.ignored) { _, new in new }
            tableBytes.merge(other.tableBytes) { _, new in new }
        }
    }

    /// `first` is an open connection to reuse as one of the workers.
    public func run(_ tenants: [String], first: Connection) throws -> Result {
        let batches = stride(from: 0, to: tenants.count, by: max(1, batchSize)).map {
            Array(tenants[$0..<min(tenants.count, $0 + batchSize)])
        }
        let pool = WorkerPool(batches)
        let reflector = BatchReflector(reflection: self, found: Found(), meter: ProgressMeter(total: tenants.count))
        let count = max(1, min(workers, batches.count))
        pool.start(workers: count - 1, open: reflector.connect, close: { $0.close() }, work: reflector.reflect)
        // This thread works too, on the connection it already has.
        pool.work(on: first, reflector.reflect)
        try pool.wait()
        return reflector.found.result
    }

    /// What a worker does with one batch of tenants.
    struct BatchReflector: Sendable {
        let connections: ConnectionResolver
        let source: ConnectionSource
        let database: String
        let progress: (@Sendable (String) -> Void)?
        let ignore: IgnoreRules
        let diff: @Sendable (SchemaState, String) throws -> StatePlan
        let found: Found
        let meter: ProgressMeter

        init(reflection: FleetReflection, found: Found, meter: ProgressMeter) {
            connections = reflection.connections
            source = reflection.source
            database = reflection.database
            progress = reflection.progress
            ignore = reflection.ignore
            diff = reflection.diff
            self.found = found
            self.meter = meter
        }

        /// A worker's own connection.
        func connect() throws -> Connection {
            try connections.connect(source, database: database)
        }

        func reflect(_ batch: [String], on connection: inout Connection) throws {
            var reflected: [ReflectedSchema] = []
            do {
                try Reflector().reflect(schemas: batch, on: connection) { reflected.append($0) }
            } catch let error as PostgresError {
                throw PlanningError.database(database, error)
            }
            // What ignore: leaves alone is gone before anything is compared.
            var ignored: [String: Int] = [:]
            for i in reflected.indices {
                var count = 0
                reflected[i].state = reflected[i].state.ignoring(ignore, count: &count)
                if count > 0 { ignored[reflected[i].name] = count }
            }
            // Diff the states not seen before, outside the lock (two workers may
            // both diff a state seen first in both their batches: same result).
            let fingerprints = reflected.map(\.state.fingerprint)
            var plans: [String: StatePlan] = [:]
            for (schema, fingerprint) in zip(reflected, fingerprints)
            where plans[fingerprint] == nil && !found.knows(fingerprint) {
                plans[fingerprint] = try diff(schema.state, fingerprint)
            }
            found.add(reflected, fingerprints: fingerprints, plans: plans, ignored: ignored)
            let done = meter.add(batch.count)
            if let progress {
                progress("reflected \(done)/\(meter.total) tenants in database '\(database)'" + meter.rate(done: done))
            }
        }
    }

    /// What the workers found, behind a lock.
    final class Found: Sendable {
        private let state = Mutex(Result())

        var result: Result { state.withLock { $0 } }

        func knows(_ fingerprint: String) -> Bool {
            state.withLock { $0.plans[fingerprint] != nil }
        }

        func add(_ reflected: [ReflectedSchema], fingerprints: [String], plans: [String: StatePlan],
                 ignored: [String: Int]) {
            state.withLock { result in
                result.ignored.merge(ignored) { _, new in new }
                for (schema, fingerprint) in zip(reflected, fingerprints) {
                    result.fingerprints[schema.name] = fingerprint
                    result.stamps[schema.name] = schema.stamp
                }
                result.plans.merge(plans) { first, _ in first }
                var scanned: [String: Set<String>] = [:]
                for (schema, fingerprint) in zip(reflected, fingerprints) {
                    result.keepTableBytes(schema.tableBytes, of: schema.name, fingerprint: fingerprint, scanned: &scanned)
                }
            }
        }
    }
}
