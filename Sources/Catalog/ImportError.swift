import SQLSyntax

/// Why a tenant cannot be imported.
public enum ImportError: Error, CustomStringConvertible {
    case schemaNotFound(tenant: String, database: String)
    case reservedSchema(String, reason: String)
    /// The rendered YAML reads back as a different declaration: a tenantplan bug.
    case notReadBack(tenant: String)

    public var description: String {
        switch self {
        case .schemaNotFound(let tenant, let database):
            return "error: tenant \(tenant): there is no schema \(quoteIdentifier(tenant)) in database '\(database)'\n"
                + "  hint: check the name (schema names are case-sensitive) and the connection; "
                + "list the schemas with: SELECT nspname FROM pg_namespace"
        case .reservedSchema(let tenant, let reason):
            return "error: --tenant \(tenant): \(reason)\n  hint: import a tenant schema"
        case .notReadBack(let tenant):
            return "error: tenant \(tenant): the imported schema.yaml does not read back as the declaration it was "
                + "made from; nothing was written\n  hint: this is a tenantplan bug; please report it with the tenant's DDL"
        }
    }
}
