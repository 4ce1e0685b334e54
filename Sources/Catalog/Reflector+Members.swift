import Postgres
import State

extension Reflector {
    /// The objects a schema holds.
    struct Members {
        var schema: String
        var classes: [(oid: String, kind: Character, name: String)] = []
        /// Types other than table row types and arrays: (oid, typtype, name).
        var types: [(oid: String, kind: Character, name: String)] = []
        var routines: [(oid: String, kind: Character, name: String)] = []
        /// Each table's bytes with its indexes and TOAST, by name, as the catalog
        /// last recorded them (see `MemberRow.bytes`): shown beside hazards and
        /// used to choose a change's form, never part of the state, its
        /// fingerprint or its stamp.
        var tableBytes: [String: Int64] = [:]
        /// The array type of each member type that has one, by the array's oid.
        var arrays: [String: String] = [:]
        /// Every member as `classid/objid`: references to these are local.
        var local: Set<String> = []
        /// Stamp lines of the schema and its members (see `Reflector+Stamp`).
        var stamp: [String]
        /// False when a member is of a kind whose row version is not read.
        var stampable = true
        /// The schema's name as the deparsers write it (`quote_ident`).
        let quotedName: String
        /// `quotedName` and a dot: how a deparsed text qualifies the schema's objects.
        private let qualifier: String
        /// Whether the name holds a quote or backslash (see `names`).
        private let escapedInLiterals: Bool

        init(schema: String, quotedName: String, stamp: [String]) {
            self.schema = schema
            self.quotedName = quotedName
            self.stamp = stamp
            qualifier = quotedName + "."
            escapedInLiterals = quotedName.utf8.contains(UInt8(ascii: "'")) || quotedName.utf8.contains(UInt8(ascii: "\\"))
        }

        /// Whether a text deparsed with an empty `search_path` may name one of the
        /// schema's own objects. The deparsers qualify every object outside
        /// `pg_catalog` then, so such a text contains the quoted schema name and a
        /// dot, also inside a literal (`'t1.orders_id_seq'::regclass`) unless the
        /// name holds a quote or backslash, which a literal escapes: then every
        /// text is read again. A false alarm only costs that second read.
        func names(_ text: String) -> Bool {
            escapedInLiterals || text.utf8.contains(subsequence: qualifier.utf8)
        }

        /// Whether the object `oid` of the system catalog `catalog` is a member.
        func hasLocal(_ catalog: String, _ oid: String) -> Bool {
            local.contains("\(catalog)/\(oid)")
        }
    }

    /// A schema of the batch, and one of its members: a row per member, or one
    /// row with no member for an empty schema.
    /// See https://www.postgresql.org/docs/15/catalog-pg-depend.html
    struct MemberRow: RowDecodable {
        static let query = """
            SELECT n.nspname AS schema, n.oid::int8::text AS schema_oid, quote_ident(n.nspname) AS quoted_schema,
                   n.xmin::text AS schema_version,
                   d.classid::int8::text AS catalog, d.objid::int8::text AS oid,
                   coalesce(c.relkind::text, t.typtype::text, p.prokind::text) AS kind,
                   coalesce(c.relname, t.typname, p.proname) AS name,
                   (t.typelem <> 0 OR t.typrelid <> 0) AND t.typtype <> 'c' AS derived_type,
                   nullif(t.typarray, 0)::int8::text AS array_type,
                   coalesce(c.xmin, t.xmin, p.xmin, co.xmin)::text AS version,
                   CASE WHEN c.relkind IN \(RelationSize.kinds) THEN \(RelationSize.bytesSQL("c"))::text END AS bytes
            FROM pg_namespace n
            LEFT JOIN pg_depend d
                   ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid AND d.deptype = 'n'
            LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
            LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
            LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
            LEFT JOIN pg_collation co ON d.classid = 'pg_collation'::regclass AND co.oid = d.objid
            WHERE n.nspname = ANY($1::text[])
            """

        var schema: String
        var schemaOID: String
        var quotedSchema: String
        var schemaVersion: String
        /// The member's system catalog (`classid`) and oid; nil for an empty schema.
        var catalog: String?
        var oid: String?
        /// `relkind`, `typtype` or `prokind`; nil for members of other catalogs.
        var kind: Character?
        var name: String?
        /// A table's row type or an array type, which the state does not list.
        var isDerivedType: Bool
        /// A type's array type, which records no namespace dependency of its own.
        var arrayType: String?
        /// The member's row version; nil for catalogs whose versions are not read.
        var version: String?
        /// A table's or materialized view's size with its indexes and TOAST
        /// (`RelationSize`). Nil for other members.
        var bytes: Int64?

        init(_ row: Row) throws {
            schema = try row.value("schema")
            schemaOID = try row.value("schema_oid")
            quotedSchema = try row.value("quoted_schema")
            schemaVersion = try row.value("schema_version")
            catalog = try row["catalog"]
            oid = try row["oid"]
            kind = try row["kind"]?.first
            name = try row["name"]
            isDerivedType = try row.bool("derived_type")
            arrayType = try row["array_type"]
            version = try row["version"]
            bytes = try row["bytes"].flatMap { Int64($0) }
        }
    }

    static func members(from result: QueryResult) throws -> [String: Members] {
        var members: [String: Members] = [:]
        for row in try result.decode(MemberRow.self) {
            var entry = members[row.schema] ?? Members(
                schema: row.schema, quotedName: row.quotedSchema,
                stamp: [Stamp.namespace(oid: row.schemaOID, version: row.schemaVersion)])
            if let catalog = row.catalog, let oid = row.oid {
                entry.local.insert("\(catalog)/\(oid)")
                if let version = row.version {
                    entry.stamp.append(Stamp.member(catalog: catalog, oid: oid, version: version))
                } else {
                    // An operator, operator class, text search object...: their
                    // versions are not read, so the schema gets no stamp.
                    entry.stampable = false
                }
                // A type's array type records no namespace dependency of its own.
                if let array = row.arrayType {
                    entry.local.insert("\(Catalog.pgType)/\(array)")
                    entry.arrays[array] = oid
                }
                if let kind = row.kind, let name = row.name {
                    switch catalog {
                    case Catalog.pgClass:
                        entry.classes.append((oid, kind, name))
                        if let bytes = row.bytes { entry.tableBytes[name] = bytes }
                    case Catalog.pgType where !row.isDerivedType: entry.types.append((oid, kind, name))
                    case Catalog.pgProc: entry.routines.append((oid, kind, name))
                    default: break
                    }
                }
            }
            members[row.schema] = entry
        }
        return members
    }
}
