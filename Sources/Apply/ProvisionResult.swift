import Foundation
import Plan
import State

/// What `tenantplan provision` did with one tenant, as text for people and as
/// one JSON object for the application that called it.
public struct ProvisionResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// The schema and every declared object were created and verified, in one transaction.
        case created
        /// The schema existed already, in the declared state: nothing ran.
        case alreadyProvisioned = "already_provisioned"
        /// The schema existed already and differs from the declaration: nothing ran (exit 1).
        case differs
    }

    public var tenant: String
    /// The database's name in tenants.yaml.
    public var database: String
    public var outcome: Outcome
    /// Wall-clock time of the whole call: files, connection, desired state, transaction.
    public var seconds: Double
    /// The tenant's state afterwards (the declared state unless it `differs`).
    public var fingerprint: String
    /// Statements run (0 unless `created`).
    public var changes: Int
    /// Transactions started: 1, more after a lock timeout, deadlock or a schema
    /// created meanwhile by something else.
    public var attempts: Int
    /// Whether the next `plan` manages the tenant: listed in tenants.yaml, or
    /// found by one of its discover: rules.
    public var managed: Bool
    /// What a plan would change, when it `differs`; one line each.
    public var differences: [String]
    /// Things the caller should know, such as a tenant the next plan will not manage.
    public var notes: [String]

    public init(tenant: String, database: String, outcome: Outcome, seconds: Double, fingerprint: String,
                changes: Int = 0, attempts: Int = 1, managed: Bool = true, differences: [String] = [], notes: [String] = []) {
        self.tenant = tenant
        self.database = database
        self.outcome = outcome
        self.seconds = seconds
        self.fingerprint = fingerprint
        self.changes = changes
        self.attempts = attempts
        self.managed = managed
        self.differences = differences
        self.notes = notes
    }

    /// Created, or found already provisioned: exit 0.
    public var succeeded: Bool { outcome != .differs }

    /// The error `provision` reports when the tenant differs; nil otherwise.
    public var failure: ProvisionDiffers? {
        outcome == .differs ? ProvisionDiffers(tenant: tenant, database: database, differences: differences) : nil
    }

    /// One line, then a line per note.
    public func text() -> String {
        let who = "tenant \(tenant.printable) in database \(database.printable)"
        var lines: [String]
        switch outcome {
        case .created:
            lines = ["Provisioned \(who): \(changes) changes, verified and committed in \(Self.format(seconds)) s."]
        case .alreadyProvisioned:
            lines = ["Already provisioned: \(who) is in sync with the declaration; nothing was changed."]
        case .differs:
            lines = [failure!.summary + "; nothing was changed."] + differences.map { "    \($0)" }
        }
        return (lines + notes.map { "note: \($0)" }).joined(separator: "\n")
    }

    /// One JSON object on one line, keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var copy = self
        copy.seconds = (seconds * 1000).rounded() / 1000
        return String(decoding: try encoder.encode(copy), as: UTF8.self)
    }

    static func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
}
