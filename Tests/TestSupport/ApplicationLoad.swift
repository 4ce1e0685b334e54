import Foundation
import Postgres
import Synchronization

/// A bounded application load for tests: `clients` sessions on plain threads,
/// each running short transactions against real tables at its share of `rate`
/// transactions per second, for at most `duration` seconds (or until `stop()`).
///
/// Every statement's latency is recorded (the `BEGIN` and `COMMIT` included: a
/// commit can wait too), with any error. What a test asserts on is what the
/// application would feel: the longest single wait, a percentile, the errors.
/// Each session sets `application_name` to `app-load` and a statement timeout, so
/// that a load stuck behind a lock still ends.
public final class ApplicationLoad: Sendable {
    /// One statement of a transaction.
    public struct Statement: Sendable {
        public var sql: String
        public var parameters: [String?]

        public init(_ sql: String, _ parameters: [String?] = []) {
            self.sql = sql
            self.parameters = parameters
        }
    }

    /// What the load recorded.
    public struct Summary: Sendable, CustomStringConvertible {
        public var transactions = 0
        /// Every statement's latency in seconds, in no particular order.
        public var latencies: [Double] = []
        /// The slowest statement and its latency.
        public var slowest: (sql: String, seconds: Double) = ("", 0)
        /// Each failed statement: its error and SQL.
        public var errors: [String] = []
        /// When the load started and ended.
        public var started = Date()
        public var ended = Date()

        /// The longest wait of a single statement, in seconds.
        public var longest: Double { slowest.seconds }

        /// The `p` quantile (0...1) of the statement latencies.
        public func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded(.up)))]
        }

        public var description: String {
            String(format: "%d transactions in %.1f s, %d statements, longest %.3f s (%@), p99 %.3f s, %d errors%@",
                   transactions, ended.timeIntervalSince(started), latencies.count, longest, slowest.sql,
                   percentile(0.99), errors.count, errors.isEmpty ? "" : ": " + errors.prefix(3).joined(separator: "; "))
        }
    }

    private let conninfo: String
    private let clients: Int
    private let rate: Double
    private let duration: TimeInterval
    private let transaction: @Sendable (_ client: Int, _ number: Int) -> [Statement]
    private let summary = Mutex(Summary())
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    /// `transaction(client, n)` gives the statements of client `client`'s `n`th transaction.
    public init(conninfo: String, clients: Int = 8, rate: Double = 100, duration: TimeInterval = 10,
                transaction: @escaping @Sendable (_ client: Int, _ number: Int) -> [Statement]) {
        self.conninfo = conninfo
        self.clients = clients
        self.rate = rate
        self.duration = duration
        self.transaction = transaction
    }

    /// Connects every client, then starts them; returns once they run.
    public func start() throws {
        var connections: [Connection] = []
        do {
            for _ in 0..<clients {
                let c = try Connection(conninfo, applicationName: "app-load")
                connections.append(c)
                try c.execute("SET statement_timeout = '30s'")
            }
        } catch {
            for c in connections { c.close() }
            throw error
        }
        let started = Date()
        summary.withLock { $0.started = started }
        let deadline = started.addingTimeInterval(duration)
        let interval = Double(clients) / rate
        for (index, connection) in connections.enumerated() {
            let box = ConnectionBox(connection)
            Thread.detachNewThread { [self] in
                run(client: index, on: box.connection, interval: interval, deadline: deadline)
                box.connection.close()
                done.signal()
            }
        }
    }

    /// Ends the load early (each client finishes its transaction).
    public func stop() {
        stopped.withLock { $0 = true }
    }

    /// Waits until every client is done, on a thread of its own, and returns what was recorded.
    public func finish() async -> Summary {
        let clients = clients
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                for _ in 0..<clients { done.wait() }
                continuation.resume()
            }
        }
        return summary.withLock { $0 }
    }

    private func run(client: Int, on connection: Connection, interval: TimeInterval, deadline: Date) {
        // Spread the clients' first transactions over one interval.
        var next = Date().addingTimeInterval(interval * Double(client) / Double(clients))
        var number = 0
        while !stopped.withLock({ $0 }) && Date() < deadline {
            let pause = next.timeIntervalSinceNow
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            next = max(next.addingTimeInterval(interval), Date().addingTimeInterval(-interval))
            var latencies: [(String, Double)] = []
            var error: String?
            for statement in [Statement("BEGIN")] + transaction(client, number) + [Statement("COMMIT")] {
                let begun = Date()
                do {
                    try connection.execute(statement.sql, statement.parameters)
                    latencies.append((statement.sql, Date().timeIntervalSince(begun)))
                } catch let failure {
                    latencies.append((statement.sql, Date().timeIntervalSince(begun)))
                    error = "\(failure) in: \(statement.sql)"
                    if connection.inTransaction { try? connection.execute("ROLLBACK") }
                    break
                }
            }
            number += 1
            summary.withLock { s in
                s.transactions += 1
                for (sql, seconds) in latencies {
                    s.latencies.append(seconds)
                    if seconds > s.slowest.seconds { s.slowest = (sql, seconds) }
                }
                if let error { s.errors.append(error) }
                s.ended = Date()
            }
        }
    }
}

/// Hands a connection to the one thread that uses it from then on.
private final class ConnectionBox: @unchecked Sendable {
    let connection: Connection
    init(_ connection: Connection) { self.connection = connection }
}
