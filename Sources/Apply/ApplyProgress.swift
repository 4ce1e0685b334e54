import Foundation
import Plan

/// What an apply run is doing, reported every few seconds while it runs.
///
/// A snapshot, with its renderings: `statusLine` for a terminal's live line,
/// `lines` for a log (and for the events a terminal keeps). Pure, so that the
/// wording is tested without a run.
public struct ApplyProgress: Sendable {
    /// A tenant in flight.
    public struct Activity: Sendable, Equatable {
        public var tenant: String
        public var database: String
        public var attempt: Int
        /// Attempts at most: 1 + `--retries`; 0 when only `--lock-budget` bounds them.
        public var attempts: Int
        /// `running its changes`, `taking its lock`, ...
        public var step: String
        /// How long it has been at this step.
        public var seconds: Double
        /// Set while its statement waits for a lock (seen after a short while).
        public var lockWait: LockWait?

        public init(tenant: String, database: String, attempt: Int, attempts: Int, step: String, seconds: Double,
                    lockWait: LockWait? = nil) {
            self.tenant = tenant
            self.database = database
            self.attempt = attempt
            self.attempts = attempts
            self.step = step
            self.seconds = seconds
            self.lockWait = lockWait
        }
    }

    /// An attempt that failed and will be tried again.
    public struct Retry: Sendable, Equatable {
        public var tenant: String
        public var database: String
        /// The attempt that failed.
        public var attempt: Int
        public var attempts: Int
        public var failure: TenantResult.Failure?
        /// Who blocked it, when it failed on a lock timeout and the wait was seen.
        public var holders: [LockHolder]
        /// Seconds of its `--lock-budget` left, when known.
        public var budgetLeft: Double?

        public init(tenant: String, database: String, attempt: Int, attempts: Int, failure: TenantResult.Failure?,
                    holders: [LockHolder] = [], budgetLeft: Double? = nil) {
            self.tenant = tenant
            self.database = database
            self.attempt = attempt
            self.attempts = attempts
            self.failure = failure
            self.holders = holders
            self.budgetLeft = budgetLeft
        }
    }

    /// `canary` while the canary tenants run.
    public var label: String?
    public var finished: Int
    public var total: Int
    public var failed: Int
    public var elapsed: Double
    public var active: [Activity]
    /// Retries since the previous report.
    public var retries: [Retry]
    public var interruption: ApplyInterruption.Level

    /// Lines of each kind shown before folding into "and N more".
    public static let shown = 5
    /// A step this long is worth a line even when it does not wait for a lock.
    public static let slowStep: Double = 5

    public init(label: String? = nil, finished: Int, total: Int, failed: Int = 0, elapsed: Double,
                active: [Activity] = [], retries: [Retry] = [], interruption: ApplyInterruption.Level = .none) {
        self.label = label
        self.finished = finished
        self.total = total
        self.failed = failed
        self.elapsed = elapsed
        self.active = active
        self.retries = retries
        self.interruption = interruption
    }

    /// `applying: 108/300 tenants done, 2 failed, 4 in flight (12/s, ETA 16 s)`
    public var headline: String {
        var line = "applying\(label.map { " \($0)" } ?? ""): \(finished)/\(total) tenants done"
        if failed > 0 { line += ", \(failed) failed" }
        line += ", \(active.count) in flight"
        let rate = elapsed > 0 ? Double(finished) / elapsed : 0
        if interruption > .none {
            line += interruption == .cancelling ? "; interrupted twice: rolling back" : "; interrupted: no new tenant starts"
        } else if rate > 0 && finished < total {
            line += String(format: " (%.1f/s, ETA %@)", rate, Elapsed.text(Double(total - finished) / rate))
        }
        return line
    }

    /// Tenants waiting for a lock, longest first.
    var waiting: [Activity] {
        active.filter { $0.lockWait != nil }.sorted { $0.lockWait!.seconds > $1.lockWait!.seconds }
    }

    /// One line for a terminal: the headline and the longest lock wait.
    public var statusLine: String {
        guard let first = waiting.first, let wait = first.lockWait else { return headline }
        var line = headline + "; \(first.tenant.printable) waiting \(Elapsed.text(wait.seconds)) for a lock"
        if let relation = wait.relation { line += " on \(relation.printable)" }
        if let holder = wait.holders.first { line += " held by pid \(holder.pid)" }
        if waiting.count > 1 { line += " (\(waiting.count) waiting)" }
        return line
    }

    /// What a log shows: the headline, then `events`.
    public var lines: [String] { [headline] + events }

    /// Tenants waiting for a lock, steps that run long, and retries since the
    /// previous report; each kind capped at `shown` lines.
    public var events: [String] {
        let slow = active.filter { $0.lockWait == nil && $0.seconds >= Self.slowStep }.sorted { $0.seconds > $1.seconds }
        return Self.capped(waiting.map(Self.waitLine), "tenants waiting for locks")
            + Self.capped(slow.map(Self.slowLine), "tenants at a long step")
            + retryLines
    }

    /// The retries since the previous report, capped at `shown` lines.
    public var retryLines: [String] { Self.capped(retries.map(Self.retryLine), "retries") }

    static func capped(_ lines: [String], _ what: String) -> [String] {
        guard lines.count > shown else { return lines }
        return lines.prefix(shown) + ["  ... and \(lines.count - shown) more \(what)"]
    }

    static func slowLine(_ a: Activity) -> String {
        "  \(name(a.tenant, a.database)): \(a.step) for \(Elapsed.text(a.seconds)) (\(attempt(a.attempt, of: a.attempts)))"
    }

    static func waitLine(_ a: Activity) -> String {
        let wait = a.lockWait!
        var line = "  \(name(a.tenant, a.database)): waiting \(Elapsed.text(wait.seconds)) for a lock"
        if let relation = wait.relation { line += " on \(relation.printable)" }
        line += " (\(attempt(a.attempt, of: a.attempts)))"
        if !wait.holders.isEmpty { line += "; blocked by " + wait.holders.map(\.summary).joined(separator: "; ") }
        return line
    }

    static func retryLine(_ r: Retry) -> String {
        var line = "  \(name(r.tenant, r.database)): \(attempt(r.attempt, of: r.attempts)) failed"
        if let f = r.failure {
            line += ": " + (f.sqlState.isEmpty ? "" : "\(f.sqlState) ") + f.message.printable
        }
        line += "; trying again"
        if let left = r.budgetLeft { line += " (\(Elapsed.text(left)) of --lock-budget left)" }
        if !r.holders.isEmpty { line += "; blocked by " + r.holders.map(\.summary).joined(separator: "; ") }
        return line
    }

    /// `attempt 2 of 4`, or `attempt 2` when only the lock budget bounds the attempts.
    static func attempt(_ n: Int, of attempts: Int) -> String {
        attempts > 0 ? "attempt \(n) of \(attempts)" : "attempt \(n)"
    }

    static func name(_ tenant: String, _ database: String) -> String {
        (database == "main" ? tenant : "\(database)/\(tenant)").printable
    }
}
