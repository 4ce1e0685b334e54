import Postgres
import State

/// Errors of planning and applying that are not about one tenant.
public enum PlanningError: UserFacingError {
    case missingEnvironment(database: String, variable: String)
    case cannotConnect(database: String, source: String, underlying: PostgresError)
    case declarationRejected(InputError, server: PostgresError)
    case unknownTenant(String, file: String)
    case database(String, PostgresError)
    case discovery(DiscoveryRule, PostgresError)

    public var summary: String {
        switch self {
        case .missingEnvironment(let database, let variable):
            "database '\(database)': the environment variable \(variable) is not set"
        case .cannotConnect(let database, let source, let underlying):
            "cannot connect to database '\(database)' through \(source): \(underlying.message)"
        case .declarationRejected(let input, _):
            input.summary
        case .unknownTenant(let name, let file):
            "--tenant \(name): no such tenant in \(file)"
        case .database(let database, let error):
            "database '\(database)': \(error.summary)"
        case .discovery(let rule, let error):
            "discovery in database '\(rule.database)' failed: \(error.message)"
        }
    }

    public var location: SourceLocation? {
        switch self {
        case .declarationRejected(let input, _): input.location
        case .discovery(let rule, _): rule.location
        default: nil
        }
    }

    public var place: String? {
        if case .declarationRejected(let input, _) = self { return input.place }
        return location?.description
    }

    public var detail: String? {
        if case .database(_, let error) = self { return error.detail }
        return nil
    }

    public var hint: String? {
        switch self {
        case .missingEnvironment(_, let variable):
            "export \(variable) with the database's URL (no password: use .pgpass or PGPASSWORD)"
        case .cannotConnect:
            "check the server is running and the connection settings; passwords belong in .pgpass or PGPASSWORD"
        case .declarationRejected(let input, _):
            input.hint
        case .unknownTenant:
            "list it under tenants: or make a discover: rule find it"
        case .database(_, let error):
            error.hint
        case .discovery:
            "fix the discover: rule; a query must return schema names in its first column"
        }
    }

    /// Connecting fails for one tenant's connection as well as before any tenant:
    /// such an error cannot say that nothing was changed.
    public var nothingChanged: Bool {
        switch self {
        case .missingEnvironment, .cannotConnect: false
        case .declarationRejected, .unknownTenant, .database, .discovery: true
        }
    }
}
