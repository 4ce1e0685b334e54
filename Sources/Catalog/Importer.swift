import Plan
import Postgres
import State

/// Writes one live tenant schema as a `schema.yaml` declaration: how a fleet that
/// Alembic or hand-written SQL built adopts tenantplan.
///
/// Three steps, only the first of which talks to the server:
/// 1. `read` collects structured catalog facts with `search_path` set to the tenant
///    alone, so that every expression the server deparses (`format_type`,
///    `pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`) names the tenant's own
///    objects unqualified and shared ones qualified (`public.plans`), exactly as
///    `Reflector` reads them.
/// 2. `build` turns the facts into a `Declaration`. Each constraint and index is
///    rebuilt from its parts (operator classes, `DEFERRABLE`, `NULLS NOT DISTINCT`,
///    storage parameters included) and compared with the server's own definition of
///    it; one whose definition says more than the parts (`NOT VALID`) is something
///    `schema.yaml` cannot say, and is left out with a note rather than imported wrongly.
/// 3. `yaml` renders it; the text is read back with `DeclarationLoader` and must give
///    the same declaration.
///
/// Before rendering, each text is replaced by the form the server prints back
/// unchanged (`roundTripped`), so tenants created from the file get exactly its
/// texts. `verify` then realises the declaration the way `plan` does and diffs the
/// tenant against it: the import is exact when that finds nothing to change.
public struct Importer: Sendable {
    public var toolVersion: String

    public init(toolVersion: String) {
        self.toolVersion = toolVersion
    }

    /// Reads `tenant` and renders it as `schema.yaml` text for `file`.
    ///
    /// - Throws: `ImportError.schemaNotFound`, `ImportError.notReadBack` (a bug), or a
    ///   `PostgresError` from the catalog reads.
    public func importTenant(_ tenant: String, database: String, file: String,
                             on connection: Connection) throws -> ImportOutcome {
        if let reason = ReservedSchemas.reason(for: tenant), tenant.lowercased() != "public" {
            throw ImportError.reservedSchema(tenant, reason: reason)
        }
        // Without USAGE the server prints the tenant's own objects qualified.
        let unusable = try connection.query(Reflector.unusableQuery, [arrayLiteral([tenant])]).rows
        if let row = unusable.first, let role = row[0] {
            throw MissingPrivilege.schemaUsage(role: role, schemas: [tenant])
        }
        guard var catalog = try Self.read(tenant: tenant, on: connection) else {
            throw ImportError.schemaNotFound(tenant: tenant, database: database)
        }
        // Migration tools' bookkeeping tables are left out, and ignored.
        let bookkeeping = BookkeepingTables.found(among: catalog.tables.map(\.name)).map(\.name)
        catalog.tables.removeAll { bookkeeping.contains($0.name) }
        var built = Self.build(catalog, file: file)
        Self.addSecurity(from: try Reflector().reflect(schema: tenant, on: connection), to: &built.declaration)
        built.declaration = try Self.roundTripped(built.declaration, file: file, on: connection)
        built.declaration.file = file
        built.declaration.ignore = IgnoreRules(tables: bookkeeping)
        let header = Self.header(tenant: tenant, database: database, toolVersion: toolVersion, built: built,
                                 unmanaged: catalog.unmanaged)
        let yaml = Self.yaml(built.declaration, header: header)

        var outcome = ImportOutcome(
            tenant: tenant, database: database, file: file, yaml: yaml, declaration: built.declaration,
            skipped: built.skipped, caveats: built.caveats, unmanaged: catalog.unmanaged)
        do {
            let parsed = try DeclarationLoader.parse(yaml: yaml, file: file)
            guard Self.withoutLocations(parsed) == Self.withoutLocations(built.declaration) else {
                throw ImportError.notReadBack(tenant: tenant)
            }
            outcome.declaration = parsed
        } catch let errors as InputErrors {
            outcome.problems = errors.errors
        }
        return outcome
    }

    /// What planning `tenant` against `declaration` would do: no changes and nothing
    /// held back when the import is exact. Runs inside a transaction that is rolled back.
    ///
    /// Texts the tenant says differently from the file (the file holds their
    /// round-tripping form) are compared in canonical form, as `plan` does.
    public func verify(_ declaration: Declaration, tenant: String, on connection: Connection) throws -> Diff {
        let actual = try Reflector().reflect(schema: tenant, on: connection)
        let desired = try DesiredState.realise(declaration, on: connection)
        var differ = Differ(declaration: declaration, desired: desired)
        if let actual {
            let canonicaliser = Canonicaliser(desired: desired, borrowing: connection)
            if let reconciled = try canonicaliser.reconcile(actual.ignoring(declaration.ignore)) {
                differ = Differ(declaration: declaration, desired: reconciled)
            }
        }
        return differ.diff(actual: actual)
    }

    /// The database that holds `tenant`: its own when `tenants.yaml` lists it; for a
    /// tenant that only discovery could find, the first database with a `discover:`
    /// rule; else `main` (or the first database).
    public static func database(for tenant: String, in fleet: Fleet?) -> DatabaseDeclaration {
        guard let fleet else {
            return DatabaseDeclaration(name: Fleet.defaultDatabaseName, connection: .default)
        }
        if let listed = fleet.tenants.first(where: { $0.name == tenant }),
           let database = fleet.databases.first(where: { $0.name == listed.database }) {
            return database
        }
        if let rule = fleet.discover.first,
           let database = fleet.databases.first(where: { $0.name == rule.database }) {
            return database
        }
        return fleet.databases.first { $0.name == Fleet.defaultDatabaseName } ?? fleet.databases[0]
    }

    /// The declaration with every source location removed, for comparing a built
    /// declaration with the one its YAML reads back as.
    static func withoutLocations(_ declaration: Declaration) -> Declaration {
        var d = declaration
        for i in d.enums.indices { d.enums[i].location = nil }
        for i in d.sequences.indices { d.sequences[i].location = nil }
        for i in d.compositeTypes.indices {
            d.compositeTypes[i].location = nil
            for k in d.compositeTypes[i].attributes.indices { d.compositeTypes[i].attributes[k].location = nil }
        }
        for i in d.domains.indices {
            d.domains[i].location = nil
            d.domains[i].fieldLocations = [:]
            for k in d.domains[i].checks.indices { d.domains[i].checks[k].location = nil }
        }
        for i in d.functions.indices {
            d.functions[i].location = nil
            d.functions[i].sqlLocation = nil
        }
        // `views:` and `materialized_views:` are written apart, each sorted: the
        // order of views carries no meaning (the server finds their creation order).
        d.views.sort { $0.name < $1.name }
        for i in d.views.indices {
            d.views[i].location = nil
            d.views[i].queryLocation = nil
            for j in d.views[i].indexes.indices { d.views[i].indexes[j].location = nil }
            for j in d.views[i].triggers.indices { d.views[i].triggers[j].location = nil }
        }
        for t in d.tables.indices {
            d.tables[t].location = nil
            for c in d.tables[t].columns.indices {
                d.tables[t].columns[c].location = nil
                d.tables[t].columns[c].fieldLocations = [:]
            }
            d.tables[t].primaryKey?.location = nil
            for i in d.tables[t].uniques.indices { d.tables[t].uniques[i].location = nil }
            for i in d.tables[t].indexes.indices { d.tables[t].indexes[i].location = nil }
            for i in d.tables[t].foreignKeys.indices { d.tables[t].foreignKeys[i].location = nil }
            for i in d.tables[t].checks.indices { d.tables[t].checks[i].location = nil }
            for i in d.tables[t].triggers.indices { d.tables[t].triggers[i].location = nil }
            for i in d.tables[t].exclusions.indices { d.tables[t].exclusions[i].location = nil }
            d.tables[t].partitionByLocation = nil
            for i in d.tables[t].partitions.indices { d.tables[t].partitions[i].location = nil }
            securityWithoutLocations(&d.tables[t])
        }
        d.grants = securityWithoutLocations(d.grants)
        return d
    }
}
