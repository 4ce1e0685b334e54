// MARK: - Row-level security, policies and grants (states)

/// A table's row-level security switches (`pg_class.relrowsecurity`,
/// `relforcerowsecurity`). A table with neither has none (`TableState.rowSecurity` nil).
public struct RowSecurityState: Sendable, Equatable, Codable {
    public var enabled: Bool
    /// Whether the table's owner is subject to its policies too.
    public var forced: Bool

    public init(enabled: Bool, forced: Bool = false) {
        self.enabled = enabled
        self.forced = forced
    }

    /// nil for a table with neither switch on.
    public static func of(enabled: Bool, forced: Bool) -> RowSecurityState? {
        enabled || forced ? RowSecurityState(enabled: enabled, forced: forced) : nil
    }
}

/// A row-level security policy as the server renders it (`pg_policy`).
public struct PolicyState: Sendable, Equatable, Codable {
    public var name: String
    /// `all`, `select`, `insert`, `update` or `delete`.
    public var command: String
    /// false for a restrictive policy.
    public var permissive: Bool
    /// Role names, sorted; `public` for the pseudo-role.
    public var roles: [String]
    /// `pg_get_expr(polqual, polrelid, true)` under the schema's own path.
    public var using: String?
    /// `pg_get_expr(polwithcheck, polrelid, true)` under the schema's own path.
    public var withCheck: String?
    public var comment: String?

    public init(name: String, command: String = "all", permissive: Bool = true, roles: [String] = ["public"],
                using: String? = nil, withCheck: String? = nil, comment: String? = nil) {
        self.name = name
        self.command = command
        self.permissive = permissive
        self.roles = roles.sorted()
        self.using = using
        self.withCheck = withCheck
        self.comment = comment
    }
}

/// The privileges one role holds on one object, read from its ACL with
/// `aclexplode`; the owner's own rights are not part of it (the owner's
/// privileges are not managed). Privileges are PostgreSQL's names in upper
/// case (`SELECT`, `USAGE`), sorted; `grantee` is `public` for the pseudo-role.
/// Grant options and grantors are not compared.
public struct GrantState: Sendable, Equatable, Codable {
    public var grantee: String
    public var privileges: [String]

    public init(grantee: String, privileges: [String]) {
        self.grantee = grantee
        self.privileges = Array(Set(privileges)).sorted()
    }
}

/// The privileges the schema owner's default privileges give one role on
/// what the owner creates later in the schema (`pg_default_acl`, `FOR ROLE` the
/// schema's owner, `IN SCHEMA` the schema): whichever role plans, the same rows.
public struct DefaultPrivilegeState: Sendable, Equatable, Codable {
    /// `tables`, `sequences`, `functions` or `types`.
    public var objects: String
    public var grantee: String
    public var privileges: [String]

    public init(objects: String, grantee: String, privileges: [String]) {
        self.objects = objects
        self.grantee = grantee
        self.privileges = Array(Set(privileges)).sorted()
    }

    public var sortKey: String { "\(objects)\u{0}\(grantee)" }
}

extension [GrantState] {
    /// Sorted by grantee, without grantees that hold nothing; nil when empty.
    public var normalizedGrants: [GrantState]? {
        let kept = filter { !$0.privileges.isEmpty }.sorted { $0.grantee < $1.grantee }
        return kept.isEmpty ? nil : kept
    }
}
