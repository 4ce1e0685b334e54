import Postgres
import State

/// What `plan` and `apply` read of a database as a whole, apart from its tenants:
/// which cluster and database a connection reaches, and which tenants a
/// discovery rule finds there.
public enum DatabaseCatalog {
    /// A database's identity: its cluster's system identifier and its name.
    public static func identity(of connection: Connection, database: String) throws
        -> (systemIdentifier: String?, databaseName: String)
    {
        let name: String
        do {
            name = try connection.query("SELECT current_database()").scalar ?? ""
        } catch {
            throw PlanningError.database(database, error)
        }
        // pg_control_system() may be revoked from ordinary roles; the name still identifies.
        let system = try? connection.query("SELECT system_identifier::text FROM pg_control_system()").scalar
        return (system ?? nil, name)
    }

    public static func discover(_ rule: DiscoveryRule, on connection: Connection) throws -> [String] {
        do {
            switch rule.kind {
            case .schemasLike(let pattern):
                return try connection.query(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY nspname", [pattern]
                ).compactDecode { try $0.value("nspname") }
            case .query(let sql):
                return try connection.withRollback {
                    try connection.execute("SET TRANSACTION READ ONLY")
                    // The user's query: its first column, whatever its name.
                    return try connection.query(sql).rows.compactMap { $0.first ?? nil }
                }
            }
        } catch let error as PostgresError {
            throw PlanningError.discovery(rule, error)
        }
    }
}
