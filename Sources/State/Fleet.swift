/// The fleet, as declared in `tenants.yaml`: databases, listed tenants, discovery rules.
public struct Fleet: Sendable, Equatable {
    public var file: String
    public var version: Int
    /// In declaration order. Without a `databases:` key there is one, named `main`,
    /// reached through the default connection.
    public var databases: [DatabaseDeclaration]
    public var tenants: [TenantDeclaration]
    public var discover: [DiscoveryRule]
    public var exclude: [String]

    public static let defaultDatabaseName = "main"

    public init(file: String, version: Int = 1, databases: [DatabaseDeclaration] = [],
                tenants: [TenantDeclaration] = [], discover: [DiscoveryRule] = [], exclude: [String] = []) {
        self.file = file
        self.version = version
        self.databases = databases.isEmpty
            ? [DatabaseDeclaration(name: Fleet.defaultDatabaseName, connection: .default)] : databases
        self.tenants = tenants
        self.discover = discover
        self.exclude = exclude
    }
}

/// How to reach a database, without credentials.
public enum ConnectionSource: Sendable, Equatable, Codable {
    /// `--database-url`, else `DATABASE_URL`, else libpq's `PG*` environment.
    case `default`
    /// A libpq URL or connection string with no password in it.
    case url(String)
    /// The name of an environment variable that holds the URL.
    case urlEnv(String)
}

public struct DatabaseDeclaration: Sendable, Equatable {
    public var name: String
    public var connection: ConnectionSource
    public var location: SourceLocation?

    public init(name: String, connection: ConnectionSource, location: SourceLocation? = nil) {
        self.name = name
        self.connection = connection
        self.location = location
    }
}

public struct TenantDeclaration: Sendable, Equatable {
    public var name: String
    public var database: String
    public var location: SourceLocation?

    public init(name: String, database: String, location: SourceLocation? = nil) {
        self.name = name
        self.database = database
        self.location = location
    }
}

public struct DiscoveryRule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Schemas whose name matches an SQL `LIKE` pattern.
        case schemasLike(String)
        /// A query whose first column returns schema names.
        case query(String)
    }

    public var database: String
    public var kind: Kind
    public var location: SourceLocation?

    public init(database: String, kind: Kind, location: SourceLocation? = nil) {
        self.database = database
        self.kind = kind
        self.location = location
    }
}

/// Schema names that are never tenants.
public enum ReservedSchemas {
    /// Prefix of the schemas tenantplan itself creates (the scratch schema that
    /// canonicalises the declaration, always rolled back).
    public static let toolPrefix = "_tenantplan"

    /// Why `name` cannot be a tenant, or nil when it can.
    public static func reason(for name: String) -> String? {
        let lower = name.lowercased()
        if lower == "public" { return "'public' is the shared schema, never a tenant" }
        if lower == "information_schema" { return "'information_schema' is a system schema" }
        if lower.hasPrefix("pg_") { return "schemas starting with 'pg_' are reserved by PostgreSQL" }
        if lower.hasPrefix(toolPrefix) { return "schemas starting with '\(toolPrefix)' belong to tenantplan" }
        return nil
    }
}
