/// The state after a tenant's changes is not the one the plan leads to.
struct VerificationFailure: Sendable, Equatable, CustomStringConvertible {
    var expected: String
    var found: String

    var description: String {
        "verification failed: after the changes the tenant's state (fingerprint \(found.prefix(12))) is not the planned state (\(expected.prefix(12))); rolled back, nothing changed. Plan again and report this as a tenantplan bug if it repeats"
    }
}
