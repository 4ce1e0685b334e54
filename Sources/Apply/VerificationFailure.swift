import State

/// The state after a tenant's changes is not the one the plan leads to.
///
/// It is one tenant's failure, told on that tenant's line of the apply report;
/// the tenant's transaction was rolled back, but other tenants may have changed.
struct VerificationFailure: UserFacingError, Equatable {
    var expected: String
    var found: String
    /// The changes ran outside a transaction (`CREATE INDEX CONCURRENTLY`...):
    /// nothing could be rolled back, the tenant stays in the state found.
    var outsideTransaction = false
    /// The changes committed before the state was read (a stage of `NOT VALID`
    /// constraints, whose state the next stage reads): nothing could be rolled
    /// back, the tenant stays in the state found.
    var committedFirst = false

    var summary: String {
        if committedFirst {
            return "verification failed: after a step that commits before it is checked (NOT VALID constraints) "
                + "the tenant's state (fingerprint \(found.prefix(12))) is not the planned state "
                + "(\(expected.prefix(12))); it cannot be rolled back and stays as found"
        }
        if outsideTransaction {
            return "verification failed: after a step that runs outside a transaction the tenant's state "
                + "(fingerprint \(found.prefix(12))) is not the planned state (\(expected.prefix(12))); "
                + "it cannot be rolled back and stays as found"
        }
        return "verification failed: after the changes the tenant's state (fingerprint \(found.prefix(12))) "
            + "is not the planned state (\(expected.prefix(12))); rolled back, nothing changed"
    }

    var hint: String? {
        outsideTransaction || committedFirst
            ? "plan again: the new plan takes the tenant from where it is; report this as a tenantplan bug if it repeats"
            : "plan again, and report this as a tenantplan bug if it repeats"
    }

    /// One line, for the tenant's entry in the report.
    var description: String { ErrorFormatter.line(self) }
}
