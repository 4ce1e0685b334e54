import SQLSyntax
import State

/// Why `tenantplan import` could not import a tenant. Import only reads: nothing
/// was changed in any database.
public enum ImportError: UserFacingError {
    case schemaNotFound(tenant: String, database: String)
    case reservedSchema(String, reason: String)
    /// The rendered YAML reads back as a different declaration: a tenantplan bug.
    case notReadBack(tenant: String)
    /// Planning the tenant against the file that was written still finds changes:
    /// `objects` are what it would change or hold back.
    case notExact(tenant: String, file: String, objects: [String])

    public var summary: String {
        switch self {
        case .schemaNotFound(let tenant, let database):
            "tenant \(tenant): there is no schema \(quoteIdentifier(tenant)) in database '\(database)'"
        case .reservedSchema(let tenant, let reason):
            "--tenant \(tenant): \(reason)"
        case .notReadBack(let tenant):
            "tenant \(tenant): the imported schema.yaml does not read back as the declaration it was made from; "
                + "nothing was written"
        case .notExact(let tenant, let file, let objects):
            "tenant \(tenant): planning it against \(file) still finds \(objects.count) change\(objects.count == 1 ? "" : "s"): "
                + objects.joined(separator: ", ")
        }
    }

    public var hint: String? {
        switch self {
        case .schemaNotFound:
            "check the name (schema names are case-sensitive) and the connection; "
                + "list the schemas with: SELECT nspname FROM pg_namespace"
        case .reservedSchema:
            "import a tenant schema"
        case .notReadBack:
            "this is a tenantplan bug; please report it with the tenant's DDL"
        case .notExact(let tenant, let file, _):
            "\(file) was written; edit what it says of these objects, or change tenant \(tenant) to match, "
                + "then check with: tenantplan plan --schema \(file) --tenant \(tenant)"
        }
    }

    public var nothingChanged: Bool { true }
}
