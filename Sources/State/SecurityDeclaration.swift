// MARK: - Row-level security, policies and grants (declarations)

/// A table's `row_level_security: { enabled: bool, forced: bool }`.
public struct RowSecurityDeclaration: Sendable, Equatable {
    public var enabled: Bool
    public var forced: Bool
    public var location: SourceLocation?

    public init(enabled: Bool, forced: Bool = false, location: SourceLocation? = nil) {
        self.enabled = enabled
        self.forced = forced
        self.location = location
    }
}

/// A policy of a table's `policies:`.
public struct PolicyDeclaration: Sendable, Equatable {
    public enum Command: String, Sendable, Equatable, CaseIterable {
        case all, select, insert, update, delete

        public var sql: String { rawValue.uppercased() }
    }

    public var name: String
    public var command: Command
    public var permissive: Bool
    /// Role names as written; empty for `public` (the default).
    public var roles: [RoleName]
    /// SQL text, as written.
    public var using: String?
    public var withCheck: String?
    public var comment: String?
    public var location: SourceLocation?

    public init(name: String, command: Command = .all, permissive: Bool = true, roles: [RoleName] = [],
                using: String? = nil, withCheck: String? = nil, comment: String? = nil,
                location: SourceLocation? = nil) {
        self.name = name
        self.command = command
        self.permissive = permissive
        self.roles = roles
        self.using = using
        self.withCheck = withCheck
        self.comment = comment
        self.location = location
    }
}

/// A role named in schema.yaml, with where: roles are cluster-wide and never
/// created, so a missing one is an error at that place (see `DesiredState`).
public struct RoleName: Sendable, Equatable {
    public var name: String
    public var location: SourceLocation?

    public init(_ name: String, at location: SourceLocation? = nil) {
        self.name = name
        self.location = location
    }

    /// The pseudo-role every role belongs to.
    public var isPublic: Bool { name == "public" }
}

/// One role's privileges in a `grants:` mapping (`app_user: [select, insert]`).
public struct GrantDeclaration: Sendable, Equatable {
    public var role: RoleName
    /// Upper-case privilege names, in the order written; `all` is expanded to
    /// every privilege of the object kind.
    public var privileges: [String]

    public init(role: RoleName, privileges: [String]) {
        self.role = role
        self.privileges = privileges
    }
}

/// The top-level `grants:`: on the schema, and the schema owner's default
/// privileges in it. A key that is absent leaves those privileges unmanaged.
public struct SchemaGrantsDeclaration: Sendable, Equatable {
    /// nil: the schema's grants are not managed.
    public var schema: [GrantDeclaration]?
    /// By object kind (`tables`, `sequences`, `functions`, `types`); nil: not managed.
    public var defaultPrivileges: [String: [GrantDeclaration]]?

    public init(schema: [GrantDeclaration]? = nil, defaultPrivileges: [String: [GrantDeclaration]]? = nil) {
        self.schema = schema
        self.defaultPrivileges = defaultPrivileges
    }
}

/// The privileges each kind of object takes, in PostgreSQL's names (lower
/// case as schema.yaml writes them); `all` stands for the whole list.
/// Views and sequences hook in by adding their kind here and a `grants:` key.
public enum PrivilegeKind: String, Sendable, CaseIterable {
    case table, schema, sequence, function, type

    public var privileges: [String] {
        switch self {
        case .table: ["select", "insert", "update", "delete", "truncate", "references", "trigger"]
        case .schema: ["usage", "create"]
        case .sequence: ["usage", "select", "update"]
        case .function: ["execute"]
        case .type: ["usage"]
        }
    }

    /// The kind that a `default_privileges:` key is about.
    public static func ofDefaults(_ key: String) -> PrivilegeKind? {
        switch key {
        case "tables": .table
        case "sequences": .sequence
        case "functions": .function
        case "types": .type
        default: nil
        }
    }

    /// `TABLES`, as `ALTER DEFAULT PRIVILEGES ... ON TABLES` writes it.
    public static let defaultObjects = ["tables", "sequences", "functions", "types"]
}
