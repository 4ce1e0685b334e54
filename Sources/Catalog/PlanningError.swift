import Foundation
import Postgres
import State

/// Errors of planning and applying that are not about one tenant.
public enum PlanningError: UserFacingError {
    case missingEnvironment(database: String, variable: String)
    case cannotConnect(database: String, origin: ConnectionOrigin, underlying: PostgresError)
    case declarationRejected(InputError, server: PostgresError)
    /// `closest`: the fleet's tenant that the name most likely means.
    case unknownTenant(String, file: String, closest: String? = nil)
    case database(String, PostgresError)
    case discovery(DiscoveryRule, PostgresError)

    public var summary: String {
        switch self {
        case .missingEnvironment(let database, let variable):
            "database '\(database)': the environment variable \(variable) is not set"
        case .cannotConnect(let database, let origin, let underlying):
            "cannot connect to database '\(database)' through \(origin.description): \(Self.lines(of: underlying).first)"
        case .declarationRejected(let input, _):
            input.summary
        case .unknownTenant(let name, let file, _):
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
        switch self {
        case .database(_, let error):
            return error.detail
        case .cannotConnect(_, _, let underlying) where ConnectionFailure(message: underlying.message) == .other:
            // libpq's own second line ("Is the server running ...?"), when the hint does not say it.
            let rest = Self.lines(of: underlying).rest
            return rest.isEmpty ? nil : rest
        default:
            return nil
        }
    }

    /// libpq's message of a failed connection: its first line, and the lines after it joined.
    private static func lines(of error: PostgresError) -> (first: String, rest: String) {
        let lines = error.message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return (lines.first ?? error.message, lines.dropFirst().filter { !$0.isEmpty }.joined(separator: " "))
    }

    public var hint: String? {
        switch self {
        case .missingEnvironment(_, let variable):
            "export \(variable) with the database's URL (no password: use .pgpass or PGPASSWORD)"
        case .cannotConnect(_, let origin, let underlying):
            ConnectionFailure(message: underlying.message).hint(origin: origin)
        case .declarationRejected(let input, _):
            input.hint
        case .unknownTenant(_, _, let closest?):
            "did you mean '\(closest)'?"
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
