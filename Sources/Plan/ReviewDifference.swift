/// What a fresh plan holds that the reviewed plan did not (`plan --reviewed`).
///
/// Made by `PlanFile.newSince(reviewed:file:)`. Empty means the fresh plan may be
/// applied without another review: every change it makes to a tenant was
/// reviewed for that tenant, and it allows nothing more.
public struct ReviewDifference: Sendable, Equatable, Codable {
    /// What the fresh plan allows that the reviewed one did not, as the flags
    /// that allowed it (`--allow-destructive`).
    public var allowedBeyondReview: [String]
    /// The new changes, by fresh change set and by what the review said of the tenants.
    public var groups: [Group]

    public init(allowedBeyondReview: [String] = [], groups: [Group] = []) {
        self.allowedBeyondReview = allowedBeyondReview
        self.groups = groups
    }

    public var isEmpty: Bool { allowedBeyondReview.isEmpty && groups.isEmpty }

    /// Tenants with at least one new change.
    public var tenantCount: Int { groups.reduce(0) { $0 + $1.tenantCount } }

    /// What the reviewed plan said about a tenant.
    public enum Reviewed: String, Sendable, Equatable, Codable {
        /// The tenant had changes, but not these.
        case otherChanges = "other_changes"
        /// The tenant was in sync: nothing was to run.
        case inSync = "in_sync"
        /// The tenant was not in the reviewed plan (created or discovered since,
        /// in another database, or left out by `--tenant`).
        case absent
    }

    /// Tenants of one fresh change set that have the same new changes and were
    /// in the same situation in the reviewed plan.
    public struct Group: Sendable, Equatable, Codable {
        /// The fresh plan's change set.
        public var changeSet: Int
        public var reviewed: Reviewed
        /// The changes of that set that the review did not hold for these
        /// tenants, in plan order.
        public var changes: [Change]
        /// Tenant names by database name.
        public var tenants: [String: [String]]

        public init(changeSet: Int, reviewed: Reviewed, changes: [Change], tenants: [String: [String]]) {
            self.changeSet = changeSet
            self.reviewed = reviewed
            self.changes = changes
            self.tenants = tenants
        }

        public var tenantCount: Int { tenants.values.reduce(0) { $0 + $1.count } }

        enum CodingKeys: String, CodingKey {
            case changeSet = "change_set", reviewed, changes, tenants
        }
    }

    enum CodingKeys: String, CodingKey {
        case allowedBeyondReview = "allowed_beyond_review", groups
    }
}
