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
    /// Not tried: the canary failed or the failure budget ran out.
    case notStarted = "not_started"
    /// In sync when planned: nothing to do.
    case inSync = "in_sync"

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
        }
    }
}

public struct TenantResult: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var sqlState: String
        public var message: String
        public var detail: String?
        public var statement: String?

        public init(sqlState: String, message: String, detail: String? = nil, statement: String? = nil) {
            self.sqlState = sqlState
            self.message = message
            self.detail = detail
            self.statement = statement
        }

        enum CodingKeys: String, CodingKey { case sqlState = "sqlstate", message, detail, statement }
    }

    public var database: String
    public var tenant: String
    public var outcome: Outcome
    public var changeSet: Int
    public var attempts: Int
    public var seconds: Double
    public var failure: Failure?

    public init(database: String, tenant: String, outcome: Outcome, changeSet: Int, attempts: Int = 0,
                seconds: Double = 0, failure: Failure? = nil) {
        self.database = database
        self.tenant = tenant
        self.outcome = outcome
        self.changeSet = changeSet
        self.attempts = attempts
        self.seconds = seconds
        self.failure = failure
    }

    enum CodingKeys: String, CodingKey {
        case database, tenant, outcome, changeSet = "change_set", attempts, seconds, failure
    }
}

/// The result of one `apply` run, tenant by tenant.
public struct ApplyReport: Codable, Sendable {
    public var formatVersion = 1
    public var results: [TenantResult]
    /// Why the run stopped starting tenants early, if it did.
    public var stoppedReason: String?

    public init(results: [TenantResult], stoppedReason: String? = nil) {
        self.results = results
        self.stoppedReason = stoppedReason
    }

    enum CodingKeys: String, CodingKey { case formatVersion = "format_version", results, stoppedReason = "stopped_reason", succeeded, counts }

    public var succeeded: Bool { results.allSatisfy { $0.outcome.isSuccess } }

    public func count(_ outcome: Outcome) -> Int { results.filter { $0.outcome == outcome }.count }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(succeeded, forKey: .succeeded)
        try c.encode(Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0.rawValue, count($0)) }), forKey: .counts)
        try c.encodeIfPresent(stoppedReason, forKey: .stoppedReason)
        try c.encode(results, forKey: .results)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        results = try c.decode([TenantResult].self, forKey: .results)
        stoppedReason = try c.decodeIfPresent(String.self, forKey: .stoppedReason)
    }

    /// The closing summary line.
    public var summaryLine: String {
        let parts = [Outcome.applied, .alreadyApplied, .stale, .failed, .notStarted].map { "\(count($0)) \($0.label)" }
        var line = "Apply: " + parts.joined(separator: ", ")
        let inSync = count(.inSync)
        if inSync > 0 { line += ", \(inSync) in sync" }
        return line + "."
    }

    /// Human report: every tenant that did not simply succeed, then the summary.
    public func text(verbose: Bool = false) -> String {
        var lines: [String] = []
        let width = results.map(\.tenant.count).max() ?? 0
        for r in results where verbose || !(r.outcome == .applied || r.outcome == .inSync) {
            var line = "  \(r.tenant.printable.padding(toLength: max(width, 1), withPad: " ", startingAt: 0))  \(r.outcome.label)"
            if r.database != "main" { line += " [\(r.database)]" }
            if let f = r.failure {
                line += ": " + (f.sqlState.isEmpty ? "" : "\(f.sqlState) ") + f.message.printable
                if let statement = f.statement {
                    line += "\n      statement: " + statement.replacingOccurrences(of: "\n", with: " ").printable
                }
            }
            if r.outcome == .stale { line += ": its state changed since the plan was made; plan again" }
            lines.append(line)
        }
        if let stoppedReason { lines.append("Stopped early: \(stoppedReason)") }
        lines.append(summaryLine)
        return lines.joined(separator: "\n")
    }
}
