import Foundation
import Plan

/// What happened to one tenant during `apply`.
public enum Outcome: String, Codable, Sendable, CaseIterable {
    /// Its changes ran, were verified, and committed.
    case applied
    /// It was already in the state the plan leads to: nothing ran.
    case alreadyApplied = "already_applied"
    /// Its state no longer matches the state the plan was made from: untouched.
    case stale
    /// Its changes failed or did not verify: rolled back, untouched.
    case failed
    /// Not tried: the canary failed, the failure budget ran out, or the run was interrupted.
    case notStarted = "not_started"
    /// In sync when planned: nothing to do.
    case inSync = "in_sync"
    /// In flight when the run was interrupted and rolled back (not retried,
    /// or cancelled by a second interrupt): a re-run continues it.
    case interrupted

    /// Whether the tenant is in the desired state afterwards.
    public var isSuccess: Bool { self == .applied || self == .alreadyApplied || self == .inSync }

    public var label: String {
        switch self {
        case .applied: "applied"
        case .alreadyApplied: "already applied"
        case .stale: "stale"
        case .failed: "failed"
        case .notStarted: "not started"
        case .inSync: "in sync"
        case .interrupted: "interrupted"
        }
    }
}

public struct TenantResult: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var sqlState: String
        public var message: String
        public var detail: String?
        public var statement: String?
        /// For a lock timeout: how often the tenant waited, and who held the lock.
        public var lock: LockContention?

        public init(sqlState: String, message: String, detail: String? = nil, statement: String? = nil,
                    lock: LockContention? = nil) {
            self.sqlState = sqlState
            self.message = message
            self.detail = detail
            self.statement = statement
            self.lock = lock
        }

        enum CodingKeys: String, CodingKey { case sqlState = "sqlstate", message, detail, statement, lock }
    }

    public var database: String
    public var tenant: String
    public var outcome: Outcome
    public var changeSet: Int
    public var attempts: Int
    public var seconds: Double
    public var failure: Failure?
    /// Lock timeouts the tenant ran into over all its attempts; nil for none.
    public var lockTimeouts: Int?

    public init(database: String, tenant: String, outcome: Outcome, changeSet: Int, attempts: Int = 0,
                seconds: Double = 0, failure: Failure? = nil, lockTimeouts: Int = 0) {
        self.lockTimeouts = lockTimeouts > 0 ? lockTimeouts : nil
        self.database = database
        self.tenant = tenant
        self.outcome = outcome
        self.changeSet = changeSet
        self.attempts = attempts
        self.seconds = seconds
        self.failure = failure
    }

    enum CodingKeys: String, CodingKey {
        case database, tenant, outcome, changeSet = "change_set", attempts, seconds, failure,
             lockTimeouts = "lock_timeouts"
    }
}

/// The result of one `apply` run, tenant by tenant.
public struct ApplyReport: Codable, Sendable {
    public var formatVersion = 1
    public var results: [TenantResult]
    /// Why the run stopped starting tenants early, if it did.
    public var stoppedReason: String?
    /// Whether the run was interrupted (SIGINT, SIGTERM).
    public var interrupted: Bool
    /// What the run warns about (a lock timeout not below the server's `deadlock_timeout`, ...).
    public var warnings: [String]

    public init(results: [TenantResult], stoppedReason: String? = nil, interrupted: Bool = false,
                warnings: [String] = []) {
        self.results = results
        self.stoppedReason = stoppedReason
        self.interrupted = interrupted
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", results, stoppedReason = "stopped_reason", succeeded, counts, interrupted,
             warnings
    }

    /// Tenant names shown on a summary line before folding into "and N more".
    public static let tenantsShown = 10

    public var succeeded: Bool { results.allSatisfy { $0.outcome.isSuccess } }

    public func count(_ outcome: Outcome) -> Int { results.filter { $0.outcome == outcome }.count }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(succeeded, forKey: .succeeded)
        try c.encode(Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0.rawValue, count($0)) }), forKey: .counts)
        try c.encodeIfPresent(stoppedReason, forKey: .stoppedReason)
        if interrupted { try c.encode(true, forKey: .interrupted) }
        if !warnings.isEmpty { try c.encode(warnings, forKey: .warnings) }
        try c.encode(results, forKey: .results)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        results = try c.decode([TenantResult].self, forKey: .results)
        stoppedReason = try c.decodeIfPresent(String.self, forKey: .stoppedReason)
        interrupted = try c.decodeIfPresent(Bool.self, forKey: .interrupted) ?? false
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }

    /// The closing summary line.
    public var summaryLine: String {
        let parts = [Outcome.applied, .alreadyApplied, .stale, .failed, .notStarted].map { "\(count($0)) \($0.label)" }
        var line = "Apply: " + parts.joined(separator: ", ")
        let inSync = count(.inSync)
        if inSync > 0 { line += ", \(inSync) in sync" }
        let interrupted = count(.interrupted)
        if interrupted > 0 { line += ", \(interrupted) interrupted" }
        return line + "."
    }

    /// After an interrupt: what was left undone, and that a re-run continues.
    public var interruptionNote: String {
        let notStarted = count(.notStarted)
        let rolledBack = count(.interrupted)
        var left: [String] = []
        if notStarted > 0 { left.append("\(notStarted) tenant\(notStarted == 1 ? "" : "s") not started") }
        if rolledBack > 0 { left.append("\(rolledBack) rolled back") }
        if left.isEmpty { return "Interrupted: every tenant had started and finished; nothing was left undone by the interrupt." }
        return "Interrupted: " + left.joined(separator: ", ") + "; run the same apply again to continue."
    }

    /// Human report: each tenant that failed, is stale or was interrupted, with
    /// why; one line each for the tenants already applied and not started (names
    /// capped); then the summary. `verbose` lists every tenant on a line of its
    /// own. With `color`, failures are red, stale and interrupted tenants yellow.
    public func text(verbose: Bool = false, color: Bool = false) -> String {
        func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var lines: [String] = []
        let listed = results.filter { verbose || [.failed, .stale, .interrupted].contains($0.outcome) }
        let width = listed.map(\.tenant.count).max() ?? 0
        for r in listed {
            var head = r.outcome.label
            if r.database != "main" { head += " [\(r.database)]" }
            if let f = r.failure {
                let error = (f.sqlState.isEmpty ? "" : "\(f.sqlState) ") + f.message.printable
                head += r.outcome == .interrupted ? ": rolled back (\(error))" : ": " + error
            } else if r.outcome == .interrupted {
                head += ": rolled back"
            }
            if r.outcome == .stale { head += ": its state changed since the plan was made; plan again" }
            switch r.outcome {
            case .failed: head = paint(head, "31")
            case .stale, .interrupted: head = paint(head, "33")
            default: break
            }
            var line = "  \(r.tenant.printable.padding(toLength: max(width, 1), withPad: " ", startingAt: 0))  " + head
            if let f = r.failure {
                if let statement = f.statement {
                    line += "\n      statement: " + statement.replacingOccurrences(of: "\n", with: " ").printable
                }
                if let lock = f.lock {
                    for holder in lock.holders { line += "\n      blocked by: " + holder.summary }
                    line += "\n      hint: " + lock.hint
                }
            }
            lines.append(line)
        }
        if !verbose {
            for outcome in [Outcome.alreadyApplied, .notStarted] {
                if let line = namesLine(outcome) { lines.append(line) }
            }
        }
        if let line = lockTimeoutsLine { lines.append(line) }
        for warning in warnings { lines.append(paint("warning: " + warning, "33")) }
        if interrupted {
            lines.append(paint(interruptionNote, "33"))
        } else if let stoppedReason {
            lines.append("Stopped early: \(stoppedReason)")
        }
        lines.append(summaryLine)
        return lines.joined(separator: "\n")
    }

    /// `  waited out lock timeouts: 2 tenants: big (14 times), acme (once)`: the
    /// tenants that met a lock timeout and were brought to the desired state anyway
    /// (the failed ones say so on their own line), or nil when there are none.
    var lockTimeoutsLine: String? {
        let matching = results.filter { ($0.lockTimeouts ?? 0) > 0 && $0.outcome.isSuccess }
            .sorted { ($0.lockTimeouts!, $1.tenant) > ($1.lockTimeouts!, $0.tenant) }
        guard !matching.isEmpty else { return nil }
        let multi = Set(results.map(\.database)).count > 1
        let names = matching.map { r in
            (multi ? "\(r.database)/\(r.tenant)" : r.tenant).printable
                + (r.lockTimeouts == 1 ? " (once)" : " (\(r.lockTimeouts!) times)")
        }
        var shown = names.prefix(Self.tenantsShown).joined(separator: ", ")
        if names.count > Self.tenantsShown { shown += " and \(names.count - Self.tenantsShown) more" }
        return "  waited out lock timeouts: \(names.count) tenant\(names.count == 1 ? "" : "s"): " + shown
    }

    /// `  already applied: 12 tenants: a, b, ... and 2 more` (by name), or nil when there are none.
    func namesLine(_ outcome: Outcome) -> String? {
        let matching = results.filter { $0.outcome == outcome }
            .sorted { ($0.database, $0.tenant) < ($1.database, $1.tenant) }
        guard !matching.isEmpty else { return nil }
        let multi = Set(results.map(\.database)).count > 1
        let names = matching.map { (multi ? "\($0.database)/\($0.tenant)" : $0.tenant).printable }
        var shown = names.prefix(Self.tenantsShown).joined(separator: ", ")
        if names.count > Self.tenantsShown { shown += " and \(names.count - Self.tenantsShown) more" }
        return "  \(outcome.label): \(names.count) tenant\(names.count == 1 ? "" : "s"): " + shown
    }
}
