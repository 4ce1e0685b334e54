import Foundation
import Plan

/// A session that blocked a tenant's statement, as `pg_stat_activity` showed it.
///
/// Found with `pg_blocking_pids` while the statement waited: the sessions that
/// hold a conflicting lock, or wait ahead of it in the lock's queue
/// (https://www.postgresql.org/docs/15/functions-info.html). Another role's
/// session shows `<insufficient privilege>` as its query unless the applying role
/// may read all statistics.
public struct LockHolder: Codable, Sendable, Equatable {
    public var pid: Int32
    /// Its `application_name`; empty when it set none.
    public var application: String
    /// `active`, `idle in transaction`, ...
    public var state: String
    /// How long its transaction had been open, when it had one.
    public var transactionSeconds: Double?
    /// The start of its current (or, when idle, last) statement.
    public var query: String

    public init(pid: Int32, application: String, state: String, transactionSeconds: Double?, query: String) {
        self.pid = pid
        self.application = application
        self.state = state
        self.transactionSeconds = transactionSeconds
        self.query = query
    }

    enum CodingKeys: String, CodingKey {
        case pid, application, state, transactionSeconds = "transaction_seconds", query
    }

    /// `pid 4242 (billing, idle in transaction, transaction open 41 s): LOCK TABLE ...`
    public var summary: String {
        var facts = [application.isEmpty ? "no application_name" : application.printable]
        if !state.isEmpty { facts.append(state) }  // hidden for another role's session without pg_read_all_stats
        if let transactionSeconds { facts.append("transaction open \(Elapsed.text(transactionSeconds))") }
        let shown = query.replacingOccurrences(of: "\n", with: " ")
        return "pid \(pid) (\(facts.joined(separator: ", ")))" + (shown.isEmpty ? "" : ": " + shown.printable)
    }
}

/// A tenant's statement waiting for a lock, seen while it waited.
public struct LockWait: Sendable, Equatable {
    /// The relation waited for, as the server names it (`acme.orders`), if the lock is a relation's.
    public var relation: String?
    /// How long it had waited.
    public var seconds: Double
    public var holders: [LockHolder]

    public init(relation: String?, seconds: Double, holders: [LockHolder]) {
        self.relation = relation
        self.seconds = seconds
        self.holders = holders
    }
}

/// Why a tenant failed on lock timeouts: how often it waited, and who held the lock.
public struct LockContention: Codable, Sendable, Equatable {
    /// The relation waited for, when the wait was seen and was a relation's.
    public var relation: String?
    /// The run's `--lock-timeout`.
    public var lockTimeout: String
    /// Lock timeouts the tenant ran into, over all its attempts.
    public var timeouts: Int
    /// The sessions that blocked it when it was last seen waiting; empty when no
    /// wait was seen (a wait shorter than the watcher's first look).
    public var holders: [LockHolder]
    /// The run's `--lock-budget`, when the tenant was tried again within one.
    public var budget: String?
    /// Seconds the tenant lost to failed attempts and the waits between them.
    public var secondsLost: Double?
    /// The run's `--retries`, when it set one.
    public var retries: Int?

    public init(relation: String?, lockTimeout: String, timeouts: Int, holders: [LockHolder], budget: String? = nil,
                secondsLost: Double? = nil, retries: Int? = nil) {
        self.retries = retries
        self.relation = relation
        self.lockTimeout = lockTimeout
        self.timeouts = timeouts
        self.holders = holders
        self.budget = budget
        self.secondsLost = secondsLost
    }

    enum CodingKeys: String, CodingKey {
        case relation, lockTimeout = "lock_timeout", timeouts, holders, budget = "lock_budget",
             secondsLost = "seconds_lost", retries
    }

    /// What to do: `a session holds a lock on acme.orders; tenantplan waited
    /// --lock-timeout 200ms, 31 times over 30 s (--lock-budget 30s); retry later,
    /// end that session, or raise --lock-budget`.
    public var hint: String {
        var waited = "tenantplan waited --lock-timeout \(lockTimeout), \(timeouts == 1 ? "once" : "\(timeouts) times")"
        if let budget, let secondsLost {
            waited += " over \(Elapsed.text(secondsLost)) (--lock-budget \(budget))"
        }
        let raise = budget == nil ? "raise --lock-timeout"
            : retries == nil ? "raise --lock-budget" : "raise --retries or --lock-budget"
        let on = relation.map { " on \($0.printable)" } ?? ""
        switch holders.count {
        case 0:
            return "\(waited), for a lock\(on) that another session held; retry later, or \(raise)"
        case 1:
            return "a session holds a lock\(on); \(waited); retry later, end that session, or \(raise)"
        default:
            return "\(holders.count) sessions hold or wait for a lock\(on); \(waited); retry later, end those sessions, or \(raise)"
        }
    }
}

/// Short human durations for reports and progress lines.
enum Elapsed {
    /// `0.4 s`, `12 s`, `3 min 5 s`.
    static func text(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1f s", max(0, seconds)) }
        if seconds < 120 { return "\(Int(seconds.rounded())) s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \((whole % 3600) / 60) min"
    }
}
