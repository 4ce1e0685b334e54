/// Where the connection settings of a database came from, safe to print: the
/// place a user fixes when the connection fails.
public enum ConnectionOrigin: Sendable, Equatable, CustomStringConvertible {
    /// `--database-url`.
    case option
    /// The `DATABASE_URL` environment variable.
    case databaseURL
    /// libpq's own environment and defaults: the names of the `PG*` variables that
    /// are set (`PGHOST`, `PGPORT`, ...), never their values.
    case libpq(variables: [String])
    /// `url:` of the database in `tenants.yaml`.
    case url
    /// `url_env:` of the database in `tenants.yaml`: the variable's name.
    case urlEnv(String)

    /// `--database-url`, `DATABASE_URL`, `$EU_DATABASE_URL`, `the url: in tenants.yaml`,
    /// `libpq's PG* environment (PGHOST, PGPORT)` or `libpq's defaults (no PG* variable is set)`.
    public var description: String {
        switch self {
        case .option: "--database-url"
        case .databaseURL: "DATABASE_URL"
        case .libpq(let variables) where variables.isEmpty: "libpq's defaults (no PG* variable is set)"
        case .libpq(let variables): "libpq's PG* environment (\(variables.joined(separator: ", ")))"
        case .url: "the url: in tenants.yaml"
        case .urlEnv(let name): "$\(name)"
        }
    }

    /// Where to fix `setting` ("the host and port"): `the host and port in DATABASE_URL`;
    /// for libpq's environment, the variables that hold it (`PGHOST and PGPORT`).
    func place(of setting: String, variables: String) -> String {
        switch self {
        case .libpq(let set) where set.isEmpty:
            "\(variables) (none is set), or give a URL with --database-url or DATABASE_URL"
        case .libpq: variables
        default: "\(setting) in \(description)"
        }
    }
}
