import State

/// The result of importing one tenant.
public struct ImportOutcome: Sendable {
    public var tenant: String
    public var database: String
    public var file: String
    /// The `schema.yaml` text, header comment included.
    public var yaml: String
    /// The declaration as `DeclarationLoader` reads `yaml` back (with locations), or
    /// as built when it does not validate.
    public var declaration: Declaration
    /// Objects left out because `schema.yaml` cannot express them.
    public var skipped: [ImportNote]
    /// Objects imported with a difference the first plan will show.
    public var caveats: [ImportNote]
    /// Objects tenantplan does not manage (views, functions, triggers...), as `kind name`.
    public var unmanaged: [String]
    /// What `DeclarationLoader` finds wrong with `yaml`; empty for a valid file.
    public var problems: [InputError] = []

    public var tableCount: Int { declaration.tables.count }
    public var enumCount: Int { declaration.enums.count }

    /// `imported 12 tables, 2 enums, 3 functions from tenant acme into schema.yaml`
    /// (functions only when there are some).
    public var summary: String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var text = "imported \(count(tableCount, "table")), \(count(enumCount, "enum"))"
        if !declaration.functions.isEmpty { text += ", \(count(declaration.functions.count, "function"))" }
        text += " from tenant \(tenant) into \(file)"
        if !skipped.isEmpty { text += " (\(skipped.count) object\(skipped.count == 1 ? "" : "s") skipped)" }
        return text
    }
}
