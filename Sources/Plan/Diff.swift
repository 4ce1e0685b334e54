import State

/// The outcome of diffing one actual state against the desired one.
public struct Diff: Sendable, Equatable {
    /// Ordered so that each change's dependencies come before it.
    public var changes: [Change]
    /// Changes left out: destructive ones without `--allow-destructive`, and ones
    /// tenantplan cannot make safely.
    public var held: [HeldChange]
    /// The state the tenant is in once `changes` have run: the desired state plus
    /// whatever `held` keeps. `apply` commits only if it finds exactly this.
    public var expected: SchemaState
    /// The state after the non-transactional changes alone (enum labels added),
    /// which `apply` commits first; nil when there are none.
    public var prelude: SchemaState?
    /// The changes in the order they run, cut into stages: each runs in one
    /// transaction, or (not `transactional`) statement by statement outside
    /// one, and leaves the tenant in `state`. Empty when there are no changes.
    public var stages: [Stage] = []

    public struct Stage: Sendable, Equatable {
        /// How many of `changes`, after those of the stages before.
        public var changes: Int
        public var transactional: Bool
        public var state: SchemaState
    }
}
