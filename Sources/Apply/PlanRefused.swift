import State

/// A plan that must not be applied: nothing was changed.
public struct PlanRefused: UserFacingError {
    public var message: String
    public var hint: String?

    public var summary: String { message }
    public var nothingChanged: Bool { true }
}
