/// `schema.yaml` and `tenants.yaml`, read and validated together with no database,
/// as `tenantplan validate` does.
public struct InputFiles: Sendable {
    public var declaration: Declaration
    public var fleet: Fleet

    /// Loads both files.
    ///
    /// - Throws: `InputErrors` with the errors of both files, the schema's first.
    public static func load(schema: String, tenants: String) throws -> InputFiles {
        var errors: [InputError] = []
        var declaration: Declaration?
        var fleet: Fleet?
        do { declaration = try DeclarationLoader.load(path: schema) } catch let e as InputErrors { errors += e.errors }
        do { fleet = try FleetLoader.load(path: tenants) } catch let e as InputErrors { errors += e.errors }
        guard let declaration, let fleet, errors.isEmpty else { throw InputErrors(errors) }
        return InputFiles(declaration: declaration, fleet: fleet)
    }

    /// One line per file: `schema.yaml: 4 tables, 1 enum` and
    /// `tenants.yaml: 1 database, 3 listed tenants, 0 discovery rules`.
    public var summary: [String] {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        return [
            "\(declaration.file): \(count(declaration.tables.count, "table")), \(count(declaration.enums.count, "enum"))",
            "\(fleet.file): \(count(fleet.databases.count, "database")), \(count(fleet.tenants.count, "listed tenant")), "
                + count(fleet.discover.count, "discovery rule"),
        ]
    }
}
