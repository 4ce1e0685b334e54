import Foundation
import Postgres
import State

/// Turns a database's `ConnectionSource` into a libpq connection string.
///
/// The default connection is `--database-url`, else `DATABASE_URL`, else an
/// empty string, which lets libpq read `PGHOST`, `PGDATABASE`, `.pgpass` and
/// service files by itself. Connection strings never leave this type except
/// into `Connection`; errors name the database and the source, not the URL.
public struct ConnectionResolver: Sendable {
    public var databaseURL: String?
    public var environment: [String: String]

    public init(databaseURL: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.databaseURL = databaseURL
        self.environment = environment
    }

    public func conninfo(for source: ConnectionSource, database: String) throws -> String {
        switch source {
        case .default:
            if let databaseURL, !databaseURL.isEmpty { return databaseURL }
            if let url = environment["DATABASE_URL"], !url.isEmpty { return url }
            return ""
        case .url(let url):
            return url
        case .urlEnv(let name):
            guard let url = environment[name], !url.isEmpty else {
                throw PlanningError.missingEnvironment(database: database, variable: name)
            }
            return url
        }
    }

    public func connect(_ source: ConnectionSource, database: String) throws -> Connection {
        let info = try conninfo(for: source, database: database)
        do {
            return try Connection(info)
        } catch {
            // Connection's errors already have any password and URL taken out.
            throw PlanningError.cannotConnect(database: database, source: source.summary, underlying: error)
        }
    }
}

extension ConnectionSource {
    /// Where the connection comes from, safe to print.
    public var summary: String {
        switch self {
        case .default: "the default connection (--database-url, DATABASE_URL or PG* variables)"
        case .url: "the url in tenants.yaml"
        case .urlEnv(let name): "$\(name)"
        }
    }
}
