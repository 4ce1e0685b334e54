import Postgres

/// Reads schema states from `pg_catalog`.
///
/// Reflection of a schema runs with `search_path` set to that schema alone, so
/// that the server's deparsers (`format_type`, `pg_get_expr`,
/// `pg_get_constraintdef`, `pg_get_indexdef` in pretty mode) leave the schema's
/// own objects unqualified and qualify everything else (`public.plans`). That is
/// what makes two tenants in the same state, and the scratch schema holding the
/// desired state, reflect to equal values.
///
/// Objects of a schema are found through `pg_depend` (every relation, type and
/// function records a dependency on its namespace, and that catalog is indexed
/// by referenced object), not by scanning `pg_class` per schema; indexes come
/// from `pg_index.indrelid`. See https://www.postgresql.org/docs/15/catalog-pg-depend.html
public struct Reflector: Sendable {
    public init() {}

    /// The state of each named schema that exists; missing schemas are absent
    /// from the result. Leaves `search_path` set to the last schema read, so
    /// callers inside a tenant transaction should set it again when it matters.
    public func reflect(schemas: [String], on connection: Connection) throws -> [String: SchemaState] {
        var states: [String: SchemaState] = [:]
        try reflect(schemas: schemas, on: connection) { states[$0] = $1 }
        return states
    }

    /// Streams the state of each existing schema to `body`, in batches: one
    /// query finds the members of every schema, then each schema's catalog
    /// reads go out in one pipeline, as prepared statements.
    public func reflect(schemas: [String], on connection: Connection,
                        _ body: (String, SchemaState) throws -> Void) throws {
        guard !schemas.isEmpty else { return }
        // The catalog reads are prepared once and run per schema with different
        // oid arrays: a generic plan avoids planning them again for every schema.
        try connection.execute("SET plan_cache_mode = force_generic_plan")
        defer { try? connection.execute("RESET plan_cache_mode") }
        let members = try Self.members(of: schemas, on: connection)
        let present = schemas.compactMap { members[$0] }
        for start in stride(from: 0, to: present.count, by: Self.pipelineSchemas) {
            let batch = present[start..<min(present.count, start + Self.pipelineSchemas)]
            var statements: [PipelineStatement] = []
            for m in batch { statements += Self.statements(for: m) }
            let results = try connection.pipeline(statements)
            var offset = 0
            for m in batch {
                let count = Self.statementCount(for: m)
                try body(m.schema, Self.assemble(m, Array(results[offset..<offset + count])))
                offset += count
            }
        }
    }

    /// Reads one schema; nil when it does not exist.
    public func reflect(schema: String, on connection: Connection) throws -> SchemaState? {
        try reflect(schemas: [schema], on: connection)[schema]
    }

    /// Schemas whose reads share one pipeline.
    static let pipelineSchemas = 64

    // MARK: - Members

    /// The objects a schema holds, found in one query for all schemas.
    struct Members {
        var schema: String
        var namespace: String
        /// relkind by class oid, and class name.
        var classes: [(oid: String, kind: Character, name: String)] = []
        /// Enums, domains, ranges: (oid, typtype, name).
        var types: [(oid: String, kind: Character, name: String)] = []
        /// Functions and procedures: (kind, name).
        var routines: [(kind: Character, name: String)] = []
    }

    static let membersQuery = """
        SELECT n.nspname, n.oid::int8::text, d.classid::regclass::text AS catalog,
               coalesce(c.oid, t.oid)::int8::text AS oid,
               coalesce(c.relkind::text, t.typtype::text, p.prokind::text) AS kind,
               coalesce(c.relname, t.typname, p.proname) AS name
        FROM pg_namespace n
        LEFT JOIN pg_depend d
               ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid AND d.deptype = 'n'
        LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
        LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
        LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
        WHERE n.nspname = ANY($1::text[])
        """

    static func members(of schemas: [String], on connection: Connection) throws -> [String: Members] {
        let result = try connection.query(membersQuery, [arrayLiteral(schemas)])
        var members: [String: Members] = [:]
        for row in result.rows {
            guard let schema = row[0], let namespace = row[1] else { continue }
            var entry = members[schema] ?? Members(schema: schema, namespace: namespace)
            if let catalog = row[2], let oid = row[3], let kind = row[4]?.first, let name = row[5] {
                switch catalog {
                case "pg_class": entry.classes.append((oid, kind, name))
                case "pg_type":
                    // Array types and table row types come with their owners.
                    if "edrm".contains(kind) { entry.types.append((oid, kind, name)) }
                case "pg_proc": entry.routines.append((kind, name))
                default: break
                }
            }
            members[schema] = entry
        }
        return members
    }

    // MARK: - One schema

    static let columnsQuery = """
        SELECT a.attrelid::int8::text, a.attnum::text, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull,
               CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END,
               a.attidentity::text,
               CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END,
               CASE WHEN a.attcollation <> ty.typcollation THEN
                    (SELECT CASE WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                                 ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                       FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                      WHERE co.oid = a.attcollation)
               END,
               (SELECT ds.description FROM pg_description ds
                 WHERE ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum)
        FROM pg_attribute a
        JOIN pg_type ty ON ty.oid = a.atttypid
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """

    static let constraintsQuery = """
        SELECT con.conrelid::int8::text, con.conname, con.contype::text, pg_get_constraintdef(con.oid, true),
               con.conindid::int8::text
        FROM pg_constraint con
        WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
        """

    static let indexesQuery = """
        SELECT i.indrelid::int8::text, i.indexrelid::int8::text, ic.relname, i.indisunique,
               pg_get_indexdef(i.indexrelid, 0, true),
               'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                 || quote_ident(ic.relname) || ' ON ' || CASE WHEN tc.relkind = 'p' THEN 'ONLY ' ELSE '' END,
               quote_ident(tc.relname),
               quote_ident(tn.nspname) || '.' || quote_ident(tc.relname)
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class tc ON tc.oid = i.indrelid
        JOIN pg_namespace tn ON tn.oid = tc.relnamespace
        WHERE i.indrelid = ANY($1::oid[])
        """

    /// Table comments, and for sequences the column that owns them (`a`: serial, `i`: identity).
    static let classesQuery = """
        SELECT c.oid::int8::text, ds.description, dep.refobjid::int8::text, dep.refobjsubid::text, dep.deptype::text
        FROM pg_class c
        LEFT JOIN pg_description ds
               ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
        LEFT JOIN pg_depend dep
               ON c.relkind = 'S' AND dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
              AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
        WHERE c.oid = ANY($1::oid[])
        """

    static let enumsQuery = """
        SELECT e.enumtypid::int8::text, e.enumlabel FROM pg_enum e
        WHERE e.enumtypid = ANY($1::oid[]) ORDER BY e.enumtypid, e.enumsortorder
        """

    static func isTable(_ kind: Character) -> Bool { kind == "r" || kind == "p" }

    static func statementCount(for m: Members) -> Int {
        m.types.contains { $0.kind == "e" } ? 6 : 5
    }

    /// The reads of one schema: `search_path` first, so the deparsers below
    /// render the schema's own objects unqualified.
    static func statements(for m: Members) -> [PipelineStatement] {
        let classOIDs = arrayLiteral(m.classes.filter { isTable($0.kind) || $0.kind == "S" }.map(\.oid))
        let tableOIDs = arrayLiteral(m.classes.filter { isTable($0.kind) }.map(\.oid))
        var statements = [
            PipelineStatement("SELECT set_config('search_path', $1, false)", [quoteIdentifier(m.schema)],
                              prepared: "tenantplan_search_path"),
            PipelineStatement(classesQuery, [classOIDs], prepared: "tenantplan_classes"),
            PipelineStatement(columnsQuery, [tableOIDs], prepared: "tenantplan_columns"),
            PipelineStatement(constraintsQuery, [tableOIDs], prepared: "tenantplan_constraints"),
            PipelineStatement(indexesQuery, [tableOIDs], prepared: "tenantplan_indexes"),
        ]
        let enums = m.types.filter { $0.kind == "e" }
        if !enums.isEmpty {
            statements.append(PipelineStatement(enumsQuery, [arrayLiteral(enums.map(\.oid))], prepared: "tenantplan_enums"))
        }
        return statements
    }

    /// Builds a schema's state from the results of `statements(for:)`.
    static func assemble(_ members: Members, _ results: [QueryResult]) -> SchemaState {
        var comments: [String: String] = [:]
        var ownedSequences: Set<String> = []
        var serialOwner: [String: String] = [:]   // "tableoid/attnum" -> sequence oid
        for row in results[1].rows {
            guard let oid = row[0] else { continue }
            if let comment = row[1] { comments[oid] = comment }
            if let owner = row[2], let attnum = row[3], let type = row[4] {
                ownedSequences.insert(oid)
                if type == "a" { serialOwner["\(owner)/\(attnum)"] = oid }
            }
        }
        let names = Dictionary(members.classes.map { ($0.oid, $0.name) }, uniquingKeysWith: { a, _ in a })

        var tables: [String: TableState] = [:]
        for c in members.classes where isTable(c.kind) {
            tables[c.oid] = TableState(name: c.name, comment: comments[c.oid])
        }

        for row in results[2].rows {
            guard let rel = row[0], let attnum = row[1], let name = row[2], let type = row[3] else { continue }
            let identity: Identity? = switch row[6] {
            case "a": .always
            case "d": .byDefault
            default: nil
            }
            tables[rel]?.columns.append(ColumnState(
                name: name, type: type, notNull: row[4] == "t", defaultExpression: row[5],
                identity: identity, generated: row[7], collation: row[8], comment: row[9],
                ownedSequence: serialOwner["\(rel)/\(attnum)"].flatMap { names[$0] }))
        }

        var constraintIndexes: Set<String> = []
        for row in results[3].rows {
            guard let rel = row[0], let name = row[1], let kindText = row[2], let def = row[3],
                  let kind = ConstraintState.Kind(rawValue: kindText) else { continue }
            if kind == .primaryKey || kind == .unique || kind == .exclusion, let index = row[4] {
                constraintIndexes.insert(index)
            }
            tables[rel]?.constraints.append(ConstraintState(name: name, kind: kind, definition: def))
        }

        for row in results[4].rows {
            guard let rel = row[0], let indexOID = row[1], let name = row[2], let def = row[4],
                  let prefix = row[5], let local = row[6], let qualified = row[7] else { continue }
            if constraintIndexes.contains(indexOID) { continue }
            tables[rel]?.indexes.append(IndexState(
                name: name,
                definition: indexTail(def, unique: row[3] == "t", prefix: prefix, tableNames: [local, qualified])))
        }

        var enums: [EnumState] = []
        let enumTypes = members.types.filter { $0.kind == "e" }
        if !enumTypes.isEmpty {
            var labels: [String: [String]] = [:]
            for row in results[5].rows {
                guard let type = row[0], let label = row[1] else { continue }
                labels[type, default: []].append(label)
            }
            enums = enumTypes.map { EnumState(name: $0.name, labels: labels[$0.oid] ?? []) }
        }

        var sequences: [String] = []
        var others: [String] = []
        for c in members.classes {
            switch c.kind {
            case "S" where !ownedSequences.contains(c.oid): sequences.append(c.name)
            case "v": others.append("view \(c.name)")
            case "m": others.append("materialized view \(c.name)")
            case "f": others.append("foreign table \(c.name)")
            case "c": others.append("composite type \(c.name)")
            default: break
            }
        }
        for t in members.types {
            switch t.kind {
            case "d": others.append("domain \(t.name)")
            case "r": others.append("range type \(t.name)")
            default: break
            }
        }
        for r in members.routines {
            others.append("\(r.kind == "p" ? "procedure" : r.kind == "a" ? "aggregate" : "function") \(r.name)")
        }

        return SchemaState(
            enums: enums, tables: Array(tables.values), sequences: sequences, others: others
        ).normalized()
    }

    /// `pg_get_indexdef` without its `CREATE INDEX name ON table` head: the part
    /// that says what the index is, free of the schema's name.
    ///
    /// The head is rebuilt on the server with `quote_ident`, which quotes exactly
    /// as `pg_get_indexdef` does, so the cut is exact even for names that contain
    /// ` USING `. In pretty mode the table is unqualified when visible; the
    /// qualified form covers a table shadowed by a `pg_catalog` name.
    static func indexTail(_ definition: String, unique: Bool, prefix: String, tableNames: [String]) -> String {
        for table in tableNames {
            let head = prefix + table + " "
            if definition.hasPrefix(head) {
                return (unique ? "UNIQUE " : "") + definition.dropFirst(head.count)
            }
        }
        return definition
    }
}

/// A PostgreSQL array literal (`{"a","b"}`) for a text or oid array parameter.
public func arrayLiteral(_ values: [String]) -> String {
    var out = "{"
    for (i, value) in values.enumerated() {
        if i > 0 { out += "," }
        out += "\""
        // By Unicode scalar: a quote joined to a combining mark is still a quote.
        for scalar in value.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out += "\""
    }
    return out + "}"
}
