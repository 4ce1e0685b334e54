import Postgres
import State

extension Reflector {
    /// An object that depends on a table, view or column of the batch, or on
    /// one of its enums, domains or composite types (or their array types), with
    /// a normal dependency: one row per object and what it stands on.
    ///
    /// Objects the state models (the schema's own foreign keys, column types and
    /// defaults) come too, and are left out by `dependents(of:)`; automatic
    /// dependencies (a table's own indexes, checks, triggers and policies on the
    /// table as a whole) are not normal ones, but for a constraint trigger's on
    /// the table its `FROM` names, which a drop of that table would take along.
    /// The query runs once for relations (`$2` = `pg_class`) and once for types
    /// (`$2` = `pg_type`), on the index of `pg_depend` by referenced object.
    /// See https://www.postgresql.org/docs/15/catalog-pg-depend.html
    struct DependentRow: RowDecodable {
        static let query = """
            SELECT d.refobjid::int8::text AS referenced_oid, d.refobjsubid::text AS referenced_subid,
                   d.classid::int8::text || '/' || coalesce(root.oid, d.objid)::int8::text AS object,
                   CASE d.classid
                     WHEN 'pg_rewrite'::regclass THEN CASE WHEN r.rulename <> '_RETURN' THEN 'rule'
                                                           WHEN oc.relkind = 'm' THEN 'materialized view' ELSE 'view' END
                     WHEN 'pg_trigger'::regclass THEN 'trigger'
                     WHEN 'pg_policy'::regclass THEN 'policy'
                     WHEN 'pg_constraint'::regclass THEN CASE WHEN con.contype = 'f' THEN 'foreign key' ELSE 'constraint' END
                     WHEN 'pg_proc'::regclass THEN CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                                                                  ELSE 'function' END
                     WHEN 'pg_attrdef'::regclass THEN 'column'
                     WHEN 'pg_type'::regclass THEN 'domain'
                     WHEN 'pg_class'::regclass THEN CASE WHEN d.objsubid <> 0 AND oc.relkind IN ('r', 'p', 'f', 'm')
                                                         THEN 'column'
                                                         WHEN d.objsubid <> 0 AND oc.relkind = 'c' THEN 'attribute' END
                   END AS kind,
                   coalesce(CASE WHEN r.rulename = '_RETURN' THEN oc.relname ELSE r.rulename END, tg.tgname,
                            pol.polname, coalesce(root.conname, con.conname), p.proname, oa.attname, dt.typname) AS name,
                   n.nspname AS schema, oc.relname AS table_name, oc.relkind::text AS table_kind,
                   CASE WHEN p.oid IS NOT NULL THEN pg_get_function_identity_arguments(p.oid) END AS arguments
            FROM pg_depend d
            LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
            LEFT JOIN pg_trigger tg ON d.classid = 'pg_trigger'::regclass AND tg.oid = d.objid
            LEFT JOIN pg_policy pol ON d.classid = 'pg_policy'::regclass AND pol.oid = d.objid
            LEFT JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass AND con.oid = d.objid
            -- A foreign key's clone (for each partition of the table it references,
            -- or of its own partitioned table) is its root constraint: the one a
            -- statement can name and drop.
            LEFT JOIN LATERAL (
                WITH RECURSIVE up AS (
                    SELECT c.oid, c.conparentid, c.conname, c.conrelid FROM pg_constraint c
                    WHERE c.oid = con.conparentid
                    UNION ALL
                    SELECT c.oid, c.conparentid, c.conname, c.conrelid FROM pg_constraint c JOIN up ON c.oid = up.conparentid
                )
                SELECT up.oid, up.conname, up.conrelid FROM up WHERE up.conparentid = 0
            ) AS root ON con.conparentid <> 0
            LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
            LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
            LEFT JOIN pg_type dt ON d.classid = 'pg_type'::regclass AND dt.oid = d.objid
            LEFT JOIN pg_class oc ON oc.oid = coalesce(r.ev_class, tg.tgrelid, pol.polrelid,
                                                       nullif(coalesce(root.conrelid, con.conrelid), 0),
                                                       ad.adrelid, CASE WHEN d.classid = 'pg_class'::regclass THEN d.objid END)
            LEFT JOIN pg_attribute oa ON oa.attrelid = oc.oid
                  AND oa.attnum = CASE WHEN d.classid = 'pg_class'::regclass THEN d.objsubid
                                       WHEN ad.oid IS NOT NULL THEN ad.adnum END
            JOIN pg_namespace n ON n.oid = coalesce(oc.relnamespace, p.pronamespace, dt.typnamespace, con.connamespace)
            WHERE d.refclassid = $2::oid AND d.refobjid = ANY($1::oid[])
              -- Normal dependencies; and a constraint trigger's on the table it
              -- names in FROM (automatic: DROP TABLE drops the trigger with it).
              AND (d.deptype = 'n'
                   OR (d.deptype = 'a' AND d.classid = 'pg_trigger'::regclass AND tg.tgrelid <> d.refobjid))
            """

        var referencedOID: String
        var referencedSubid: String
        /// `classid/objid`: one object may stand on several columns.
        var object: String
        /// A `DependentState.Kind` raw value; nil for dependents of other kinds.
        var kind: String?
        var name: String?
        var schema: String
        /// The relation the object is or is on.
        var tableName: String?
        var tableKind: String?
        var arguments: String?

        init(_ row: Row) throws {
            referencedOID = try row.value("referenced_oid")
            referencedSubid = try row.value("referenced_subid")
            object = try row.value("object")
            kind = try row["kind"]
            name = try row["name"]
            schema = try row.value("schema")
            tableName = try row["table_name"]
            tableKind = try row["table_kind"]
            arguments = try row["arguments"]
        }

        /// The two statements of a batch: dependents of its relations, then of its
        /// enums, domains and composite types (`dependentTypeKinds`).
        static func statements(for present: [Members]) -> [PipelineStatement] {
            var relations: [String] = []
            var types: [String] = []
            for m in present {
                relations += m.classes.filter { Reflector.isTable($0.kind) || $0.kind == "v" || $0.kind == "m" }.map(\.oid)
                let read = Set(m.types.filter { dependentTypeKinds.contains($0.kind) }.map(\.oid))
                types += read
                types += m.arrays.filter { read.contains($0.value) }.map(\.key)
            }
            return [
                PipelineStatement(query, [arrayLiteral(relations), Catalog.pgClass], prepared: "tenantplan_dependents"),
                PipelineStatement(query, [arrayLiteral(types), Catalog.pgType], prepared: "tenantplan_dependents"),
            ]
        }
    }

    /// The types whose dependents are read: enums (`e`), domains (`d`) and
    /// composite types (`c`), with their array types.
    static let dependentTypeKinds: Set<Character> = ["e", "d", "c"]

    /// Each schema's dependents (see `DependentState`), by position in `present`.
    ///
    /// `columns` names the columns of the batch's tables, by `table/attnum`.
    ///
    /// Of a domain or composite type, only other schemas' objects are
    /// dependents: the state models the schema's own uses (its columns, its
    /// domains over a domain, its types' attributes), and the `Differ` finds
    /// those there. Another schema's column of the type's array type stands on
    /// `type name[]`: PostgreSQL checks no value held inside an array against a
    /// domain's new rule, and refuses the rule while such a column exists.
    static func dependents(of present: [Members], relations: [DependentRow], types: [DependentRow],
                           columns: [String: String]) -> [[DependentState]] {
        // What each referenced oid is: its schema, and the target it makes.
        var targets: [String: (schema: Int, target: DependentState.Target)] = [:]
        var typeTargets: [String: (schema: Int, target: DependentState.Target)] = [:]
        /// Domains, composite types and their arrays: other schemas' dependents only.
        var foreignOnly: Set<String> = []
        var tableNames: [Set<String>] = []
        for (i, m) in present.enumerated() {
            var tables: Set<String> = []
            for c in m.classes {
                if isTable(c.kind) {
                    targets[c.oid] = (i, .init(.table, c.name))
                    tables.insert(c.name)
                } else if c.kind == "v" || c.kind == "m" {
                    targets[c.oid] = (i, .init(.view, c.name))
                }
            }
            tableNames.append(tables)
            var read: [String: (kind: Character, name: String)] = [:]
            for t in m.types where dependentTypeKinds.contains(t.kind) {
                typeTargets[t.oid] = (i, .init(.type, t.name))
                read[t.oid] = (t.kind, t.name)
                if t.kind != "e" { foreignOnly.insert(t.oid) }
            }
            for (array, element) in m.arrays {
                guard let type = read[element] else { continue }
                // An enum's array stands for the enum, as it always has.
                typeTargets[array] = (i, .init(.type, type.kind == "e" ? type.name : type.name + "[]"))
                if type.kind != "e" { foreignOnly.insert(array) }
            }
        }
        var found: [[String: DependentState]] = Array(repeating: [:], count: present.count)
        func take(_ row: DependentRow, _ referenced: (schema: Int, target: DependentState.Target)) {
            guard let kindText = row.kind, let kind = DependentState.Kind(rawValue: kindText), let name = row.name
            else { return }
            let m = present[referenced.schema]
            let local = row.schema == m.schema
            var target = referenced.target
            if target.kind == .table, row.referencedSubid != "0" {
                guard let column = columns["\(row.referencedOID)/\(row.referencedSubid)"] else { return }
                target.column = column
            }
            if local {
                // The state models the schema's own materialized views' columns and
                // composite types' attributes (in their definitions).
                if kind == .attribute || (kind == .column && row.tableKind == "m") { return }
                // The state models the schema's own tables' constraints, columns and defaults.
                if [.foreignKey, .constraint, .column].contains(kind),
                   let table = row.tableName, tableNames[referenced.schema].contains(table) { return }
                // A view's own rule stands on the view.
                if (kind == .view || kind == .materializedView), target.kind == .view, target.name == name { return }
            }
            let key = row.object
            var dependent = found[referenced.schema][key] ?? DependentState(
                kind: kind, name: name, schema: local ? nil : row.schema,
                table: [.view, .materializedView, .function, .procedure, .aggregate, .domain].contains(kind)
                    ? nil : row.tableName,
                arguments: row.arguments, on: [])
            if !dependent.on.contains(target) { dependent.on.append(target) }
            found[referenced.schema][key] = dependent
        }
        for row in relations {
            if let referenced = targets[row.referencedOID] { take(row, referenced) }
        }
        for row in types {
            guard let referenced = typeTargets[row.referencedOID] else { continue }
            if foreignOnly.contains(row.referencedOID), row.schema == present[referenced.schema].schema { continue }
            take(row, referenced)
        }
        return found.map { byObject in
            byObject.values.map { var d = $0; d.on.sort(); return d }.sorted { $0.sortKey < $1.sortKey }
        }
    }
}
