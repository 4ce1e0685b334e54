/// Which destructive changes a plan may make: none (the default), all
/// (`--allow-destructive`), or those some `--allow` selector matches.
///
/// A change is destructive when it loses data or drops an object `schema.yaml`
/// does not declare; the `Differ` asks the policy about each one and holds back
/// those it does not allow. Objects `ignore:` leaves alone never get this far.
public enum DestructivePolicy: Sendable, Equatable {
    case none
    case all
    case selectors([AllowSelector])

    /// `--allow-destructive` wins over selectors; no selectors allow nothing.
    public init(allowDestructive: Bool, selectors: [AllowSelector] = []) {
        if allowDestructive {
            self = .all
        } else if selectors.isEmpty {
            self = .none
        } else {
            self = .selectors(selectors)
        }
    }

    public func allows(_ target: DestructiveTarget) -> Bool {
        switch self {
        case .none: false
        case .all: true
        case .selectors(let selectors): selectors.contains { $0.matches(target) }
        }
    }
}
