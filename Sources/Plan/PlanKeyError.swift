import State

/// `TENANTPLAN_PLAN_KEY` is set, but not to a usable key.
public enum PlanKeyError: UserFacingError, Equatable {
    case empty
    case tooShort

    public var summary: String {
        switch self {
        case .empty: "\(PlanKey.environmentVariable) is set but empty"
        case .tooShort: "\(PlanKey.environmentVariable) is shorter than \(PlanKey.minimumLength) bytes"
        }
    }

    public var hint: String? {
        switch self {
        case .empty:
            "in CI, check that the secret exists and reaches this job; unset the variable to work without signed plans"
        case .tooShort:
            "use a random key of at least \(PlanKey.minimumLength) bytes, such as the output of `openssl rand -hex 32`, kept as a CI secret"
        }
    }

    public var nothingChanged: Bool { true }
}
