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

    /// Where `conninfo(for:database:)` takes the settings of `source` from.
    public func origin(of source: ConnectionSource) -> ConnectionOrigin {
        switch source {
        case .default:
            if let databaseURL, !databaseURL.isEmpty { return .option }
            if let url = environment["DATABASE_URL"], !url.isEmpty { return .databaseURL }
            return .libpq(variables: environment.keys.filter { $0.hasPrefix("PG") }.sorted())
        case .url:
            return .url
        case .urlEnv(let name):
            return .urlEnv(name)
        }
    }

    public func connect(_ source: ConnectionSource, database: String) throws -> Connection {
        let info = try conninfo(for: source, database: database)
        do {
            return try Connection(info)
        } catch {
            // Connection's errors already have any password and URL taken out.
            throw PlanningError.cannotConnect(database: database, origin: origin(of: source), underlying: error)
        }
    }
}
