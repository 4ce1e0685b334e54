import Postgres
import SQLSyntax
import State

extension Importer {
    static let namespaceQuery = "SELECT oid::int8::text FROM pg_namespace WHERE nspname = $1"

    /// The catalog facts of `tenant`, nil when there is no such schema.
    static func read(tenant: String, on connection: Connection) throws -> Catalog? {
        guard let namespace = try connection.query(namespaceQuery, [tenant]).scalar else { return nil }
        // Views, functions, standalone sequences: as `Reflector` reports them.
        let state = try Reflector().reflect(schema: tenant, on: connection)
        try connection.execute("SELECT set_config('search_path', $1, false)", [quoteIdentifier(tenant)])
        defer { try? connection.execute("SELECT set_config('search_path', 'public', false)") }

        var catalog = Catalog(schema: tenant)
        var unmanaged = state?.others ?? []
        unmanaged += try connection.query(UnmanagedRow.query, [namespace]).decode(UnmanagedRow.self).map(\.object)
        catalog.unmanaged = Set(unmanaged).sorted()
        catalog.domains = state?.domains ?? []
        catalog.sequences = state?.sequences ?? []
        catalog.compositeTypes = state?.compositeTypes ?? []

        catalog.functions = try connection.query(Function.query, [namespace]).decode(Function.self)
        (catalog.views, catalog.viewIndexes) = try readViews(state, namespace: namespace, on: connection)
        // What a default, check or index uses of the tenant's functions is declared with it.
        let imported = Set(catalog.functions.filter { $0.overloads == 1 }.map { "function \($0.name)" }
                               + catalog.sequences.map { "sequence \($0.name)" })

        for row in try connection.query(EnumLabelRow.query, [namespace]).decode(EnumLabelRow.self) {
            if catalog.enums.last?.name != row.name {
                catalog.enums.append((row.name, [], state?.enumType(named: row.name)?.comment))
            }
            if let label = row.label { catalog.enums[catalog.enums.count - 1].labels.append(label) }
        }

        var tables: [String: Table] = [:]
        for var table in try connection.query(Table.query, [namespace]).decode(Table.self) {
            let reflected = state?.table(named: table.name)
            table.partitionKey = reflected?.partitionBy
            table.partitions = reflected?.partitions ?? []
            tables[table.oid] = table
        }
        let tableOIDs = arrayLiteral(Array(tables.keys))

        // What each default (by pg_attrdef oid), constraint and index uses of the tenant.
        var uses: [String: [String]] = [:]
        var usedSequences: [String: [String]] = [:]
        for row in try connection.query(UseRow.query, [namespace]).decode(UseRow.self) where !imported.contains(row.what) {
            uses[row.user, default: []].append(row.what)
            if let sequence = row.sequence { usedSequences[row.user, default: []].append(sequence) }
        }

        for var column in try connection.query(Column.query, [namespace, tableOIDs]).decode(Column.self) {
            if let attrdef = column.defaultOID {
                let key = "pg_attrdef/\(attrdef)"
                column.expressionUses = uses[key] ?? []
                // A serial default uses its own sequence: that one the declaration makes.
                if column.defaultIsOwnedNextval, let owned = column.ownedSequence,
                   usedSequences[key]?.contains(owned) == true {
                    column.expressionUses.removeAll { $0 == "sequence \(owned)" }
                }
            }
            // A standalone sequence the column owns is declared under sequences:, not as a serial.
            if let owned = column.ownedSequence, catalog.sequences.contains(where: { $0.name == owned }) {
                column.ownedSequence = nil
            }
            tables[column.table]?.columns.append(column)
        }

        for var constraint in try connection.query(Constraint.query, [namespace, tableOIDs]).compactDecode(Constraint.init) {
            constraint.uses = uses["pg_constraint/\(constraint.oid)"] ?? []
            tables[constraint.table]?.constraints.append(constraint)
        }

        var keys: [String: [IndexKey]] = [:]
        for key in try connection.query(IndexKey.query, [tableOIDs]).compactDecode(IndexKey.init) {
            keys[key.index, default: []].append(key)
        }
        for var index in try connection.query(Index.query, [tableOIDs]).compactDecode(Index.init) {
            index.keys = keys[index.oid] ?? []
            index.uses = uses["pg_class/\(index.oid)"] ?? []
            tables[index.table]?.indexes.append(index)
        }

        let viewNames = Dictionary(try connection.query(
            "SELECT c.oid::int8::text, c.relname FROM pg_class c WHERE c.relnamespace = $1::oid AND c.relkind = 'v'",
            [namespace]).rows.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { a, _ in a })
        for trigger in try connection.query(Trigger.query, [namespace]).decode(Trigger.self) {
            if tables[trigger.table] != nil {
                tables[trigger.table]?.triggers.append(trigger)
            } else if let view = viewNames[trigger.table] {
                catalog.viewTriggers[view, default: []].append(trigger)
            }
        }

        catalog.tables = tables.values.sorted { $0.name < $1.name }
        for i in catalog.tables.indices {
            catalog.tables[i].constraints.sort { $0.name < $1.name }
            catalog.tables[i].indexes.sort { $0.name < $1.name }
        }
        return catalog
    }

    /// A label of an enum of the tenant, in order; an enum without labels gives
    /// one row with no label.
    struct EnumLabelRow: RowDecodable {
        static let query = """
            SELECT t.typname AS name, e.enumlabel AS label
            FROM pg_type t LEFT JOIN pg_enum e ON e.enumtypid = t.oid
            WHERE t.typnamespace = $1::oid AND t.typtype = 'e'
            ORDER BY t.typname, e.enumsortorder
            """

        var name: String
        var label: String?

        init(_ row: Row) throws {
            name = try row.value("name")
            label = try row["label"]
        }
    }

    /// A default, constraint or index that uses a function or sequence of the
    /// tenant schema: objects that `schema.yaml` cannot declare, so a new tenant
    /// would not have them.
    struct UseRow: RowDecodable {
        static let query = """
            WITH targets AS (
                SELECT 'pg_proc'::regclass AS catalog, p.oid, 'function ' || p.proname AS what, NULL::name AS sequence
                FROM pg_proc p WHERE p.pronamespace = $1::oid
                UNION ALL
                SELECT 'pg_class'::regclass, s.oid, 'sequence ' || s.relname, s.relname
                FROM pg_class s WHERE s.relnamespace = $1::oid AND s.relkind = 'S')
            SELECT d.classid::regclass::text AS catalog, d.objid::int8::text AS oid, t.what AS what,
                   t.sequence AS sequence
            FROM targets t
            JOIN pg_depend d ON d.refclassid = t.catalog AND d.refobjid = t.oid
            WHERE d.classid IN ('pg_attrdef'::regclass, 'pg_constraint'::regclass, 'pg_class'::regclass)
              AND d.deptype = 'n'
            """

        /// The using object as `catalog/oid`: `pg_attrdef/16390`.
        var user: String
        /// `function f` or `sequence s`.
        var what: String
        /// The used sequence's name, when it is one.
        var sequence: String?

        init(_ row: Row) throws {
            user = "\(try row.value("catalog"))/\(try row.value("oid"))"
            what = try row.value("what")
            sequence = try row["sequence"]
        }
    }

    /// The table properties schema.yaml cannot express yet (storage parameters, replica identity, inheritance,
    /// partitions of a table of another schema or that are partitioned themselves, and an identity
    /// column's sequence options that hand out other values than a new one's, as `plan` reads them):
    /// listed so that the file says they exist; `plan` holds the table properties back. (Functions and triggers are imported, or
    /// skipped with a reason; aggregates are imported as functions.)
    struct UnmanagedRow: RowDecodable {
        static let query = """
            SELECT 'storage parameters on ' || c.relname AS object
            FROM pg_class c WHERE c.relnamespace = $1::oid AND c.relkind IN ('r', 'p') AND c.reloptions IS NOT NULL
            UNION ALL
            SELECT 'replica identity of ' || c.relname
            FROM pg_class c WHERE c.relnamespace = $1::oid AND c.relkind IN ('r', 'p') AND c.relreplident <> 'd'
            UNION ALL
            SELECT CASE WHEN c.relispartition THEN 'partition ' ELSE 'inheritance of ' END || c.relname
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE c.relnamespace = $1::oid AND c.relkind IN ('r', 'p')
              AND NOT (c.relispartition AND c.relkind = 'r' AND p.relnamespace = c.relnamespace)
            UNION ALL
            SELECT 'sequence options of identity column ' || c.relname || '.' || a.attname
            FROM pg_class c
            JOIN pg_depend dep ON dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid
                              AND dep.classid = 'pg_class'::regclass AND dep.deptype = 'i'
            JOIN pg_sequence sq ON sq.seqrelid = dep.objid
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid
            WHERE c.relnamespace = $1::oid
              AND (sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle)
                  <> (1, 1, \(Reflector.sequenceTypeMaximum("sq.seqtypid")), 1, false)
            """

        /// `kind name`, such as `trigger audit on orders`.
        var object: String

        init(_ row: Row) throws {
            object = try row.value("object")
        }
    }
}
