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
    /// The same changes in the single-transaction form, when the plan above is
    /// online and differs from it: `Planner` chooses per tenant (`FormChoice`).
    public var singleTransaction: Form?

    /// Changes and their stages in one of the two forms.
    public struct Form: Sendable, Equatable {
        public var changes: [Change]
        public var steps: [PlanFile.StepEntry]?
    }

    public init(_ diff: Diff, from: String) {
        changes = diff.changes
        held = diff.held
        to = diff.changes.isEmpty ? from : diff.expected.fingerprint
        steps = diff.changes.isEmpty ? nil : diff.stages.map {
            PlanFile.StepEntry(changes: $0.changes, transactional: $0.transactional, to: $0.state.fingerprint)
        }
    }

    /// The plan of `diff` (online), with `singleTransaction` from the diff of
    /// the same state in the single-transaction form when it differs.
    public init(_ diff: Diff, singleTransaction single: Diff, from: String) {
        self.init(diff, from: from)
        let other = StatePlan(single, from: from)
        if other.changes != changes || other.steps != steps {
            singleTransaction = Form(changes: other.changes, steps: other.steps)
        }
    }

    /// The form a tenant gets: `online` false picks the single-transaction one when there is one.
    public func form(online: Bool) -> Form {
        if !online, let singleTransaction { return singleTransaction }
        return Form(changes: changes, steps: steps)
    }

    /// The tables of the tenant's schema that the changes scan or rewrite, in
    /// either form: their sizes are what the plan records and chooses by.
    public var scannedTables: Set<String> {
        var tables = FormChoice.scannedTables(changes)
        if let singleTransaction { tables.formUnion(FormChoice.scannedTables(singleTransaction.changes)) }
        return tables
    }
}
