import Foundation
import Plan
import Postgres
import SQLSyntax
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
///    rebuilt from its parts and compared with the server's own definition of it; one
///    whose definition says more than the parts (an operator class, `DEFERRABLE`,
///    `NOT VALID`, `NULLS NOT DISTINCT`, storage options...) is something `schema.yaml`
///    cannot say, and is left out with a note rather than imported wrongly.
/// 3. `yaml` renders it; the text is read back with `DeclarationLoader` and must give
///    the same declaration.
///
/// `verify` then realises the declaration the way `plan` does and diffs the tenant
/// against it: the import is exact when that finds nothing to change.
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
        guard var catalog = try Self.read(tenant: tenant, on: connection) else {
            throw ImportError.schemaNotFound(tenant: tenant, database: database)
        }
        // Migration tools' bookkeeping tables are left out, and ignored.
        let bookkeeping = BookkeepingTables.found(among: catalog.tables.map(\.name)).map(\.name)
        catalog.tables.removeAll { bookkeeping.contains($0.name) }
        var built = Self.build(catalog, file: file)
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
    public func verify(_ declaration: Declaration, tenant: String, on connection: Connection) throws -> Diff {
        let actual = try Reflector().reflect(schema: tenant, on: connection)
        let desired = try DesiredState.realise(declaration, on: connection)
        return Differ(declaration: declaration, desired: desired).diff(actual: actual)
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
        }
        return d
    }
}

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

    /// `imported 12 tables, 2 enums from tenant acme into schema.yaml`.
    public var summary: String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var text = "imported \(count(tableCount, "table")), \(count(enumCount, "enum")) from tenant \(tenant) into \(file)"
        if !skipped.isEmpty { text += " (\(skipped.count) object\(skipped.count == 1 ? "" : "s") skipped)" }
        return text
    }
}

/// An object of the tenant and what the import did not carry over about it.
public struct ImportNote: Sendable, Equatable, CustomStringConvertible {
    /// `index orders_open_idx on orders`, `column events.id`.
    public var object: String
    public var reason: String

    public init(object: String, reason: String) {
        self.object = object
        self.reason = reason
    }

    public var description: String { "\(object): \(reason)" }
}

// MARK: - Catalog facts

extension Importer {
    /// The facts `build` needs, as the server renders them under the tenant's `search_path`.
    struct Catalog: Sendable {
        var schema: String
        var enums: [(name: String, labels: [String])] = []
        var tables: [Table] = []
        /// Views, functions, standalone sequences, triggers, policies...: `kind name`, sorted.
        var unmanaged: [String] = []
    }

    struct Table: Sendable {
        var oid: String
        var name: String
        var kind: Character
        var isPartition = false
        var inherits = false
        var unlogged = false
        var comment: String?
        var columns: [Column] = []
        var constraints: [Constraint] = []
        var indexes: [Index] = []
    }

    struct Column: Sendable {
        var name: String
        /// `format_type(atttypid, atttypmod)`.
        var type: String
        var notNull: Bool
        var defaultExpression: String?
        /// `a`, `d` or empty.
        var identity: String
        var generated: String?
        /// The collation as `schema.yaml` writes it, when it is not the type's default.
        var collation: String?
        var comment: String?
        /// Where the (element) type lives, and what it is (`typtype`).
        var typeInCatalog: Bool
        var typeInTenant: Bool
        var typeKind: Character
        var elementTypeName: String
        var isArray: Bool
        var typmod: Int
        /// The sequence this column owns (`serial`), and whether the default is its `nextval`.
        var ownedSequence: String?
        var defaultIsOwnedNextval: Bool
        /// Objects of the tenant that schema.yaml cannot declare and the default or
        /// generated expression uses (`function f`, `sequence s`).
        var expressionUses: [String] = []
    }

    struct Constraint: Sendable {
        var name: String
        var kind: Character
        var definition: String
        var columns: [String]
        var quotedColumns: [String]
        var referencedSchema: String?
        var referencedTable: String?
        var referencedInTenant = false
        /// `confrelid::regclass::text`, as `pg_get_constraintdef` names the table.
        var referencedRendered: String?
        var referencedColumns: [String] = []
        var quotedReferencedColumns: [String] = []
        var onUpdate: Character = "a"
        var onDelete: Character = "a"
        var uses: [String] = []
    }

    struct Index: Sendable {
        var name: String
        var unique: Bool
        var valid: Bool
        var method: String
        var quotedMethod: String
        var keyCount: Int
        /// `pg_get_indexdef` from `USING` on.
        var tail: String
        var keys: [IndexKey] = []
        var predicate: String?
        var uses: [String] = []
    }

    struct IndexKey: Sendable {
        /// `pg_get_indexdef(indexrelid, k, true)`: a quoted column name or an expression.
        var text: String
        /// The column's own name when the key is a plain column.
        var column: String?
        /// `indoption`: bit 0 DESC, bit 1 NULLS FIRST.
        var option: Int
    }

    // MARK: Queries

    static let namespaceQuery = "SELECT oid::int8::text FROM pg_namespace WHERE nspname = $1"

    static let tablesQuery = """
        SELECT c.oid::int8::text, c.relname, c.relkind::text, c.relispartition, c.relpersistence::text,
               EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid),
               (SELECT ds.description FROM pg_description ds
                 WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0)
        FROM pg_class c
        WHERE c.relnamespace = $1::oid AND c.relkind IN ('r', 'p')
        """

    /// Columns in `attnum` order. The collation is written as a plain name when that
    /// names it (`C`), else as the server quotes and qualifies it.
    static let columnsQuery = """
        SELECT a.attrelid::int8::text, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END,
               a.attidentity::text,
               CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END,
               CASE WHEN a.attcollation <> ty.typcollation THEN
                    CASE WHEN pg_collation_is_visible(co.oid) AND position('.' IN co.collname) = 0
                              AND left(co.collname, 1) <> '"' THEN co.collname
                         WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                         ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
               END,
               (SELECT ds.description FROM pg_description ds
                 WHERE ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum),
               et.typnamespace = 'pg_catalog'::regnamespace, et.typnamespace = $1::oid, et.typtype::text,
               et.typname, ty.typelem <> 0 AND ty.typlen = -1, a.atttypmod::text,
               seq.relname,
               seq.oid IS NOT NULL AND a.attgenerated = '' AND pg_get_expr(ad.adbin, ad.adrelid, true)
                   = 'nextval(' || quote_literal(seq.oid::regclass::text) || '::regclass)',
               ad.oid::int8::text
        FROM pg_attribute a
        JOIN pg_type ty ON ty.oid = a.atttypid
        JOIN pg_type et ON et.oid = CASE WHEN ty.typelem <> 0 AND ty.typlen = -1 THEN ty.typelem ELSE ty.oid END
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
        LEFT JOIN LATERAL (
            SELECT s.oid, s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'a'
            LIMIT 1) seq ON true
        WHERE a.attrelid = ANY($2::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """

    /// Column lists come as JSON arrays of names, in key order; `quote_ident` gives
    /// them as `pg_get_constraintdef` writes them.
    static let constraintsQuery = """
        SELECT con.oid::int8::text, con.conrelid::int8::text, con.conname, con.contype::text,
               pg_get_constraintdef(con.oid, true),
               array_to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i))::text,
               array_to_json(ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i))::text,
               rn.nspname, rc.relname, rn.oid = $1::oid,
               CASE WHEN con.confrelid <> 0 THEN con.confrelid::regclass::text END,
               array_to_json(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i))::text,
               array_to_json(ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i))::text,
               con.confupdtype::text, con.confdeltype::text
        FROM pg_constraint con
        LEFT JOIN pg_class rc ON rc.oid = con.confrelid
        LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE con.conrelid = ANY($2::oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
        """

    /// Indexes that no constraint owns. The head of `pg_get_indexdef` is rebuilt on the
    /// server with `quote_ident`, as `Reflector` does, to cut it off exactly.
    static let indexesQuery = """
        SELECT i.indexrelid::int8::text, i.indrelid::int8::text, ic.relname, i.indisunique, i.indisvalid,
               i.indnkeyatts::text, am.amname, quote_ident(am.amname),
               pg_get_indexdef(i.indexrelid, 0, true),
               'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                 || quote_ident(ic.relname) || ' ON ' || CASE WHEN tc.relkind = 'p' THEN 'ONLY ' ELSE '' END,
               quote_ident(tc.relname),
               quote_ident(tn.nspname) || '.' || quote_ident(tc.relname),
               pg_get_expr(i.indpred, i.indrelid, true)
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class tc ON tc.oid = i.indrelid
        JOIN pg_namespace tn ON tn.oid = tc.relnamespace
        JOIN pg_am am ON am.oid = ic.relam
        WHERE i.indrelid = ANY($1::oid[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
        """

    /// Every key and included column of the indexes, in order (`indkey`, `indoption`
    /// are zero-based `int2vector`s).
    static let indexKeysQuery = """
        SELECT i.indexrelid::int8::text, k.n::text, pg_get_indexdef(i.indexrelid, k.n, true), a.attname,
               coalesce(i.indoption[k.n - 1], 0)::text
        FROM pg_index i
        CROSS JOIN LATERAL generate_series(1, i.indnatts) AS k(n)
        LEFT JOIN pg_attribute a
               ON a.attrelid = i.indrelid AND i.indkey[k.n - 1] > 0 AND a.attnum = i.indkey[k.n - 1]
        WHERE i.indrelid = ANY($1::oid[])
        ORDER BY 1, k.n
        """

    static let enumsQuery = """
        SELECT t.typname, e.enumlabel
        FROM pg_type t LEFT JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.typnamespace = $1::oid AND t.typtype = 'e'
        ORDER BY t.typname, e.enumsortorder
        """

    /// Defaults, constraints and indexes that use a function or sequence of the tenant
    /// schema: objects that `schema.yaml` cannot declare, so a new tenant would not have them.
    static let usesQuery = """
        WITH targets AS (
            SELECT 'pg_proc'::regclass AS catalog, p.oid, 'function ' || p.proname AS what, NULL::name AS sequence
            FROM pg_proc p WHERE p.pronamespace = $1::oid
            UNION ALL
            SELECT 'pg_class'::regclass, s.oid, 'sequence ' || s.relname, s.relname
            FROM pg_class s WHERE s.relnamespace = $1::oid AND s.relkind = 'S')
        SELECT d.classid::regclass::text, d.objid::int8::text, t.what, t.sequence
        FROM targets t
        JOIN pg_depend d ON d.refclassid = t.catalog AND d.refobjid = t.oid
        WHERE d.classid IN ('pg_attrdef'::regclass, 'pg_constraint'::regclass, 'pg_class'::regclass)
          AND d.deptype = 'n'
        """

    /// Functions, triggers, policies and row-level security: nothing `Reflector`
    /// compares, listed so that the file says they exist.
    static let extrasQuery = """
        SELECT 'trigger ' || t.tgname || ' on ' || c.relname
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = $1::oid AND NOT t.tgisinternal
        UNION ALL
        SELECT 'policy ' || p.polname || ' on ' || c.relname
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        WHERE c.relnamespace = $1::oid
        UNION ALL
        SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' WHEN 'a' THEN 'aggregate ' ELSE 'function ' END || p.proname
        FROM pg_proc p WHERE p.pronamespace = $1::oid
        UNION ALL
        SELECT 'row level security on ' || c.relname
        FROM pg_class c WHERE c.relnamespace = $1::oid AND c.relrowsecurity
        """

    /// The catalog facts of `tenant`, nil when there is no such schema.
    static func read(tenant: String, on connection: Connection) throws -> Catalog? {
        guard let namespace = try connection.query(namespaceQuery, [tenant]).scalar else { return nil }
        // Views, functions, standalone sequences: as `Reflector` reports them.
        let state = try Reflector().reflect(schema: tenant, on: connection)
        try connection.execute("SELECT set_config('search_path', $1, false)", [quoteIdentifier(tenant)])
        defer { try? connection.execute("SELECT set_config('search_path', 'public', false)") }

        var catalog = Catalog(schema: tenant)
        var unmanaged = state?.others ?? []
        unmanaged += (state?.sequences ?? []).map { "sequence \($0)" }
        unmanaged += try connection.query(extrasQuery, [namespace]).rows.compactMap { $0[0] }
        catalog.unmanaged = Set(unmanaged).sorted()

        var order: [String] = []
        for row in try connection.query(enumsQuery, [namespace]).rows {
            guard let name = row[0] else { continue }
            if order.last != name {
                order.append(name)
                catalog.enums.append((name, []))
            }
            if let label = row[1] { catalog.enums[catalog.enums.count - 1].labels.append(label) }
        }

        var tables: [String: Table] = [:]
        for row in try connection.query(tablesQuery, [namespace]).rows {
            guard let oid = row[0], let name = row[1], let kind = row[2]?.first else { continue }
            tables[oid] = Table(oid: oid, name: name, kind: kind, isPartition: row[3] == "t",
                                inherits: row[5] == "t", unlogged: row[4] == "u", comment: row[6])
        }
        let tableOIDs = arrayLiteral(Array(tables.keys))

        // What each default (by pg_attrdef oid), constraint and index uses of the tenant.
        var uses: [String: [String]] = [:]
        var usedSequences: [String: [String]] = [:]
        for row in try connection.query(usesQuery, [namespace]).rows {
            guard let catalogName = row[0], let oid = row[1], let what = row[2] else { continue }
            uses["\(catalogName)/\(oid)", default: []].append(what)
            if let sequence = row[3] { usedSequences["\(catalogName)/\(oid)", default: []].append(sequence) }
        }

        for row in try connection.query(columnsQuery, [namespace, tableOIDs]).rows {
            guard let rel = row[0], let name = row[1], let type = row[2] else { continue }
            var column = Column(
                name: name, type: type, notNull: row[3] == "t", defaultExpression: row[4],
                identity: row[5] ?? "", generated: row[6], collation: row[7], comment: row[8],
                typeInCatalog: row[9] == "t", typeInTenant: row[10] == "t", typeKind: row[11]?.first ?? "b",
                elementTypeName: row[12] ?? "", isArray: row[13] == "t", typmod: Int(row[14] ?? "") ?? -1,
                ownedSequence: row[15], defaultIsOwnedNextval: row[16] == "t")
            if let attrdef = row[17] {
                let key = "pg_attrdef/\(attrdef)"
                column.expressionUses = uses[key] ?? []
                // A serial default uses its own sequence: that one the declaration makes.
                if column.defaultIsOwnedNextval, let owned = column.ownedSequence,
                   usedSequences[key]?.contains(owned) == true {
                    column.expressionUses.removeAll { $0 == "sequence \(owned)" }
                }
            }
            tables[rel]?.columns.append(column)
        }

        for row in try connection.query(constraintsQuery, [namespace, tableOIDs]).rows {
            guard let oid = row[0], let rel = row[1], let name = row[2], let kind = row[3]?.first,
                  let definition = row[4] else { continue }
            var constraint = Constraint(
                name: name, kind: kind, definition: definition,
                columns: try jsonList(row[5]), quotedColumns: try jsonList(row[6]))
            constraint.referencedSchema = row[7]
            constraint.referencedTable = row[8]
            constraint.referencedInTenant = row[9] == "t"
            constraint.referencedRendered = row[10]
            constraint.referencedColumns = try jsonList(row[11])
            constraint.quotedReferencedColumns = try jsonList(row[12])
            constraint.onUpdate = row[13]?.first ?? "a"
            constraint.onDelete = row[14]?.first ?? "a"
            constraint.uses = uses["pg_constraint/\(oid)"] ?? []
            tables[rel]?.constraints.append(constraint)
        }

        var keys: [String: [IndexKey]] = [:]
        for row in try connection.query(indexKeysQuery, [tableOIDs]).rows {
            guard let index = row[0], let text = row[2] else { continue }
            keys[index, default: []].append(IndexKey(text: text, column: row[3], option: Int(row[4] ?? "0") ?? 0))
        }
        for row in try connection.query(indexesQuery, [tableOIDs]).rows {
            guard let oid = row[0], let rel = row[1], let name = row[2], let method = row[6],
                  let quotedMethod = row[7], let definition = row[8], let prefix = row[9] else { continue }
            var tail = definition
            for table in [row[10], row[11]].compactMap({ $0 }) where definition.hasPrefix(prefix + table + " ") {
                tail = String(definition.dropFirst((prefix + table + " ").count))
                break
            }
            tables[rel]?.indexes.append(Index(
                name: name, unique: row[3] == "t", valid: row[4] == "t", method: method, quotedMethod: quotedMethod,
                keyCount: Int(row[5] ?? "") ?? 0, tail: tail, keys: keys[oid] ?? [], predicate: row[12],
                uses: uses["pg_class/\(oid)"] ?? []))
        }

        catalog.tables = tables.values.sorted { $0.name < $1.name }
        for i in catalog.tables.indices {
            catalog.tables[i].constraints.sort { $0.name < $1.name }
            catalog.tables[i].indexes.sort { $0.name < $1.name }
        }
        return catalog
    }

    static func jsonList(_ text: String?) throws -> [String] {
        guard let text else { return [] }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}

// MARK: - Building the declaration

extension Importer {
    struct Built {
        var declaration: Declaration
        var skipped: [ImportNote] = []
        var caveats: [ImportNote] = []
        /// Types already checked with the loader.
        var knownTypes: [String: Bool] = [:]
    }

    /// The declaration that reproduces `catalog`, and what it leaves out. Pure.
    static func build(_ catalog: Catalog, file: String) -> Built {
        var built = Built(declaration: Declaration(file: file))
        built.declaration.enums = catalog.enums.map { EnumDeclaration(name: $0.name, values: $0.labels) }
        let enumNames = Set(catalog.enums.map(\.name))

        // Tables first, without foreign keys: those need every table's keys.
        var included: [Table] = []
        for table in catalog.tables {
            if table.kind == "p" || table.isPartition {
                built.skipped.append(ImportNote(
                    object: "table \(table.name)",
                    reason: table.kind == "p"
                        ? "a partitioned table; schema.yaml cannot declare partitioning"
                        : "a partition of another table; schema.yaml cannot declare partitioning"))
                continue
            }
            if table.columns.isEmpty {
                built.skipped.append(ImportNote(object: "table \(table.name)",
                                                reason: "it has no columns; schema.yaml tables need at least one"))
                continue
            }
            let unsupported = table.columns.filter { $0.typeInTenant && !($0.typeKind == "e" && enumNames.contains($0.elementTypeName)) }
            if let column = unsupported.first {
                built.skipped.append(ImportNote(
                    object: "table \(table.name)",
                    reason: "column \(column.name) has type \(column.type), a \(typeKindName(column.typeKind)) of the tenant "
                        + "schema; schema.yaml can only declare enums"))
                continue
            }
            if table.inherits {
                built.caveats.append(ImportNote(
                    object: "table \(table.name)",
                    reason: "it inherits from another table; imported as a plain table with all its columns"))
            }
            if table.unlogged {
                built.caveats.append(ImportNote(
                    object: "table \(table.name)",
                    reason: "it is UNLOGGED; schema.yaml cannot say so, and new tenants get a logged table"))
            }
            built.declaration.tables.append(buildTable(table, into: &built))
            included.append(table)
        }

        // Foreign keys, once every table and key is known.
        for (t, table) in included.enumerated() {
            for constraint in table.constraints where constraint.kind == "f" {
                let object = "foreign key \(constraint.name) on \(table.name)"
                if let reason = foreignKeyProblem(constraint, declaration: built.declaration) {
                    built.skipped.append(ImportNote(object: object, reason: reason))
                    continue
                }
                built.declaration.tables[t].foreignKeys.append(ForeignKeyDeclaration(
                    name: constraint.name, columns: constraint.columns,
                    referencedSchema: constraint.referencedInTenant ? nil : constraint.referencedSchema,
                    referencedTable: constraint.referencedTable ?? "",
                    referencedColumns: constraint.referencedColumns,
                    onDelete: referentialAction(constraint.onDelete),
                    onUpdate: referentialAction(constraint.onUpdate)))
            }
        }
        return built
    }

    static func buildTable(_ table: Table, into built: inout Built) -> TableDeclaration {
        var declaration = TableDeclaration(name: table.name, columns: [], comment: table.comment)
        for column in table.columns {
            declaration.columns.append(buildColumn(column, table: table.name, into: &built))
        }

        for constraint in table.constraints {
            let object = "\(constraintKindName(constraint.kind)) \(constraint.name) on \(table.name)"
            func skip(_ reason: String) { built.skipped.append(ImportNote(object: object, reason: reason)) }
            if !constraint.uses.isEmpty {
                skip("it uses \(constraint.uses.sorted().joined(separator: ", ")) of the tenant schema, which schema.yaml cannot declare")
                continue
            }
            switch constraint.kind {
            case "p", "u":
                let keyword = constraint.kind == "p" ? "PRIMARY KEY" : "UNIQUE"
                guard constraint.definition == "\(keyword) (\(constraint.quotedColumns.joined(separator: ", ")))" else {
                    skip("schema.yaml cannot express its definition: \(constraint.definition)")
                    continue
                }
                let key = KeyDeclaration(name: constraint.name, columns: constraint.columns)
                if constraint.kind == "p" { declaration.primaryKey = key } else { declaration.uniques.append(key) }
            case "c":
                let prefix = "CHECK ("
                guard constraint.definition.hasPrefix(prefix), constraint.definition.hasSuffix(")") else {
                    skip("schema.yaml cannot express its definition: \(constraint.definition)")
                    continue
                }
                let expression = String(constraint.definition.dropFirst(prefix.count).dropLast())
                declaration.checks.append(CheckDeclaration(name: constraint.name, expression: expression))
            case "x":
                skip("an exclusion constraint, which schema.yaml cannot declare: \(constraint.definition)")
            default:
                break   // foreign keys: `build`, once every table is known
            }
        }
        // PRIMARY KEY makes its columns NOT NULL, and the loader says so.
        if let pk = declaration.primaryKey {
            for i in declaration.columns.indices where pk.columns.contains(declaration.columns[i].name) {
                declaration.columns[i].nullable = false
            }
        }

        for index in table.indexes {
            let object = "index \(index.name) on \(table.name)"
            if !index.uses.isEmpty {
                built.skipped.append(ImportNote(
                    object: object,
                    reason: "it uses \(index.uses.sorted().joined(separator: ", ")) of the tenant schema, which schema.yaml cannot declare"))
                continue
            }
            guard let built1 = buildIndex(index) else {
                built.skipped.append(ImportNote(
                    object: object,
                    reason: "schema.yaml cannot express its definition (an operator class, storage options or "
                        + "NULLS NOT DISTINCT): \(index.tail)"))
                continue
            }
            if !index.valid {
                built.caveats.append(ImportNote(
                    object: object,
                    reason: "the index is invalid (a failed CREATE INDEX CONCURRENTLY?); new tenants get a valid one, "
                        + "and this tenant should rebuild it with REINDEX"))
            }
            declaration.indexes.append(built1)
        }
        return declaration
    }

    static func buildColumn(_ column: Column, table: String, into built: inout Built) -> ColumnDeclaration {
        let object = "column \(table).\(column.name)"
        var declaration = ColumnDeclaration(
            name: column.name, type: declaredType(column, known: &built.knownTypes), nullable: !column.notNull,
            defaultExpression: column.defaultExpression, generated: column.generated,
            collation: column.collation, comment: column.comment)
        switch column.identity {
        case "a": declaration.identity = .always
        case "d": declaration.identity = .byDefault
        default: break
        }

        if let sequence = column.ownedSequence {
            let serialTypes = ["integer": "serial", "bigint": "bigserial", "smallint": "smallserial"]
            if column.defaultIsOwnedNextval, declaration.identity == nil, let serial = serialTypes[column.type] {
                declaration.type = serial
                declaration.defaultExpression = nil
                if !column.notNull {
                    built.caveats.append(ImportNote(
                        object: object, reason: "a serial column that allows NULL; serial columns are NOT NULL, so the first plan sets NOT NULL"))
                }
                declaration.nullable = false
                let expected = serialSequenceName(table: table, column: column.name)
                if sequence != expected {
                    built.caveats.append(ImportNote(
                        object: object,
                        reason: "its sequence is named \(sequence), but serial names it \(expected); the first plan renames the sequence"))
                }
            } else {
                built.caveats.append(ImportNote(
                    object: object,
                    reason: "it owns sequence \(sequence) but is not a serial column (integer, bigint or smallint with "
                        + "nextval of that sequence as its default); schema.yaml cannot declare that sequence"))
            }
        }
        if !column.expressionUses.isEmpty {
            let used = column.expressionUses.sorted().joined(separator: ", ")
            if declaration.defaultExpression != nil {
                built.skipped.append(ImportNote(
                    object: "default of \(object)",
                    reason: "it uses \(used) of the tenant schema, which schema.yaml cannot declare: \(column.defaultExpression ?? "")"))
                declaration.defaultExpression = nil
            }
            if declaration.generated != nil {
                built.skipped.append(ImportNote(
                    object: "generated expression of \(object)",
                    reason: "it uses \(used) of the tenant schema, which schema.yaml cannot declare; imported as a plain column: \(column.generated ?? "")"))
                declaration.generated = nil
            }
        }
        if declaration.identity != nil { declaration.nullable = false }
        return declaration
    }

    /// The column's type as `schema.yaml` writes it: `format_type`'s text, which names
    /// the tenant's enums unqualified and qualifies shared types (`public.citext`). A
    /// catalog type the offline validator does not know is qualified with `pg_catalog.`.
    static func declaredType(_ column: Column, known: inout [String: Bool]) -> String {
        guard column.typeInCatalog else { return column.type }
        let knows = known[column.type] ?? loaderKnowsType(column.type)
        known[column.type] = knows
        guard !knows else { return column.type }
        let name = column.elementTypeName
        let plain = !name.isEmpty && name.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0)
        } && !("0"..."9").contains(name.unicodeScalars.first!)
        let qualified = "pg_catalog." + (plain ? name : quoteIdentifier(name)) + (column.isArray ? "[]" : "")
        return column.typmod < 0 ? qualified : column.type
    }

    /// Whether `DeclarationLoader` accepts `type` without a declared enum: it is the
    /// authority on what the offline validator knows.
    static func loaderKnowsType(_ type: String) -> Bool {
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      c: { type: \(yamlScalar(type)) }\n"
        return (try? DeclarationLoader.parse(yaml: yaml, file: "type-check")) != nil
    }

    static func buildIndex(_ index: Index) -> IndexDeclaration? {
        guard index.keyCount > 0, index.keyCount <= index.keys.count else { return nil }
        let keyParts = index.keys.prefix(index.keyCount)
        let includeParts = index.keys.dropFirst(index.keyCount)

        var rest = Substring(index.tail)
        func take(_ text: String) -> Bool {
            guard rest.hasPrefix(text) else { return false }
            rest = rest.dropFirst(text.count)
            return true
        }
        guard take("USING \(index.quotedMethod) (") else { return nil }
        var elements: [String] = []
        for (i, key) in keyParts.enumerated() {
            guard take(key.text) else { return nil }
            var collation: String?
            if rest.hasPrefix(" COLLATE ") {
                rest = rest.dropFirst(" COLLATE ".count)
                guard let name = takeQualifiedIdentifier(&rest) else { return nil }
                collation = name
            }
            let ordering = orderingText(key.option)
            guard take(ordering), take(i == index.keyCount - 1 ? ")" : ", ") else { return nil }

            var element: String
            if collation == nil, let column = key.column, IndexElement.isPlainName(column) {
                element = column
            } else {
                element = key.text
            }
            if let collation { element += " COLLATE \(collation)" }
            elements.append(element + ordering)
        }
        var include: [String] = []
        if !includeParts.isEmpty {
            guard take(" INCLUDE (\(includeParts.map(\.text).joined(separator: ", ")))") else { return nil }
            for part in includeParts {
                guard let column = part.column else { return nil }
                include.append(column)
            }
        }
        if let predicate = index.predicate {
            // Pretty mode leaves the predicate's outer parentheses out.
            guard take(" WHERE \(predicate)") || take(" WHERE (\(predicate))") else { return nil }
        }
        guard rest.isEmpty else { return nil }
        return IndexDeclaration(
            name: index.name, columns: elements, unique: index.unique,
            method: index.method == "btree" ? nil : index.method, predicate: index.predicate, include: include)
    }

    /// ` DESC`, ` NULLS FIRST`...: what `pg_get_indexdef` adds for `indoption`.
    static func orderingText(_ option: Int) -> String {
        let descending = option & 1 != 0
        let nullsFirst = option & 2 != 0
        if descending { return nullsFirst ? " DESC" : " DESC NULLS LAST" }
        return nullsFirst ? " NULLS FIRST" : ""
    }

    /// A name as `quote_identifier` writes it (`"C"`, `en_us`), optionally qualified.
    static func takeQualifiedIdentifier(_ text: inout Substring) -> String? {
        func identifier() -> String? {
            if text.first == "\"" {
                var index = text.index(after: text.startIndex)
                while index < text.endIndex {
                    if text[index] == "\"" {
                        let next = text.index(after: index)
                        if next < text.endIndex, text[next] == "\"" {
                            index = text.index(after: next)
                            continue
                        }
                        let name = String(text[..<next])
                        text = text[next...]
                        return name
                    }
                    index = text.index(after: index)
                }
                return nil
            }
            let name = text.prefix { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "$" }
            guard !name.isEmpty else { return nil }
            text = text.dropFirst(name.count)
            return String(name)
        }
        guard var name = identifier() else { return nil }
        if text.first == "." {
            text = text.dropFirst()
            guard let second = identifier() else { return nil }
            name += "." + second
        }
        return name
    }

    /// Why a foreign key cannot be declared, or nil when it can.
    static func foreignKeyProblem(_ constraint: Constraint, declaration: Declaration) -> String? {
        guard let referencedTable = constraint.referencedTable, let rendered = constraint.referencedRendered else {
            return "its referenced table cannot be read"
        }
        if !constraint.uses.isEmpty {
            return "it uses \(constraint.uses.sorted().joined(separator: ", ")) of the tenant schema, which schema.yaml cannot declare"
        }
        var expected = "FOREIGN KEY (\(constraint.quotedColumns.joined(separator: ", "))) REFERENCES \(rendered)("
            + constraint.quotedReferencedColumns.joined(separator: ", ") + ")"
        if let action = actionSQL(constraint.onUpdate) { expected += " ON UPDATE \(action)" }
        if let action = actionSQL(constraint.onDelete) { expected += " ON DELETE \(action)" }
        guard constraint.definition == expected else {
            return "schema.yaml cannot express its definition (MATCH FULL, DEFERRABLE, NOT VALID or SET NULL with "
                + "columns): \(constraint.definition)"
        }
        guard constraint.referencedInTenant else { return nil }
        guard let target = declaration.table(named: referencedTable) else {
            return "it references table \(referencedTable), which is not imported"
        }
        // The loader's rule, and PostgreSQL's: a primary key, unique constraint or plain
        // unique index on exactly the referenced columns.
        let wanted = Set(constraint.referencedColumns)
        var keys: [Set<String>] = (target.primaryKey.map { [Set($0.columns)] } ?? []) + target.uniques.map { Set($0.columns) }
        for index in target.indexes where index.unique && index.predicate == nil {
            let columns = index.columns.map { indexElementColumn($0, of: target) }
            if columns.allSatisfy({ $0 != nil }) { keys.append(Set(columns.compactMap { $0 })) }
        }
        guard keys.contains(wanted) else {
            return "the key it references on \(referencedTable) (\(constraint.referencedColumns.joined(separator: ", "))) is not imported"
        }
        return nil
    }

    /// The column an index element names, as the loader reads it: a column name, or a
    /// double-quoted one, either optionally followed by an ordering; nil for an expression.
    static func indexElementColumn(_ element: String, of table: TableDeclaration) -> String? {
        if table.column(named: element) != nil { return element }
        let body = IndexElement.split(element).body
        if table.column(named: body) != nil, IndexElement.isPlainName(body) { return body }
        guard body.count >= 2, body.hasPrefix("\""), body.hasSuffix("\"") else { return nil }
        let name = String(body.dropFirst().dropLast())
        guard !name.replacingOccurrences(of: "\"\"", with: "").contains("\"") else { return nil }
        return name.replacingOccurrences(of: "\"\"", with: "\"")
    }

    static func referentialAction(_ code: Character) -> ReferentialAction? {
        switch code {
        case "r": .restrict
        case "c": .cascade
        case "n": .setNull
        case "d": .setDefault
        default: nil
        }
    }

    static func actionSQL(_ code: Character) -> String? { referentialAction(code)?.sql }

    /// The name PostgreSQL gives a serial column's sequence in a fresh schema:
    /// `makeObjectName(table, column, "seq")`, which shortens the longer of the two
    /// names until the whole fits in 63 bytes, never splitting a character.
    static func serialSequenceName(table: String, column: String) -> String {
        let available = 63 - ("_".utf8.count + "_seq".utf8.count)
        var tableBytes = table.utf8.count
        var columnBytes = column.utf8.count
        while tableBytes + columnBytes > available {
            if tableBytes > columnBytes { tableBytes -= 1 } else { columnBytes -= 1 }
        }
        return clipped(table, toBytes: tableBytes) + "_" + clipped(column, toBytes: columnBytes) + "_seq"
    }

    static func clipped(_ text: String, toBytes limit: Int) -> String {
        var result = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            if used + size > limit { break }
            result.unicodeScalars.append(scalar)
            used += size
        }
        return result
    }

    static func typeKindName(_ kind: Character) -> String {
        switch kind {
        case "d": "domain"
        case "c": "composite type"
        case "r": "range type"
        case "m": "multirange type"
        case "e": "enum"
        default: "type"
        }
    }

    static func constraintKindName(_ kind: Character) -> String {
        switch kind {
        case "p": "primary key"
        case "u": "unique constraint"
        case "f": "foreign key"
        case "c": "check"
        case "x": "exclusion constraint"
        default: "constraint"
        }
    }
}
