import Foundation
import Postgres
import State

/// The catalog facts of one tenant that `build` turns into a declaration, each
/// with the query that reads it and its decoding by column name.
///
/// The queries run with `search_path` set to the tenant alone (see `read`);
/// `$1` is the tenant's namespace oid, `$2` (or `$1` where there is no other)
/// an array of its table oids.
extension Importer {
    /// The facts `build` needs, as the server renders them under the tenant's `search_path`.
    struct Catalog: Sendable {
        var schema: String
        var enums: [(name: String, labels: [String], comment: String?)] = []
        var tables: [Table] = []
        /// Views, aggregates, standalone sequences, policies...: `kind name`, sorted.
        var unmanaged: [String] = []
        /// Functions and procedures outside extensions, by name.
        var functions: [Function] = []
        /// Views and materialized views, and each materialized view's indexes by its name.
        var views: [ViewState] = []
        var viewIndexes: [String: [Index]] = [:]
        /// The triggers of views, by view name.
        var viewTriggers: [String: [Trigger]] = [:]
        /// Domains, as `Reflector` reads them.
        var domains: [DomainState] = []
        /// Standalone sequences, as `Reflector` reads them.
        var sequences: [SequenceState] = []
        /// Composite types, as `Reflector` reads them.
        var compositeTypes: [CompositeTypeState] = []
    }

    /// A table or partitioned table of the tenant.
    struct Table: Sendable, RowDecodable {
        static let query = """
            SELECT c.oid::int8::text AS oid, c.relname AS name, c.relkind::text AS kind,
                   c.relispartition AS is_partition, c.relpersistence::text AS persistence,
                   EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) AS inherits,
                   (SELECT pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                     WHERE c.relispartition AND i.inhrelid = c.oid AND pc.relnamespace = c.relnamespace) AS parent,
                   (SELECT ds.description FROM pg_description ds
                     WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0) AS comment
            FROM pg_class c
            WHERE c.relnamespace = $1::oid AND c.relkind IN ('r', 'p')
            """

        var oid: String
        var name: String
        var kind: Character
        var isPartition = false
        var inherits = false
        var unlogged = false
        /// A partitioned table's key and its partitions of the same schema, as
        /// `Reflector` reads them (`TableState.partitionBy`, `partitions`).
        var partitionKey: String?
        var partitions: [PartitionState] = []
        /// A partition's parent, when it is a table of the same schema.
        var parent: String?
        var comment: String?
        var columns: [Column] = []
        var constraints: [Constraint] = []
        var indexes: [Index] = []
        var triggers: [Trigger] = []

        init(_ row: Row) throws {
            oid = try row.value("oid")
            name = try row.value("name")
            kind = try row.character("kind")
            isPartition = try row.bool("is_partition")
            unlogged = try row["persistence"] == "u"
            inherits = try row.bool("inherits")
            parent = try row["parent"]
            comment = try row["comment"]
        }
    }

    /// A column, in `attnum` order. The collation is written as a plain name when
    /// that names it (`C`), else as the server quotes and qualifies it.
    struct Column: Sendable, RowDecodable {
        static let query = """
            SELECT a.attrelid::int8::text AS table_oid, a.attname AS name,
                   format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
                   CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END AS default_expression,
                   a.attidentity::text AS identity,
                   CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END AS generated,
                   CASE WHEN a.attcollation <> ty.typcollation THEN
                        CASE WHEN pg_collation_is_visible(co.oid) AND position('.' IN co.collname) = 0
                                  AND left(co.collname, 1) <> '"' THEN co.collname
                             WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                             ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                   END AS collation,
                   (SELECT ds.description FROM pg_description ds
                     WHERE ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum)
                     AS comment,
                   et.typnamespace = 'pg_catalog'::regnamespace AS type_in_catalog,
                   et.typnamespace = $1::oid AS type_in_tenant, et.typtype::text AS type_kind,
                   et.typname AS element_type_name, ty.typelem <> 0 AND ty.typlen = -1 AS is_array,
                   a.atttypmod::text AS typmod,
                   seq.relname AS owned_sequence,
                   seq.oid IS NOT NULL AND a.attgenerated = '' AND pg_get_expr(ad.adbin, ad.adrelid, true)
                       = 'nextval(' || quote_literal(seq.oid::regclass::text) || '::regclass)' AS default_is_owned_nextval,
                   ad.oid::int8::text AS default_oid
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

        /// The table's oid.
        var table: String
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
        /// The `pg_attrdef` row of the default or generation expression.
        var defaultOID: String?
        /// Objects of the tenant that schema.yaml cannot declare and the default or
        /// generated expression uses (`function f`, `sequence s`).
        var expressionUses: [String] = []

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            name = try row.value("name")
            type = try row.value("type")
            notNull = try row.bool("not_null")
            defaultExpression = try row["default_expression"]
            identity = try row["identity"] ?? ""
            generated = try row["generated"]
            collation = try row["collation"]
            comment = try row["comment"]
            typeInCatalog = try row.bool("type_in_catalog")
            typeInTenant = try row.bool("type_in_tenant")
            typeKind = try row["type_kind"]?.first ?? "b"
            elementTypeName = try row["element_type_name"] ?? ""
            isArray = try row.bool("is_array")
            typmod = Int(try row["typmod"] ?? "") ?? -1
            ownedSequence = try row["owned_sequence"]
            defaultIsOwnedNextval = try row.bool("default_is_owned_nextval")
            defaultOID = try row["default_oid"]
        }
    }

    /// A primary key, unique, foreign key, check or exclusion constraint. Column
    /// lists come as JSON arrays of names, in key order; `quote_ident` gives them
    /// as `pg_get_constraintdef` writes them.
    struct Constraint: Sendable {
        static let query = """
            SELECT con.oid::int8::text AS oid, con.conrelid::int8::text AS table_oid, con.conname AS name,
                   con.contype::text AS kind, pg_get_constraintdef(con.oid, true) AS definition,
                   array_to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i))::text
                       AS columns,
                   array_to_json(ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i))::text
                       AS quoted_columns,
                   rn.nspname AS referenced_schema, rc.relname AS referenced_table,
                   rn.oid = $1::oid AS referenced_in_tenant,
                   CASE WHEN con.confrelid <> 0 THEN con.confrelid::regclass::text END AS referenced_rendered,
                   array_to_json(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                       JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i))::text
                       AS referenced_columns,
                   array_to_json(ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                       JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i))::text
                       AS quoted_referenced_columns,
                   con.confupdtype::text AS on_update, con.confdeltype::text AS on_delete,
                   (SELECT ds.description FROM pg_description ds
                     WHERE ds.objoid = con.oid AND ds.classoid = 'pg_constraint'::regclass AND ds.objsubid = 0)
                     AS comment
            FROM pg_constraint con
            LEFT JOIN pg_class rc ON rc.oid = con.confrelid
            LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE con.conrelid = ANY($2::oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
              -- A foreign key to a partitioned table has a clone per partition it
              -- reaches, on the same table: the declaration has the one.
              AND NOT EXISTS (SELECT 1 FROM pg_constraint pc WHERE pc.oid = con.conparentid AND pc.conrelid = con.conrelid)
            """

        var oid: String
        /// The table's oid.
        var table: String
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
        var comment: String?

        /// Nil when the constraint has no definition (dropped since the query began).
        init?(_ row: Row) throws {
            let oid = try row.value("oid"), table = try row.value("table_oid"), name = try row.value("name")
            let kind = try row.character("kind"), definition = try row["definition"]
            let columns = try row["columns"], quotedColumns = try row["quoted_columns"]
            let referencedSchema = try row["referenced_schema"], referencedTable = try row["referenced_table"]
            let referencedInTenant = try row.bool("referenced_in_tenant")
            let referencedRendered = try row["referenced_rendered"]
            let referencedColumns = try row["referenced_columns"]
            let quotedReferencedColumns = try row["quoted_referenced_columns"]
            let onUpdate = try row["on_update"], onDelete = try row["on_delete"]
            guard let definition else { return nil }
            self.oid = oid
            self.table = table
            self.name = name
            self.kind = kind
            self.definition = definition
            self.columns = try Importer.jsonList(columns)
            self.quotedColumns = try Importer.jsonList(quotedColumns)
            self.referencedSchema = referencedSchema
            self.referencedTable = referencedTable
            self.referencedInTenant = referencedInTenant
            self.referencedRendered = referencedRendered
            self.referencedColumns = try Importer.jsonList(referencedColumns)
            self.quotedReferencedColumns = try Importer.jsonList(quotedReferencedColumns)
            self.onUpdate = onUpdate?.first ?? "a"
            self.onDelete = onDelete?.first ?? "a"
            comment = try row["comment"]
        }
    }

    /// An index that no constraint owns. The head of `pg_get_indexdef` is rebuilt
    /// on the server with `quote_ident`, as `Reflector` does, to cut it off exactly.
    struct Index: Sendable {
        static let query = """
            SELECT i.indexrelid::int8::text AS oid, i.indrelid::int8::text AS table_oid, ic.relname AS name,
                   i.indisunique AS is_unique, i.indisvalid AS is_valid, i.indnkeyatts::text AS key_count,
                   am.amname AS method, quote_ident(am.amname) AS quoted_method,
                   pg_get_indexdef(i.indexrelid, 0, true) AS definition,
                   'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                     || quote_ident(ic.relname) || ' ON ' || CASE WHEN tc.relkind = 'p' THEN 'ONLY ' ELSE '' END
                     AS head,
                   quote_ident(tc.relname) AS table_name,
                   quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) AS qualified_table_name,
                   pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
                   array_to_json(ic.reloptions)::text AS storage,
                   (SELECT ds.description FROM pg_description ds
                     WHERE ds.objoid = i.indexrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0)
                     AS comment
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class tc ON tc.oid = i.indrelid
            JOIN pg_namespace tn ON tn.oid = tc.relnamespace
            JOIN pg_am am ON am.oid = ic.relam
            WHERE i.indrelid = ANY($1::oid[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                              WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
            """

        var oid: String
        /// The table's oid.
        var table: String
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
        /// `reloptions`: `fillfactor=70`, one storage parameter each.
        var storage: [String] = []
        var comment: String?

        /// Nil when the index has no definition (dropped since the query began).
        init?(_ row: Row) throws {
            let oid = try row.value("oid"), table = try row.value("table_oid"), name = try row.value("name")
            let unique = try row.bool("is_unique"), valid = try row.bool("is_valid")
            let keyCount = try row["key_count"]
            let method = try row.value("method"), quotedMethod = try row.value("quoted_method")
            let definition = try row["definition"], head = try row.value("head")
            let tableNames = [try row.value("table_name"), try row.value("qualified_table_name")]
            let predicate = try row["predicate"]
            guard let definition else { return nil }
            self.oid = oid
            self.table = table
            self.name = name
            self.unique = unique
            self.valid = valid
            self.method = method
            self.quotedMethod = quotedMethod
            self.keyCount = Int(keyCount ?? "") ?? 0
            tail = Reflector.indexTail(definition, unique: false, prefix: head, tableNames: tableNames)
            self.predicate = predicate
            storage = try Importer.jsonList(try row["storage"])
            comment = try row["comment"]
        }
    }

    /// A key or included column of an index, in order (`indkey` and `indoption`
    /// are zero-based `int2vector`s).
    struct IndexKey: Sendable {
        static let query = """
            SELECT i.indexrelid::int8::text AS index_oid, k.n::text AS key_number,
                   pg_get_indexdef(i.indexrelid, k.n, true) AS text, a.attname AS column_name,
                   coalesce(i.indoption[k.n - 1], 0)::text AS option
            FROM pg_index i
            CROSS JOIN LATERAL generate_series(1, i.indnatts) AS k(n)
            LEFT JOIN pg_attribute a
                   ON a.attrelid = i.indrelid AND i.indkey[k.n - 1] > 0 AND a.attnum = i.indkey[k.n - 1]
            WHERE i.indrelid = ANY($1::oid[])
            ORDER BY 1, k.n
            """

        /// The index's oid.
        var index: String
        /// `pg_get_indexdef(indexrelid, k, true)`: a quoted column name or an expression.
        var text: String
        /// The column's own name when the key is a plain column.
        var column: String?
        /// `indoption`: bit 0 DESC, bit 1 NULLS FIRST.
        var option: Int

        /// Nil when the key has no text (its index dropped since the query began).
        init?(_ row: Row) throws {
            let index = try row.value("index_oid"), text = try row["text"]
            let column = try row["column_name"], option = try row["option"]
            guard let text else { return nil }
            self.index = index
            self.text = text
            self.column = column
            self.option = Int(option ?? "0") ?? 0
        }
    }

    static func jsonList(_ text: String?) throws -> [String] {
        guard let text else { return [] }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
