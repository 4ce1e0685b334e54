import Plan
import State

/// Why `provision` refuses a tenant before touching any database.
public enum ProvisionError: UserFacingError, Equatable {
    /// Empty, holds a NUL byte, or longer than PostgreSQL's 63 bytes.
    case invalidName(String, reason: String)
    /// `public`, `pg_*`, `information_schema`, tenantplan's own schemas.
    case reservedName(String, reason: String)
    /// Named under `exclude:` in tenants.yaml.
    case excluded(String, file: String)
    /// `--database` names no database of tenants.yaml.
    case unknownDatabase(String, known: [String], file: String)
    /// tenants.yaml declares several databases and `--database` was not given.
    case ambiguousDatabase(known: [String], file: String)
    /// The tenant is listed in tenants.yaml under another database than `--database`.
    case listedElsewhere(String, listed: String, requested: String, location: SourceLocation?)

    public var summary: String {
        switch self {
        case .invalidName(let name, let reason):
            "'\(name.printable)' cannot be a tenant: \(reason)"
        case .reservedName(let name, let reason):
            "'\(name.printable)' cannot be a tenant: \(reason)"
        case .excluded(let name, let file):
            "'\(name.printable)' is excluded in \(file) (exclude:), so it is never a tenant"
        case .unknownDatabase(let name, let known, let file):
            "--database \(name.printable): no such database in \(file) (it declares \(Self.list(known)))"
        case .ambiguousDatabase(let known, let file):
            "\(file) declares \(known.count) databases (\(Self.list(known))): which one should hold the tenant?"
        case .listedElsewhere(let name, let listed, let requested, _):
            "tenant '\(name.printable)' is listed in database '\(listed)', not '\(requested)'"
        }
    }

    public var location: SourceLocation? {
        if case .listedElsewhere(_, _, _, let location) = self { return location }
        return nil
    }

    public var hint: String? {
        switch self {
        case .invalidName:
            "choose a schema name of 1 to 63 bytes"
        case .reservedName:
            "tenants are the application's own schemas: choose another name"
        case .excluded:
            "choose another name, or remove it from exclude:"
        case .unknownDatabase, .ambiguousDatabase:
            "pass --database with one of the names under databases: in the tenants file"
        case .listedElsewhere(_, let listed, _, _):
            "pass --database \(listed), or leave --database out"
        }
    }

    public var nothingChanged: Bool { true }

    static func list(_ names: [String]) -> String { names.map { "'\($0)'" }.joined(separator: ", ") }
}

/// The tenant's schema exists and is not in the declared state: `provision`
/// touched nothing. Bringing it there is a job for a reviewed `plan` and `apply`.
public struct ProvisionDiffers: UserFacingError, Equatable {
    public var tenant: String
    public var database: String
    /// What a plan would do, one line each: `+ column orders.coupon`, `! column x: reason`.
    public var differences: [String]

    public var summary: String {
        "tenant '\(tenant.printable)' already exists in database '\(database)' and differs from the declaration"
    }

    public var detail: String? {
        (["a plan for it holds:"] + differences.map { "    \($0)" }).joined(separator: "\n")
    }

    public var hint: String? {
        "provision creates new tenants only: bring this one to the declaration with "
            + "`tenantplan plan --tenant \(tenant.printable)` and `tenantplan apply`"
    }

    public var nothingChanged: Bool { true }
}
