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
            var safe = error
            safe.message = Self.scrub(error.message, conninfo: info)
            throw PlanningError.cannotConnect(database: database, source: source.summary, underlying: safe)
        }
    }

    /// `message` without the password or the URL of `conninfo`.
    ///
    /// libpq echoes parts of a connection string it cannot parse: a password with a
    /// bad percent escape comes back whole (`invalid percent-encoded token: "..."`),
    /// and some URI errors quote the entire URI. A password is replaced wherever it
    /// stands quoted, and anywhere once it is long enough not to be an ordinary word.
    static func scrub(_ message: String, conninfo: String) -> String {
        var out = message
        for secret in passwords(in: conninfo) where !secret.isEmpty {
            out = out.replacingOccurrences(of: "\"\(secret)\"", with: "\"***\"")
            if secret.count >= 4 { out = out.replacingOccurrences(of: secret, with: "***") }
        }
        if let uri = try? NSRegularExpression(pattern: #"postgres(ql)?://[^\s"]*"#, options: [.caseInsensitive]) {
            out = uri.stringByReplacingMatches(
                in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "(the URL)")
        }
        return out
    }

    /// The passwords a libpq connection string may carry, as written and percent-decoded.
    ///
    /// See https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING.
    static func passwords(in conninfo: String) -> [String] {
        var found: [String] = []
        func add(_ raw: Substring) {
            found.append(String(raw))
            if let decoded = raw.removingPercentEncoding { found.append(decoded) }
        }
        if let scheme = conninfo.range(of: "://") {
            let rest = conninfo[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                add(authority[authority.index(after: colon)..<at])
            }
            if let query = rest.firstIndex(of: "?") {
                for parameter in rest[rest.index(after: query)...].split(separator: "&")
                where parameter.lowercased().hasPrefix("password=") {
                    add(parameter.dropFirst("password=".count))
                }
            }
        } else if let regex = try? NSRegularExpression(pattern: #"(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'?|\S+)"#) {
            for match in regex.matches(in: conninfo, range: NSRange(conninfo.startIndex..., in: conninfo)) {
                guard let range = Range(match.range(at: 1), in: conninfo) else { continue }
                let value = conninfo[range]
                found.append(String(value))
                if value.hasPrefix("'") {
                    found.append(String(value.dropFirst().dropLast(value.count > 1 && value.hasSuffix("'") ? 1 : 0)))
                }
            }
        }
        return found.sorted { $0.count > $1.count }
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

/// Errors of planning and applying that are not about one tenant.
public enum PlanningError: Error, CustomStringConvertible {
    case missingEnvironment(database: String, variable: String)
    case cannotConnect(database: String, source: String, underlying: PostgresError)
    case declarationRejected(InputError, server: PostgresError)
    case unknownTenant(String, file: String)
    case database(String, PostgresError)
    case discovery(DiscoveryRule, PostgresError)
    case other(String)

    public var description: String {
        switch self {
        case .missingEnvironment(let database, let variable):
            return "error: database '\(database)': the environment variable \(variable) is not set\n  hint: export \(variable) with the database's URL (no password: use .pgpass or PGPASSWORD)"
        case .cannotConnect(let database, let source, let underlying):
            return "error: cannot connect to database '\(database)' through \(source): \(underlying.message)\n  hint: check the server is running and the connection settings; passwords belong in .pgpass or PGPASSWORD"
        case .declarationRejected(let input, _):
            return input.description
        case .unknownTenant(let name, let file):
            return "error: --tenant \(name): no such tenant in \(file)\n  hint: list it under tenants: or make a discover: rule find it"
        case .database(let database, let error):
            return "error: database '\(database)': \(error)"
        case .discovery(let rule, let error):
            let place = rule.location.map { "\($0): " } ?? ""
            return "\(place)error: discovery in database '\(rule.database)' failed: \(error.message)\n  hint: fix the discover: rule; a query must return schema names in its first column"
        case .other(let text):
            return "error: \(text)"
        }
    }
}
