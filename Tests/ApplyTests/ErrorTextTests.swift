@testable import Apply
import State
import Testing

/// Errors of apply, told through the one formatter.
@Suite struct ApplyErrorTextTests {
    @Test func aRefusedPlanSaysNothingWasChanged() {
        let refused = PlanRefused(message: "the plan was made for another database", hint: "plan again")
        #expect(refused.description == """
            error: the plan was made for another database
              hint: plan again
            1 error; nothing was changed in any database.
            """)
    }

    @Test func aVerificationFailureIsOneLineOfTheReport() {
        let failure = VerificationFailure(expected: String(repeating: "a", count: 64), found: String(repeating: "b", count: 64))
        #expect(failure.description == "verification failed: after the changes the tenant's state (fingerprint bbbbbbbbbbbb) "
            + "is not the planned state (aaaaaaaaaaaa); rolled back, nothing changed; "
            + "hint: plan again, and report this as a tenantplan bug if it repeats")
        #expect(!failure.nothingChanged)
    }
}
