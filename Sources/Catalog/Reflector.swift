import Postgres
import SQLSyntax
import State

/// Reads schema states from `pg_catalog`, many schemas at a time.
///
/// Texts come from the server's own deparsers (`format_type`, `pg_get_expr`,
/// `pg_get_constraintdef`, `pg_get_indexdef`, pretty mode), which qualify an
/// object's name unless it is visible on the `search_path`. A tenant's state
/// must not contain the tenant's name, or two tenants in the same state (and
/// the scratch schema holding the desired state) would differ. So:
///
/// 1. Everything is read for a whole batch of schemas at once with an empty
///    `search_path`: only `pg_catalog` is visible, and texts that refer to
///    nothing inside the schema come out exactly as they would with the
///    schema on the path.
/// 2. The few items that do refer to the schema's own objects (a foreign key to
///    another tenant table, a default that uses the tenant's enum or sequence,
///    a column of an enum type) are read again, per schema, with `search_path`
///    set to that schema alone, so those references come out unqualified.
///    Foreign keys, column types and collations are found by oid; checks,
///    defaults and index expressions by their text, which names a schema that is
///    not on the path (see `Members.names`).
///
/// Batches keep the catalog queries planned once per batch rather than once per
/// schema: a cached plan is re-planned whenever `search_path` changes.
///
/// Members of a schema are found through `pg_depend` (every relation, type,
/// function and collation records a dependency on its namespace, and that
/// catalog is indexed by referenced object), not by scanning `pg_class`;
/// indexes come from `pg_index.indrelid`.
/// See https://www.postgresql.org/docs/15/catalog-pg-depend.html
public struct Reflector: Sendable {
    public init() {}

    /// Schemas read per batch of catalog queries.
    public var batchSize = 128

    /// The state of each named schema that exists; missing schemas are absent
    /// from the result. Leaves `search_path` undefined (inside a transaction,
    /// until its end): callers set it again when it matters. Planner settings
    /// are back to their defaults when it returns.
    public func reflect(schemas: [String], on connection: Connection) throws -> [String: SchemaState] {
        var states: [String: SchemaState] = [:]
        try reflect(schemas: schemas, on: connection) { states[$0.name] = $0.state }
        return states
    }

    /// Reads one schema; nil when it does not exist.
    public func reflect(schema: String, on connection: Connection) throws -> SchemaState? {
        try reflect(schemas: [schema], on: connection)[schema]
    }

    /// Streams each existing schema, with its stamp, to `body`, in the order given.
    public func reflect(schemas: [String], on connection: Connection,
                        _ body: (ReflectedSchema) throws -> Void) throws {
        for start in stride(from: 0, to: schemas.count, by: max(1, batchSize)) {
            let batch = Array(schemas[start..<min(schemas.count, start + batchSize)])
            for reflected in try reflectBatch(batch, on: connection) {
                try body(reflected)
            }
        }
    }

    // MARK: - Catalog OIDs

    /// Fixed OIDs of the system catalogs (they never change across releases).
    enum Catalog {
        static let pgClass = "1259"
        static let pgType = "1247"
        static let pgCollation = "3456"
    }

    // MARK: - Members

    /// The objects a schema holds.
    struct Members {
        var schema: String
        var classes: [(oid: String, kind: Character, name: String)] = []
        /// Types other than table row types and arrays: (oid, typtype, name).
        var types: [(oid: String, kind: Character, name: String)] = []
        var routines: [(kind: Character, name: String)] = []
        /// Every member as `classid/objid`: references to these are local.
        var local: Set<String> = []
        /// Stamp lines of the schema and its members (see `Reflector+Stamp`).
        var stamp: [String] = []
        /// False when a member is of a kind whose row version is not read.
        var stampable = true
        /// The schema's name as the deparsers write it (`quote_ident`).
        var quotedName = ""

        /// Whether a text deparsed with an empty `search_path` may name one of the
        /// schema's own objects. The deparsers qualify every object outside
        /// `pg_catalog` then, so such a text contains the quoted schema name and a
        /// dot, also inside a literal (`'t1.orders_id_seq'::regclass`) unless the
        /// name holds a quote or backslash, which a literal escapes: then every
        /// text is read again. A false alarm only costs that second read.
        func names(_ text: String) -> Bool {
            quotedName.contains("'") || quotedName.contains("\\") || text.utf8.contains(subsequence: (quotedName + ".").utf8)
        }
    }

    /// Settings for the batch reads, which always run with an empty
    /// `search_path`: prepared once, their cached plans stay valid (a cached plan
    /// is re-planned whenever `search_path` differs from when it was made).
    /// Every read is a handful of index lookups per schema; with large oid arrays
    /// the planner would otherwise pick hash joins that scan all of `pg_depend`.
    /// `$1`: whether they last only until the end of the current transaction
    /// (inside a tenant's transaction), or for the session. The planner settings
    /// are reset (`resetStatements`) as soon as the prepared reads are done, so
    /// that a tenant's DDL never runs under them.
    static let setupQuery = """
        SELECT set_config('search_path', '', $1::boolean),
               set_config('plan_cache_mode', 'force_generic_plan', $1::boolean),
               set_config('enable_hashjoin', 'off', $1::boolean), set_config('enable_mergejoin', 'off', $1::boolean),
               set_config('enable_seqscan', 'off', $1::boolean)
        """

    static let resetStatements = ["RESET plan_cache_mode", "RESET enable_hashjoin", "RESET enable_mergejoin",
                                  "RESET enable_seqscan"].map { PipelineStatement($0) }

    static let membersQuery = """
        SELECT n.nspname, n.oid::int8::text, d.classid::int8::text, d.objid::int8::text,
               coalesce(c.relkind::text, t.typtype::text, p.prokind::text) AS kind,
               coalesce(c.relname, t.typname, p.proname) AS name,
               t.typelem <> 0 OR t.typrelid <> 0 AS derived_type,
               nullif(t.typarray, 0)::int8::text AS array_type,
               coalesce(c.xmin, t.xmin, p.xmin, co.xmin)::text AS version,
               quote_ident(n.nspname), n.xmin::text
        FROM pg_namespace n
        LEFT JOIN pg_depend d
               ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid AND d.deptype = 'n'
        LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
        LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
        LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
        LEFT JOIN pg_collation co ON d.classid = 'pg_collation'::regclass AND co.oid = d.objid
        WHERE n.nspname = ANY($1::text[])
        """

    static func members(from result: QueryResult) -> [String: Members] {
        var members: [String: Members] = [:]
        for row in result.rows {
            guard let schema = row[0] else { continue }
            var entry = members[schema] ?? Members(
                schema: schema, stamp: [Stamp.namespace(oid: row[1] ?? "", version: row[10] ?? "")],
                quotedName: row[9] ?? schema)
            if let catalog = row[2], let oid = row[3] {
                entry.local.insert("\(catalog)/\(oid)")
                if let version = row[8] {
                    entry.stamp.append(Stamp.member(catalog: catalog, oid: oid, version: version))
                } else {
                    // An operator, operator class, text search object...: their
                    // versions are not read, so the schema gets no stamp.
                    entry.stampable = false
                }
                // A type's array type records no namespace dependency of its own.
                if let array = row[7] { entry.local.insert("\(Catalog.pgType)/\(array)") }
                if let kind = row[4]?.first, let name = row[5] {
                    switch catalog {
                    case Catalog.pgClass: entry.classes.append((oid, kind, name))
                    case Catalog.pgType where row[6] != "t": entry.types.append((oid, kind, name))
                    case "1255": entry.routines.append((kind, name))
                    default: break
                    }
                }
            }
            members[schema] = entry
        }
        return members
    }

    // MARK: - Batch queries (empty search_path)

    static let columnsQuery = """
        SELECT a.attrelid::int8::text, a.attnum::text, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, ad.oid::int8::text, pg_get_expr(ad.adbin, ad.adrelid, true),
               a.attgenerated::text, a.attidentity::text, a.atttypid::int8::text,
               CASE WHEN a.attcollation <> ty.typcollation THEN a.attcollation::int8::text END,
               CASE WHEN a.attcollation <> ty.typcollation THEN
                    (SELECT CASE WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                                 ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                       FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                      WHERE co.oid = a.attcollation)
               END,
               NULL::text,
               ty.typelem::int8::text, a.xmin::text, ad.xmin::text
        FROM pg_attribute a
        JOIN pg_type ty ON ty.oid = a.atttypid
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """

    static let constraintsQuery = """
        SELECT con.conrelid::int8::text, con.oid::int8::text, con.conname, con.contype::text,
               pg_get_constraintdef(con.oid, true),
               con.conindid::int8::text, con.confrelid::int8::text, con.xmin::text,
               -- A foreign key to a table of the same schema names it qualified:
               -- see unqualifiedForeignKey.
               CASE WHEN con.contype = 'f' AND ref.relnamespace = con.connamespace THEN quote_ident(ref.relname) END
        FROM pg_constraint con
        LEFT JOIN pg_class ref ON ref.oid = con.confrelid
        WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
        """

    static let indexesQuery = """
        SELECT i.indrelid::int8::text, i.indexrelid::int8::text, ic.relname, i.indisunique,
               -- No text for the index of a constraint: primary keys and exclusion
               -- constraints always have one; a unique index may or may not.
               CASE WHEN i.indisprimary OR i.indisexclusion THEN NULL
                    WHEN i.indisunique AND EXISTS (
                         SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                            AND d.refclassid = 'pg_constraint'::regclass AND d.deptype = 'i') THEN NULL
                    ELSE pg_get_indexdef(i.indexrelid, 0, true) END,
               'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                 || quote_ident(ic.relname) || ' ON ' || CASE WHEN tc.relkind = 'p' THEN 'ONLY ' ELSE '' END,
               quote_ident(tc.relname),
               quote_ident(tn.nspname) || '.' || quote_ident(tc.relname),
               i.xmin::text, ic.xmin::text
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class tc ON tc.oid = i.indrelid
        JOIN pg_namespace tn ON tn.oid = tc.relnamespace
        WHERE i.indrelid = ANY($1::oid[])
        """

    /// Table comments, and for sequences the column that owns them (`a`: serial, `i`: identity).
    static let classesQuery = """
        SELECT c.oid::int8::text, NULL::text, dep.refobjid::int8::text, dep.refobjsubid::text, dep.deptype::text,
               format_type(sq.seqtypid, NULL), sq.xmin::text
        FROM pg_class c
        LEFT JOIN pg_depend dep
               ON c.relkind = 'S' AND dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
              AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
        LEFT JOIN pg_sequence sq ON dep.objid IS NOT NULL AND sq.seqrelid = c.oid
        WHERE c.oid = ANY($1::oid[])
        """

    /// Comments on tables (`objsubid` 0) and their columns: one index range per table.
    static let commentsQuery = """
        SELECT ds.objoid::int8::text, ds.objsubid::text, ds.description, ds.xmin::text FROM pg_description ds
        WHERE ds.objoid = ANY($1::oid[]) AND ds.classoid = 'pg_class'::regclass
        """

    static let enumsQuery = """
        SELECT e.enumtypid::int8::text, e.enumlabel, e.oid::int8::text, e.xmin::text FROM pg_enum e
        WHERE e.enumtypid = ANY($1::oid[]) ORDER BY e.enumtypid, e.enumsortorder
        """

    // MARK: - Per-schema query (search_path = the schema)

    /// What one schema needs re-read with itself on the path.
    struct LocalItems {
        var constraints: [String] = []
        var defaults: [String] = []
        var indexes: [String] = []
        var types: [(rel: String, attnum: String)] = []
        var collations: [(rel: String, attnum: String)] = []

        var isEmpty: Bool {
            constraints.isEmpty && defaults.isEmpty && indexes.isEmpty && types.isEmpty && collations.isEmpty
        }

        /// The query that re-reads these items, with only the parts it needs:
        /// it is planned afresh for each schema, so the smaller the better.
        var statement: PipelineStatement {
            var parts: [String] = []
            var parameters: [String?] = []
            func parameter(_ values: [String]) -> String {
                parameters.append(arrayLiteral(values))
                return "$\(parameters.count)"
            }
            if !constraints.isEmpty {
                parts.append("""
                    SELECT 'c', con.oid::int8::text, pg_get_constraintdef(con.oid, true)
                    FROM pg_constraint con WHERE con.oid = ANY(\(parameter(constraints))::oid[])
                    """)
            }
            if !defaults.isEmpty {
                parts.append("""
                    SELECT 'd', ad.oid::int8::text, pg_get_expr(ad.adbin, ad.adrelid, true)
                    FROM pg_attrdef ad WHERE ad.oid = ANY(\(parameter(defaults))::oid[])
                    """)
            }
            if !indexes.isEmpty {
                parts.append("""
                    SELECT 'i', i.indexrelid::int8::text, pg_get_indexdef(i.indexrelid, 0, true)
                    FROM pg_index i WHERE i.indexrelid = ANY(\(parameter(indexes))::oid[])
                    """)
            }
            if !types.isEmpty {
                parts.append("""
                    SELECT 't', a.attrelid::int8::text || '/' || a.attnum::text, format_type(a.atttypid, a.atttypmod)
                    FROM unnest(\(parameter(types.map(\.rel)))::oid[], \(parameter(types.map(\.attnum)))::int2[]) AS k(rel, num)
                    JOIN pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.num
                    """)
            }
            if !collations.isEmpty {
                parts.append("""
                    SELECT 'l', a.attrelid::int8::text || '/' || a.attnum::text,
                           CASE WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                                ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                    FROM unnest(\(parameter(collations.map(\.rel)))::oid[], \(parameter(collations.map(\.attnum)))::int2[]) AS k(rel, num)
                    JOIN pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.num
                    JOIN pg_collation co ON co.oid = a.attcollation
                    JOIN pg_namespace cn ON cn.oid = co.collnamespace
                    """)
            }
            return PipelineStatement(parts.joined(separator: "\nUNION ALL\n"), parameters)
        }
    }

    // MARK: - One batch

    func reflectBatch(_ schemas: [String], on connection: Connection) throws -> [ReflectedSchema] {
        guard !schemas.isEmpty else { return [] }
        // Every read below is a handful of index lookups per schema; with large
        // oid arrays the planner would otherwise pick hash joins that scan all of
        // pg_depend (the biggest catalog) once per query.
        // In a transaction, the settings are made for it alone.
        let transactionOnly = connection.inTransaction
        let head = try connection.pipeline([
            PipelineStatement(Self.setupQuery, [transactionOnly ? "true" : "false"], prepared: "tenantplan_reflect_setup"),
            PipelineStatement(Self.membersQuery, [arrayLiteral(schemas)], prepared: "tenantplan_members"),
        ])
        var reset = false
        defer {
            if !reset { _ = try? connection.pipeline(Self.resetStatements) }
        }
        let members = Self.members(from: head[1])
        let present = schemas.compactMap { members[$0] }
        guard !present.isEmpty else { return [] }

        var owner: [String: String] = [:]   // table or sequence oid (pg_class) -> schema
        var enumOwner: [String: String] = [:]   // enum type oid (pg_type) -> schema: oids are unique per catalog
        var tableOIDs: [String] = [], classOIDs: [String] = [], enumOIDs: [String] = []
        for m in present {
            for c in m.classes where Self.isTable(c.kind) || c.kind == "S" {
                owner[c.oid] = m.schema
                classOIDs.append(c.oid)
                if Self.isTable(c.kind) { tableOIDs.append(c.oid) }
            }
            for t in m.types where t.kind == "e" {
                enumOwner[t.oid] = m.schema
                enumOIDs.append(t.oid)
            }
        }
        let tables = arrayLiteral(tableOIDs)
        let results = try connection.pipeline([
            PipelineStatement(Self.columnsQuery, [tables], prepared: "tenantplan_columns"),
            PipelineStatement(Self.constraintsQuery, [tables], prepared: "tenantplan_constraints"),
            PipelineStatement(Self.indexesQuery, [tables], prepared: "tenantplan_indexes"),
            PipelineStatement(Self.classesQuery, [arrayLiteral(classOIDs)], prepared: "tenantplan_classes"),
            PipelineStatement(Self.enumsQuery, [arrayLiteral(enumOIDs)], prepared: "tenantplan_enums"),
            PipelineStatement(Self.commentsQuery, [tables], prepared: "tenantplan_comments"),
        ] + Self.resetStatements)
        reset = true
        var rows = BatchRows(columns: results[0].rows, constraints: results[1].rows, indexes: results[2].rows,
                             classes: results[3].rows, enums: results[4].rows, comments: results[5].rows)

        // Items whose text names the schema's own objects.
        var local: [String: LocalItems] = [:]
        for row in rows.constraints {
            guard let rel = row[0], let oid = row[1], let schema = owner[rel], let m = members[schema] else { continue }
            if row[3] == "f" {
                guard let target = row[6], m.local.contains("\(Catalog.pgClass)/\(target)") else { continue }
                if let def = row[4], let table = row[8],
                   let text = Self.unqualifiedForeignKey(def, schema: m.quotedName, table: table) {
                    rows.local["c/\(oid)"] = text
                } else {
                    local[schema, default: LocalItems()].constraints.append(oid)
                }
            } else if let text = row[4], m.names(text) {
                local[schema, default: LocalItems()].constraints.append(oid)
            }
        }
        for row in rows.indexes {
            // The head names the table, qualified: look at what follows it.
            guard let rel = row[0], let oid = row[1], let def = row[4], let prefix = row[5], let unqualified = row[6],
                  let qualified = row[7], let schema = owner[rel], let m = members[schema],
                  m.names(Self.indexTail(def, unique: false, prefix: prefix, tableNames: [unqualified, qualified]))
            else { continue }
            local[schema, default: LocalItems()].indexes.append(oid)
        }
        for row in rows.columns {
            guard let rel = row[0], let attnum = row[1], let type = row[9], let schema = owner[rel],
                  let m = members[schema] else { continue }
            if let attrdef = row[5], let text = row[6], m.names(text) {
                local[schema, default: LocalItems()].defaults.append(attrdef)
            }
            // An array type records no namespace dependency of its own: check its
            // element too; a table's row type has none either: check the text.
            if m.local.contains("\(Catalog.pgType)/\(type)")
                || row[13].map({ m.local.contains("\(Catalog.pgType)/\($0)") }) == true
                || row[3].map(m.names) == true {
                local[schema, default: LocalItems()].types.append((rel, attnum))
            }
            if let collation = row[10], m.local.contains("\(Catalog.pgCollation)/\(collation)") {
                local[schema, default: LocalItems()].collations.append((rel, attnum))
            }
        }

        var statements: [PipelineStatement] = []
        var order: [String] = []
        for m in present {
            guard let items = local[m.schema], !items.isEmpty else { continue }
            // Deduplicate: an item may depend on several local objects.
            var unique = items
            unique.constraints = Array(Set(items.constraints))
            unique.defaults = Array(Set(items.defaults))
            unique.indexes = Array(Set(items.indexes))
            statements.append(PipelineStatement("SELECT set_config('search_path', $1, $2::boolean)",
                                                [quoteIdentifier(m.schema), transactionOnly ? "true" : "false"]))
            statements.append(unique.statement)
            order.append(m.schema)
        }
        if !statements.isEmpty {
            let localResults = try connection.pipeline(statements)
            for (i, _) in order.enumerated() {
                for row in localResults[2 * i + 1].rows {
                    guard let kind = row[0], let key = row[1], let text = row[2] else { continue }
                    rows.local["\(kind)/\(key)"] = text
                }
            }
        }

        var byTable: [String: [[String?]]] = [:]
        for row in rows.columns { if let rel = row[0] { byTable[rel, default: []].append(row) } }
        var constraintsByTable: [String: [[String?]]] = [:]
        for row in rows.constraints { if let rel = row[0] { constraintsByTable[rel, default: []].append(row) } }
        var indexesByTable: [String: [[String?]]] = [:]
        for row in rows.indexes { if let rel = row[0] { indexesByTable[rel, default: []].append(row) } }
        var comments: [String: String] = [:]
        var ownedSequences: Set<String> = []
        var serialOwner: [String: String] = [:]   // "tableoid/attnum" -> sequence oid
        var sequenceTypes: [String: String] = [:]   // owned sequence oid -> its data type
        for row in rows.classes {
            guard let oid = row[0] else { continue }
            if let ownerTable = row[2], let attnum = row[3], let type = row[4] {
                ownedSequences.insert(oid)
                if type == "a" { serialOwner["\(ownerTable)/\(attnum)"] = oid }
                sequenceTypes[oid] = row[5]
            }
        }
        for row in rows.comments {
            guard let oid = row[0], let attnum = row[1], let comment = row[2] else { continue }
            comments[attnum == "0" ? oid : "\(oid)/\(attnum)"] = comment
        }
        var labels: [String: [String]] = [:]
        for row in rows.enums {
            guard let type = row[0], let label = row[1] else { continue }
            labels[type, default: []].append(label)
        }

        let stamps = Self.stampLines(rows, owner: owner, enumOwner: enumOwner)
        return present.map { m in
            let state = Self.assemble(
                m, rows: rows, columns: byTable, constraints: constraintsByTable, indexes: indexesByTable,
                comments: comments, ownedSequences: ownedSequences, sequenceTypes: sequenceTypes,
                serialOwner: serialOwner, labels: labels)
            return ReflectedSchema(name: m.schema, state: state,
                                   stamp: m.stampable ? Stamp.digest(m.stamp + stamps[m.schema, default: []]) : nil)
        }
    }

    /// Each schema's stamp lines from the rows of its batch (members' lines come with `Members`).
    static func stampLines(_ rows: BatchRows, owner: [String: String], enumOwner: [String: String]) -> [String: [String]] {
        var lines: [String: [String]] = [:]
        func add(_ key: String, _ line: String, owners: [String: String] = owner) {
            if let schema = owners[key] { lines[schema, default: []].append(line) }
        }
        for row in rows.columns {
            guard let table = row[0], let attnum = row[1], let version = row[14] else { continue }
            add(table, Stamp.column(table: table, attnum: attnum, version: version,
                                    defaultOID: row[5], defaultVersion: row[15]))
        }
        for row in rows.constraints {
            guard let table = row[0], let oid = row[1], let version = row[7] else { continue }
            add(table, Stamp.constraint(oid: oid, version: version))
        }
        for row in rows.indexes {
            guard let table = row[0], let oid = row[1], let version = row[8], let classVersion = row[9] else { continue }
            add(table, Stamp.index(oid: oid, version: version, classVersion: classVersion))
        }
        for row in rows.classes {
            guard let oid = row[0], let ownerTable = row[2], let attnum = row[3], let type = row[4] else { continue }
            add(oid, Stamp.ownedSequence(oid: oid, owner: ownerTable, attnum: attnum, type: type,
                                         version: row[6] ?? ""))
        }
        for row in rows.enums {
            guard let type = row[0], let oid = row[2], let version = row[3] else { continue }
            add(type, Stamp.label(oid: oid, version: version), owners: enumOwner)
        }
        for row in rows.comments {
            guard let table = row[0], let attnum = row[1], let version = row[3] else { continue }
            add(table, Stamp.comment(oid: table, attnum: attnum, version: version))
        }
        return lines
    }

    static func isTable(_ kind: Character) -> Bool { kind == "r" || kind == "p" }

    /// A foreign key's text, deparsed with an empty `search_path`, as it reads
    /// with its own schema on the path: `REFERENCES "s"."t"(` becomes
    /// `REFERENCES "t"(`. Both names come quoted as the deparser quotes them
    /// (`quote_ident`). Only the occurrence outside double quotes counts (a
    /// quoted column name may contain anything, but holds its quotes in pairs).
    /// Nil, to read the text again with the schema on the path, when the table
    /// could be shadowed by a `pg_catalog` relation of the same name (`pg_`
    /// prefix) or the text is not as expected.
    static func unqualifiedForeignKey(_ definition: String, schema: String, table: String) -> String? {
        guard !table.hasPrefix("pg_"), !table.hasPrefix("\"pg_") else { return nil }
        let text = Array(definition.utf8)
        let needle = Array(") REFERENCES \(schema).\(table)(".utf8)
        let qualifier = Array("\(schema).".utf8)
        var quoted = false
        var i = 0
        while i + needle.count <= text.count {
            if text[i] == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted && text[i] == needle[0] && text[i..<(i + needle.count)].elementsEqual(needle) {
                let start = i + ") REFERENCES ".utf8.count
                return String(decoding: text[..<start] + text[(start + qualifier.count)...], as: UTF8.self)
            }
            i += 1
        }
        return nil
    }

    /// The rows of one batch, and the texts re-read with each schema on the path
    /// (keyed `c/oid`, `d/oid`, `i/oid`, `t/rel/attnum`, `l/rel/attnum`).
    struct BatchRows {
        var columns: [[String?]]
        var constraints: [[String?]]
        var indexes: [[String?]]
        var classes: [[String?]]
        var enums: [[String?]]
        var comments: [[String?]]
        var local: [String: String] = [:]
    }

    static func assemble(_ members: Members, rows: BatchRows, columns: [String: [[String?]]],
                         constraints: [String: [[String?]]], indexes: [String: [[String?]]],
                         comments: [String: String], ownedSequences: Set<String>, sequenceTypes: [String: String],
                         serialOwner: [String: String], labels: [String: [String]]) -> SchemaState {
        let names = Dictionary(members.classes.map { ($0.oid, $0.name) }, uniquingKeysWith: { a, _ in a })
        var tables: [TableState] = []
        for c in members.classes where isTable(c.kind) {
            var table = TableState(name: c.name, comment: comments[c.oid])
            for row in columns[c.oid] ?? [] {
                guard let attnum = row[1], let name = row[2], let reflectedType = row[3] else { continue }
                let key = "\(c.oid)/\(attnum)"
                let expression = row[5].flatMap { rows.local["d/\($0)"] } ?? row[6]
                let generated = row[7] != nil && row[7] != ""
                let identity: Identity? = switch row[8] {
                case "a": .always
                case "d": .byDefault
                default: nil
                }
                table.columns.append(ColumnState(
                    name: name, type: rows.local["t/\(key)"] ?? reflectedType, notNull: row[4] == "t",
                    defaultExpression: generated ? nil : expression, identity: identity,
                    generated: generated ? expression : nil,
                    collation: row[10] == nil ? nil : (rows.local["l/\(key)"] ?? row[11]),
                    comment: comments[key], ownedSequence: serialOwner[key].flatMap { names[$0] },
                    ownedSequenceType: serialOwner[key].flatMap { sequenceTypes[$0] }))
            }
            var constraintIndexes: Set<String> = []
            for row in constraints[c.oid] ?? [] {
                guard let oid = row[1], let name = row[2], let kindText = row[3],
                      let def = rows.local["c/\(oid)"] ?? row[4],
                      let kind = ConstraintState.Kind(rawValue: kindText) else { continue }
                if kind == .primaryKey || kind == .unique || kind == .exclusion, let index = row[5] {
                    constraintIndexes.insert(index)
                }
                table.constraints.append(ConstraintState(name: name, kind: kind, definition: def))
            }
            for row in indexes[c.oid] ?? [] {
                // Indexes of constraints come without a definition (the query skips them).
                guard let indexOID = row[1], let name = row[2], let def = row[4],
                      let prefix = row[5], let unqualified = row[6], let qualified = row[7] else { continue }
                if constraintIndexes.contains(indexOID) { continue }
                table.indexes.append(IndexState(
                    name: name,
                    definition: indexTail(rows.local["i/\(indexOID)"] ?? def, unique: row[3] == "t", prefix: prefix,
                                          tableNames: [unqualified, qualified])))
            }
            tables.append(table)
        }

        let enums = members.types.filter { $0.kind == "e" }.map { EnumState(name: $0.name, labels: labels[$0.oid] ?? []) }
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
        // Tables, constraints and indexes in name order; columns stay in column order.
        return SchemaState(
            enums: enums.sorted { $0.name < $1.name },
            tables: tables.map {
                TableState(name: $0.name, comment: $0.comment, columns: $0.columns,
                           constraints: $0.constraints.sorted { $0.name < $1.name },
                           indexes: $0.indexes.sorted { $0.name < $1.name })
            }.sorted { $0.name < $1.name },
            sequences: sequences.sorted(), others: others.sorted())
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

extension String.UTF8View {
    /// Whether `needle` occurs in these bytes (plain byte comparison, no Foundation).
    func contains(subsequence needle: String.UTF8View) -> Bool {
        guard let first = needle.first else { return true }
        var start = startIndex
        while let i = self[start...].firstIndex(of: first) {
            if self[i...].starts(with: needle) { return true }
            start = index(after: i)
        }
        return false
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
