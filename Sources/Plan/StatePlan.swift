import State

/// What a tenant in one state needs: the diff of that state, without the states.
public struct StatePlan: Sendable {
    public var changes: [Change]
    public var held: [HeldChange]
    /// Fingerprint after the changes (the `from` fingerprint when there are none).
    public var to: String
    /// The stages the changes run in, each with the fingerprint it leads to;
    /// nil when there are no changes.
    public var steps: [PlanFile.StepEntry]?

    public init(_ diff: Diff, from: String) {
        changes = diff.changes
        held = diff.held
        to = diff.changes.isEmpty ? from : diff.expected.fingerprint
        steps = diff.changes.isEmpty ? nil : diff.stages.map {
            PlanFile.StepEntry(changes: $0.changes, transactional: $0.transactional, to: $0.state.fingerprint)
        }
    }
}
