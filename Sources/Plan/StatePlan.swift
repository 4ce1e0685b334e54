import State

/// What a tenant in one state needs: the diff of that state, without the states.
public struct StatePlan: Sendable {
    public var changes: [Change]
    public var held: [HeldChange]
    /// Fingerprint after the changes (the `from` fingerprint when there are none).
    public var to: String
    public var preludeTo: String?

    public init(_ diff: Diff, from: String) {
        changes = diff.changes
        held = diff.held
        to = diff.changes.isEmpty ? from : diff.expected.fingerprint
        preludeTo = diff.prelude?.fingerprint
    }
}
