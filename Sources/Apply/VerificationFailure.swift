import State

/// The state after a tenant's changes is not the one the plan leads to.
///
/// It is one tenant's failure, told on that tenant's line of the apply report;
/// the tenant's transaction was rolled back, but other tenants may have changed.
struct VerificationFailure: UserFacingError, Equatable {
    var expected: String
    var found: String

    var summary: String {
        "verification failed: after the changes the tenant's state (fingerprint \(found.prefix(12))) "
            + "is not the planned state (\(expected.prefix(12))); rolled back, nothing changed"
    }

    var hint: String? { "plan again, and report this as a tenantplan bug if it repeats" }

    /// One line, for the tenant's entry in the report.
    var description: String { ErrorFormatter.line(self) }
}
