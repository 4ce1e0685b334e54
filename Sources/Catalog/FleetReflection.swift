import Foundation
import Plan
import Postgres
import State

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
    /// Diffs a state first seen under the given fingerprint.
    public var diff: @Sendable (SchemaState, String) -> StatePlan

    public init(connections: ConnectionResolver, source: ConnectionSource, database: String, workers: Int,
                batchSize: Int, progress: (@Sendable (String) -> Void)?,
                diff: @escaping @Sendable (SchemaState, String) -> StatePlan) {
        self.connections = connections
        self.source = source
        self.database = database
        self.workers = workers
        self.batchSize = batchSize
        self.progress = progress
        self.diff = diff
    }

    public struct Result: Sendable {
        /// Fingerprint of each tenant whose schema exists.
        public var fingerprints: [String: String] = [:]
        /// What each distinct state needs, by fingerprint.
        public var plans: [String: StatePlan] = [:]
        /// Stamp of each tenant whose schema exists (see `Stamp`).
        public var stamps: [String: String] = [:]
    }

    /// `first` is an open connection to reuse as one of the workers.
    public func run(_ tenants: [String], first: Connection) throws -> Result {
        let batches = stride(from: 0, to: tenants.count, by: max(1, batchSize)).map {
            Array(tenants[$0..<min(tenants.count, $0 + batchSize)])
        }
        let shared = Shared(batches: batches, total: tenants.count)
        let count = max(1, min(workers, batches.count))
        let group = DispatchGroup()
        for _ in 1..<max(1, count) {
            group.enter()
            let task = Task(reflection: self, shared: shared)
            let thread = Thread {
                task.runOnOwnConnection()
                group.leave()
            }
            thread.start()
        }
        // This thread works too, on the connection it already has.
        Task(reflection: self, shared: shared).run(on: first)
        group.wait()
        if let error = shared.error { throw error }
        return shared.result
    }

    /// One worker's loop.
    struct Task: Sendable {
        let connections: ConnectionResolver
        let source: ConnectionSource
        let database: String
        let progress: (@Sendable (String) -> Void)?
        let diff: @Sendable (SchemaState, String) -> StatePlan
        let shared: Shared

        init(reflection: FleetReflection, shared: Shared) {
            connections = reflection.connections
            source = reflection.source
            database = reflection.database
            progress = reflection.progress
            diff = reflection.diff
            self.shared = shared
        }

        func runOnOwnConnection() {
            do {
                let connection = try connections.connect(source, database: database)
                defer { connection.close() }
                run(on: connection)
            } catch {
                shared.fail(error)
            }
        }

        func run(on connection: Connection) {
            while let batch = shared.next() {
                var found: [ReflectedSchema] = []
                do {
                    try Reflector().reflect(schemas: batch, on: connection) { found.append($0) }
                } catch let error as PostgresError {
                    shared.fail(PlanningError.database(database, error))
                    return
                } catch {
                    shared.fail(error)
                    return
                }
                // Diff the states not seen before, outside the lock (two workers may
                // both diff a state seen first in both their batches: same result).
                let fingerprints = found.map(\.state.fingerprint)
                var plans: [String: StatePlan] = [:]
                for (reflected, fingerprint) in zip(found, fingerprints)
                where plans[fingerprint] == nil && !shared.knows(fingerprint) {
                    plans[fingerprint] = diff(reflected.state, fingerprint)
                }
                let done = shared.add(found, fingerprints: fingerprints, plans: plans, count: batch.count)
                if let progress {
                    let elapsed = Date().timeIntervalSince(shared.started)
                    let rate = elapsed > 0 ? Double(done.done) / elapsed : 0
                    let eta = rate > 0 ? Double(done.total - done.done) / rate : 0
                    progress("reflected \(done.done)/\(done.total) tenants in database '\(database)'"
                             + String(format: " (%.0f/s, ETA %.0fs)", rate, eta))
                }
            }
        }
    }

    /// State shared by the workers, behind a lock.
    final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var batches: [[String]]
        private(set) var result = Result()
        private(set) var error: Error?
        private var done = 0
        let total: Int
        let started = Date()

        init(batches: [[String]], total: Int) {
            self.batches = batches.reversed()
            self.total = total
        }

        func next() -> [String]? {
            lock.lock()
            defer { lock.unlock() }
            return error == nil ? batches.popLast() : nil
        }

        func knows(_ fingerprint: String) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return result.plans[fingerprint] != nil
        }

        func add(_ found: [ReflectedSchema], fingerprints: [String], plans: [String: StatePlan],
                 count: Int) -> (done: Int, total: Int) {
            lock.lock()
            defer { lock.unlock() }
            for (reflected, fingerprint) in zip(found, fingerprints) {
                result.fingerprints[reflected.name] = fingerprint
                result.stamps[reflected.name] = reflected.stamp
            }
            result.plans.merge(plans) { first, _ in first }
            done += count
            return (done, total)
        }

        func fail(_ error: Error) {
            lock.lock()
            defer { lock.unlock() }
            if self.error == nil { self.error = error }
        }
    }
}
