import Catalog
import Foundation
import Postgres
import State
import Synchronization

/// Watches one run from a thread of its own, while the workers block in libpq.
///
/// Three duties, on one clock: every `progressInterval` it hands a snapshot of
/// the board to the progress reporter (and once more at the end if retries are
/// left untold); once a worker's statement has run for a quarter of the lock
/// timeout (at least 0.1 s, at most a second), it asks the server, twice per such period, whether that
/// statement waits for a lock and who blocks it (`pg_blocking_pids`, on a
/// connection of its own per database, opened on first need), and writes the
/// answer to the board, where progress shows it and a lock timeout's report
/// takes it from; after a second interrupt it sends the cancel requests again
/// every quarter second, for a statement that started just after the first.
final class RunWatcher: Sendable {
    struct Settings: Sendable {
        var sources: [String: ConnectionSource]
        var connections: ConnectionResolver
        /// The run's `--lock-timeout`, in seconds (0: none).
        var lockTimeout: Double
        var progress: (@Sendable (ApplyProgress) -> Void)?
        var progressInterval: TimeInterval
        var total: Int
        var label: String?
    }

    private let settings: Settings
    private let board: ActivityBoard
    private let interruption: ApplyInterruption
    /// Set by `finish`; `abandoned` when it stopped waiting for the thread.
    private let stopped = Mutex((stop: false, abandoned: false))
    private let done = DispatchSemaphore(value: 0)
    /// Signalled by `finish`: the watcher's 20 ms tick ends at once, not after the run.
    private let wake = DispatchSemaphore(value: 0)

    init(_ settings: Settings, board: ActivityBoard, interruption: ApplyInterruption) {
        self.settings = settings
        self.board = board
        self.interruption = interruption
    }

    /// How long a statement runs before the watcher looks at it, and how often it looks again.
    var lookAfter: TimeInterval {
        let quarter = settings.lockTimeout / 4
        return quarter > 0 ? min(max(quarter, 0.1), 1) : 1
    }

    func start() {
        Thread.detachNewThread { [self] in
            watch()
            done.signal()
        }
    }

    /// Stops the watcher and waits until its thread is done, but no longer than
    /// a few seconds: a look-up stuck on its connection must not hold the report
    /// back (the thread then ends on its own, reporting nothing more).
    func finish() {
        stopped.withLock { $0.stop = true }
        wake.signal()
        if done.wait(timeout: .now() + 5) == .timedOut { stopped.withLock { $0.abandoned = true } }
    }

    private func watch() {
        let started = Date()
        var lastLook = Date.distantPast
        var lastReport = Date()
        var lastCancel = Date.distantPast
        var sessions: [String: Connection] = [:]
        /// Databases whose session failed, and when to try again.
        var resting: [String: Date] = [:]
        defer { for session in sessions.values { session.close() } }

        while !stopped.withLock({ $0.stop }) {
            if wake.wait(timeout: .now() + 0.02) == .success { break }
            let now = Date()
            if interruption.level == .cancelling && now.timeIntervalSince(lastCancel) >= 0.25 {
                board.cancelStatements()
                lastCancel = now
            }
            // Twice per `lookAfter`: a wait as long as the lock timeout is seen at least once.
            if now.timeIntervalSince(lastLook) >= lookAfter / 2 {
                lastLook = now
                let candidates = board.candidates(runningFor: lookAfter)
                for (database, group) in Dictionary(grouping: candidates, by: \.database)
                where resting[database].map({ $0 <= now }) ?? true {
                    do {
                        if sessions[database] == nil { sessions[database] = try open(database) }
                        let waits = try Self.lockWaits(of: group.map(\.pid), on: sessions[database]!)
                        for candidate in group { board.saw(candidate, waits[candidate.pid]) }
                    } catch {
                        // Without a session the report has no holders to name; the run goes on.
                        sessions.removeValue(forKey: database)?.close()
                        resting[database] = now.addingTimeInterval(2)
                    }
                }
            }
            if let progress = settings.progress, now.timeIntervalSince(lastReport) >= settings.progressInterval,
               !stopped.withLock({ $0.stop }) {
                lastReport = now
                progress(board.snapshot(total: settings.total, elapsed: now.timeIntervalSince(started),
                                        label: settings.label, interruption: interruption.level))
            }
        }
        if let progress = settings.progress, !stopped.withLock({ $0.abandoned }) {
            let last = board.snapshot(total: settings.total, elapsed: Date().timeIntervalSince(started),
                                      label: settings.label, interruption: interruption.level)
            if !last.retries.isEmpty { progress(last) }
        }
    }

    private func open(_ database: String) throws -> Connection {
        let info = try settings.connections.conninfo(for: settings.sources[database] ?? .default, database: database)
        let connection = try Connection(info, applicationName: "tenantplan lock watch")
        try connection.execute("SET statement_timeout = '2s'")
        return connection
    }

    /// The lock waits of the backends `pids`, by pid: the lock's relation, how long
    /// it has waited, and the sessions `pg_blocking_pids` names, as
    /// `pg_stat_activity` shows them. A backend that does not wait is absent.
    static func lockWaits(of pids: [Int32], on connection: Connection) throws -> [Int32: LockWait] {
        let result = try connection.query("""
            SELECT w.pid AS waiter,
                   l.relation::regclass::text AS relation,
                   extract(epoch FROM now() - coalesce(l.waitstart, w.query_start))::float8 AS waited,
                   b.pid AS holder, coalesce(b.application_name, '') AS application, coalesce(b.state, '') AS state,
                   extract(epoch FROM now() - b.xact_start)::float8 AS transaction_seconds,
                   left(coalesce(b.query, ''), 120) AS query
            FROM pg_stat_activity w
            LEFT JOIN LATERAL (SELECT relation, waitstart FROM pg_locks
                               WHERE pid = w.pid AND NOT granted LIMIT 1) l ON true
            LEFT JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocking(pid) ON true
            LEFT JOIN pg_stat_activity b ON b.pid = blocking.pid
            WHERE w.pid = ANY($1::int[]) AND w.wait_event_type = 'Lock'
            ORDER BY w.pid, b.xact_start
            """, [arrayLiteral(pids.map(String.init))])
        var waits: [Int32: LockWait] = [:]
        _ = try result.compactDecode { row -> Void? in
            guard let waiter = try row["waiter"].flatMap({ Int32($0) }) else { return nil }
            let first = LockWait(relation: try row["relation"],
                                 seconds: try row["waited"].flatMap { Double($0) } ?? 0, holders: [])
            var wait = waits[waiter] ?? first
            if let holder = try row["holder"].flatMap({ Int32($0) }) {
                wait.holders.append(LockHolder(
                    pid: holder, application: (try row["application"]) ?? "", state: (try row["state"]) ?? "",
                    transactionSeconds: try row["transaction_seconds"].flatMap { Double($0) },
                    query: (try row["query"]) ?? ""))
            }
            waits[waiter] = wait
            return nil
        }
        return waits
    }
}
