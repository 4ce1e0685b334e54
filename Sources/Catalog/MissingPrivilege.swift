import Postgres
import SQLSyntax
import State

/// The role that runs a command lacks a privilege that the command needs to read
/// or plan tenants correctly.
///
/// Without `USAGE` on a tenant schema the catalogs are still readable, but the
/// server prints the schema's own objects qualified (`nextval('acme.t_id_seq'::regclass)`
/// instead of `nextval('t_id_seq'::regclass)`), so every tenant would seem to
/// differ from the declaration: tenantplan refuses to read such a tenant rather
/// than report drift it cannot see. Without `CREATE` on the database, the
/// declaration cannot be realised in the scratch schema that `plan` compares in.
public enum MissingPrivilege: UserFacingError, Equatable {
    /// `schemas`: the tenant schemas the role may not use, sorted.
    case schemaUsage(role: String, schemas: [String])
    case createOnDatabase(role: String, database: String)

    public var summary: String {
        switch self {
        case .schemaUsage(let role, let schemas):
            let shown = schemas.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
                + (schemas.count > 5 ? " and \(schemas.count - 5) more" : "")
            return "role '\(role)' lacks USAGE on tenant schema\(schemas.count == 1 ? "" : "s") \(shown): "
                + "without it PostgreSQL prints the tenant's own objects qualified and every tenant would seem to differ"
        case .createOnDatabase(let role, let database):
            return "role '\(role)' lacks CREATE on database '\(database)'"
        }
    }

    public var hint: String? {
        switch self {
        case .schemaUsage(let role, let schemas):
            let grants = schemas.prefix(3).map { "GRANT USAGE ON SCHEMA \(Self.name($0)) TO \(Self.name(role));" }
            return grants.joined(separator: " ") + (schemas.count > 3 ? " (and the same for each other schema)" : "")
                + " Or, for every schema: GRANT pg_read_all_data TO \(Self.name(role)); (see docs/privileges.md)"
        case .createOnDatabase(let role, let database):
            return "plan needs it for its scratch schema, where the declaration is realised in a transaction that is "
                + "always rolled back: GRANT CREATE ON DATABASE \(Self.name(database)) TO \(Self.name(role)); "
                + "(see docs/privileges.md)"
        }
    }

    /// A name as a GRANT takes it: quoted only when it must be.
    static func name(_ name: String) -> String {
        SQLScanner.hasUnquotedShape(name) ? name : quoteIdentifier(name)
    }

    /// `createOnDatabase` for the role and database of `connection`.
    static func createOnDatabase(on connection: Connection) throws -> MissingPrivilege {
        let row = try connection.query("SELECT current_user::text, current_database()::text").rows.first
        return .createOnDatabase(role: (row?[0] ?? nil) ?? "?", database: (row?[1] ?? nil) ?? "?")
    }

    /// Both are found while reading, before anything is changed.
    public var nothingChanged: Bool { true }
}
