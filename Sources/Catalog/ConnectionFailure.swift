/// Why libpq could not connect, read from its message, so that the hint fits.
///
/// libpq reports a failed connection as text, without an SQLSTATE: the client's
/// own messages (`Connection refused`, `no password supplied`) and the server's
/// FATAL error. A message in another language, or a cause not listed here, is
/// `other` and gets the general hint.
public enum ConnectionFailure: Sendable, Equatable {
    /// Nothing listens at the host and port, or at the socket.
    case unreachable
    /// The host name does not resolve.
    case unknownHost
    /// The password is wrong or missing.
    case authentication
    /// The user does not exist.
    case unknownRole
    /// The database does not exist.
    case unknownDatabase
    case other

    public init(message: String) {
        func has(_ text: String) -> Bool { message.localizedCaseInsensitiveContains(text) }
        if has("Connection refused") || (has("on socket") && has("No such file or directory")) {
            self = .unreachable
        } else if has("could not translate host name") {
            self = .unknownHost
        } else if has("password authentication failed") || has("no password supplied")
                    || has("authentication failed for user") {
            self = .authentication
        } else if has("role \"") && has("\" does not exist") {
            self = .unknownRole
        } else if has("database \"") && has("\" does not exist") {
            self = .unknownDatabase
        } else {
            self = .other
        }
    }

    /// What to do, naming where the setting to fix comes from.
    public func hint(origin: ConnectionOrigin) -> String {
        switch self {
        case .unreachable:
            "is the server running and accepting connections there? Check "
                + origin.place(of: "the host and port", variables: "PGHOST and PGPORT")
        case .unknownHost:
            "check " + origin.place(of: "the host name", variables: "PGHOST")
        case .authentication:
            "check " + origin.place(of: "the user", variables: "PGUSER")
                + ", and its password in ~/.pgpass or PGPASSWORD (never in a URL or a file in the repository)"
        case .unknownRole:
            "check " + origin.place(of: "the user", variables: "PGUSER") + "; tenantplan never creates roles"
        case .unknownDatabase:
            "create the database, or fix " + origin.place(of: "the database name", variables: "PGDATABASE")
        case .other:
            "check the server is running and the connection settings; passwords belong in .pgpass or PGPASSWORD"
        }
    }
}
