import Postgres
import State

/// The batch catalog queries, each with the row it decodes into by column name.
///
/// They run with an empty `search_path` (see `Reflector`), prepared once per
/// connection; `$1` is an array of table (or table and sequence, or enum) oids.
/// Oids are read as `int8` text, the form `Stamp.query` writes them in. A field
/// that is not optional holds a catalog column that is never NULL; a deparsed
/// text stays optional, since the deparsers return NULL for an object dropped
/// after the query's snapshot was taken.
extension Reflector {
    /// A column of a table, with its default and the versions of both rows.
    /// See https://www.postgresql.org/docs/15/catalog-pg-attribute.html
    struct ColumnRow: RowDecodable {
        static let query = """
            SELECT a.attrelid::int8::text AS table_oid, a.attnum::text AS attnum, a.attname AS name,
                   format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
                   ad.oid::int8::text AS default_oid, pg_get_expr(ad.adbin, ad.adrelid, true) AS default_expression,
                   a.attgenerated::text AS generated, a.attidentity::text AS identity,
                   a.atttypid::int8::text AS type_oid,
                   CASE WHEN a.attcollation <> ty.typcollation THEN a.attcollation::int8::text END AS collation_oid,
                   CASE WHEN a.attcollation <> ty.typcollation THEN
                        (SELECT CASE WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                                     ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                           FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                          WHERE co.oid = a.attcollation)
                   END AS collation,
                   ty.typelem::int8::text AS element_type_oid, a.xmin::text AS version,
                   ad.xmin::text AS default_version
            FROM pg_attribute a
            JOIN pg_type ty ON ty.oid = a.atttypid
            LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum
            """

        var table: String
        var attnum: String
        var name: String
        /// `format_type`, with the schema's own types qualified (see `LocalItems`);
        /// never NULL for a type oid that is not.
        var type: String
        var notNull: Bool
        /// The `pg_attrdef` row of the default or generation expression, and its text.
        var defaultOID: String?
        var defaultExpression: String?
        var isGenerated: Bool
        var identity: Identity?
        var typeOID: String
        /// Set when the column's collation is not its type's default.
        var collationOID: String?
        var collation: String?
        /// `typelem`: the element type of an array type, `0` for other types.
        var elementTypeOID: String
        var version: String
        var defaultVersion: String?

        /// `table/attnum`, the key of the column's re-read texts and comment.
        var key: String { "\(table)/\(attnum)" }

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            attnum = try row.value("attnum")
            name = try row.value("name")
            type = try row.value("type")
            notNull = try row.bool("not_null")
            defaultOID = try row["default_oid"]
            defaultExpression = try row["default_expression"]
            let generated = try row["generated"]
            isGenerated = generated != nil && generated != ""
            identity = switch try row["identity"] {
            case "a": .always
            case "d": .byDefault
            default: nil
            }
            typeOID = try row.value("type_oid")
            collationOID = try row["collation_oid"]
            collation = try row["collation"]
            elementTypeOID = try row.value("element_type_oid")
            version = try row.value("version")
            defaultVersion = try row["default_version"]
        }
    }

    /// A primary key, unique, foreign key, check or exclusion constraint.
    /// See https://www.postgresql.org/docs/15/catalog-pg-constraint.html
    struct ConstraintRow: RowDecodable {
        static let query = """
            SELECT con.conrelid::int8::text AS table_oid, con.oid::int8::text AS oid, con.conname AS name,
                   con.contype::text AS kind, pg_get_constraintdef(con.oid, true) AS definition,
                   con.conindid::int8::text AS index_oid, con.confrelid::int8::text AS referenced_table_oid,
                   con.xmin::text AS version,
                   -- A foreign key to a table of the same schema names it qualified:
                   -- see unqualifiedForeignKey.
                   CASE WHEN con.contype = 'f' AND ref.relnamespace = con.connamespace
                        THEN quote_ident(ref.relname) END AS local_referenced_table,
                   -- A foreign key to a partitioned table has a clone per partition
                   -- it reaches, on the same table (see `isClone`).
                   con.conparentid <> 0 AND EXISTS (SELECT 1 FROM pg_constraint pc
                       WHERE pc.oid = con.conparentid AND pc.conrelid = con.conrelid) AS is_clone,
                   con.conparentid::int8::text AS parent_oid, con.convalidated AS validated,
                   quote_ident(ref.relname) AS referenced_name,
                   ds.description AS comment, ds.xmin::text AS comment_version
            FROM pg_constraint con
            LEFT JOIN pg_class ref ON ref.oid = con.confrelid
            LEFT JOIN pg_description ds
                   ON ds.classoid = 'pg_constraint'::regclass AND ds.objoid = con.oid AND ds.objsubid = 0
            WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
            """

        var table: String
        var oid: String
        var name: String
        /// `contype`: `p`, `u`, `f`, `c` or `x`.
        var kind: String
        var definition: String?
        /// The index of a key or exclusion constraint; `0` for none.
        var indexOID: String
        /// The table a foreign key references; `0` for other constraints.
        var referencedTableOID: String
        var version: String
        /// A foreign key's referenced table when it is in the constraint's own
        /// schema, as `quote_ident` writes it.
        var localReferencedTable: String?
        /// A foreign key's clone for one partition of the partitioned table it
        /// references: part of its parent constraint, not a constraint of the
        /// state (its row still counts in the stamp).
        var isClone: Bool
        /// `conparentid`: the constraint a clone belongs to; `0` for none.
        var parentOID: String
        /// `convalidated`. A clone can be left NOT VALID under a validated key
        /// (see `Assembly.constraints(of:)`).
        var validated: Bool
        /// A foreign key's referenced table (for a clone: the partition), as `quote_ident` writes it.
        var referencedName: String?
        /// `COMMENT ON CONSTRAINT`, and the version of its `pg_description` row.
        var comment: String?
        var commentVersion: String?

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            oid = try row.value("oid")
            name = try row.value("name")
            kind = try row.value("kind")
            definition = try row["definition"]
            indexOID = try row.value("index_oid")
            referencedTableOID = try row.value("referenced_table_oid")
            version = try row.value("version")
            localReferencedTable = try row["local_referenced_table"]
            isClone = try row.bool("is_clone")
            parentOID = try row.value("parent_oid")
            validated = try row.bool("validated")
            referencedName = try row["referenced_name"]
            comment = try row["comment"]
            commentVersion = try row["comment_version"]
        }
    }

    /// An index, with the head of its `pg_get_indexdef` text rebuilt (see `indexTail`).
    /// See https://www.postgresql.org/docs/15/catalog-pg-index.html
    struct IndexRow: RowDecodable {
        static let query = """
            SELECT i.indrelid::int8::text AS table_oid, i.indexrelid::int8::text AS oid, ic.relname AS name,
                   i.indisunique AS is_unique, NOT i.indisvalid AS is_invalid,
                   -- No text for the index of a constraint: primary keys and exclusion
                   -- constraints always have one; a unique index may or may not.
                   CASE WHEN i.indisprimary OR i.indisexclusion THEN NULL
                        WHEN i.indisunique AND EXISTS (
                             SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                                AND d.refclassid = 'pg_constraint'::regclass AND d.deptype = 'i') THEN NULL
                        ELSE pg_get_indexdef(i.indexrelid, 0, true) END AS definition,
                   'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                     || quote_ident(ic.relname) || ' ON ' || CASE WHEN tc.relkind = 'p' THEN 'ONLY ' ELSE '' END
                     AS head,
                   quote_ident(tc.relname) AS table_name,
                   quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) AS qualified_table_name,
                   i.xmin::text AS version, ic.xmin::text AS class_version,
                   ds.description AS comment, ds.xmin::text AS comment_version
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class tc ON tc.oid = i.indrelid
            JOIN pg_namespace tn ON tn.oid = tc.relnamespace
            LEFT JOIN pg_description ds
                   ON ds.classoid = 'pg_class'::regclass AND ds.objoid = i.indexrelid AND ds.objsubid = 0
            WHERE i.indrelid = ANY($1::oid[])
            """

        var table: String
        var oid: String
        var name: String
        var isUnique: Bool
        /// Left by a failed or killed `CREATE INDEX CONCURRENTLY`, or still being built.
        var isInvalid: Bool
        /// Nil for the index of a constraint.
        var definition: String?
        /// `CREATE [UNIQUE] INDEX name ON [ONLY] `, as `pg_get_indexdef` begins.
        var head: String
        /// The table as `pg_get_indexdef` names it: unqualified when visible, else qualified.
        var tableName: String
        var qualifiedTableName: String
        var version: String
        var classVersion: String
        /// `COMMENT ON INDEX`, and the version of its `pg_description` row.
        var comment: String?
        var commentVersion: String?

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            oid = try row.value("oid")
            name = try row.value("name")
            isUnique = try row.bool("is_unique")
            isInvalid = try row.bool("is_invalid")
            definition = try row["definition"]
            head = try row.value("head")
            tableName = try row.value("table_name")
            qualifiedTableName = try row.value("qualified_table_name")
            version = try row.value("version")
            classVersion = try row.value("class_version")
            comment = try row["comment"]
            commentVersion = try row["comment_version"]
        }

        /// The definition without its head, as the state holds it (see `indexTail`).
        func tail(of definition: String, unique: Bool) -> String {
            Reflector.indexTail(definition, unique: unique, prefix: head, tableNames: [tableName, qualifiedTableName])
        }
    }

    /// A comment on a table (`subid` 0) or one of its columns (`subid` = attnum):
    /// one index range per table.
    /// See https://www.postgresql.org/docs/15/catalog-pg-description.html
    struct CommentRow: RowDecodable {
        static let query = """
            SELECT ds.objoid::int8::text AS table_oid, ds.objsubid::text AS subid, ds.description AS comment,
                   ds.xmin::text AS version
            FROM pg_description ds
            WHERE ds.objoid = ANY($1::oid[]) AND ds.classoid = 'pg_class'::regclass
            """

        var table: String
        var subid: String
        var comment: String
        var version: String

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            subid = try row.value("subid")
            comment = try row.value("comment")
            version = try row.value("version")
        }
    }

    /// What a table has that `schema.yaml` cannot express yet (see
    /// `TableState.unsupported`): one row per item. Names of the tenant's own
    /// objects are unqualified, others qualified, so that equal tenants read
    /// equal texts. Column storage, compression and statistics targets are not
    /// read: physical tuning that changes neither rows nor their meaning.
    /// An identity column's sequence options that decide the values it hands
    /// out, when other than a new identity column's (increment 1, minimum 1,
    /// the type's maximum, cache 1, no cycle), are an item: `identity:` cannot
    /// say them, and a new tenant would hand out other values. Its start is
    /// not: only a `RESTART` without a value reads it, and a tenant converted
    /// by hand with `START WITH` the next value would otherwise be held back
    /// for good. Its current value is data, not an option.
    /// See https://www.postgresql.org/docs/15/catalog-pg-class.html
    /// and https://www.postgresql.org/docs/15/catalog-pg-sequence.html
    struct TablePropertyRow: RowDecodable {
        static let query = """
            WITH t AS (SELECT c.* , c.oid AS table_oid FROM pg_class c WHERE c.oid = ANY($1::oid[])),
            named AS (
                SELECT c.oid, CASE WHEN c.relnamespace = t.relnamespace THEN quote_ident(c.relname)
                                   ELSE c.oid::regclass::text END AS name, t.table_oid
                FROM t JOIN pg_inherits i ON i.inhrelid = t.table_oid JOIN pg_class c ON c.oid = i.inhparent)
            SELECT n.table_oid::int8::text AS table_oid,
                   CASE WHEN t.relispartition THEN 'a partition of ' || n.name || ' ('
                             || pg_get_expr(t.relpartbound, t.table_oid) || ')'
                        ELSE 'inherits from ' || n.name END AS item
            FROM named n JOIN t ON t.table_oid = n.table_oid
            UNION ALL
            SELECT t.table_oid::int8::text, 'storage parameters (' || array_to_string(t.reloptions, ', ') || ')'
            FROM t WHERE t.reloptions IS NOT NULL
            UNION ALL
            SELECT t.table_oid::int8::text,
                   'replica identity ' || CASE t.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'
                       ELSE 'using index ' || coalesce((SELECT quote_ident(ic.relname) FROM pg_index i
                            JOIN pg_class ic ON ic.oid = i.indexrelid
                            WHERE i.indrelid = t.table_oid AND i.indisreplident), '?') END
            FROM t WHERE t.relreplident <> 'd'
            UNION ALL
            SELECT t.table_oid::int8::text, 'tablespace ' || quote_ident(ts.spcname)
            FROM t JOIN pg_tablespace ts ON ts.oid = t.reltablespace
            UNION ALL
            SELECT t.table_oid::int8::text, 'typed table of ' || CASE WHEN ty.typnamespace = t.relnamespace
                THEN quote_ident(ty.typname) ELSE format_type(ty.oid, NULL) END
            FROM t JOIN pg_type ty ON ty.oid = t.reloftype
            UNION ALL
            SELECT t.table_oid::int8::text, 'access method ' || quote_ident(am.amname)
            FROM t JOIN pg_am am ON am.oid = t.relam WHERE am.amname <> 'heap'
            UNION ALL
            SELECT t.table_oid::int8::text, 'identity column ' || quote_ident(a.attname) || ' sequence options ('
                   || concat_ws(', ', CASE WHEN sq.seqincrement <> 1 THEN 'increment ' || sq.seqincrement END,
                                CASE WHEN sq.seqmin <> 1 THEN 'minvalue ' || sq.seqmin END,
                                CASE WHEN sq.seqmax <> m.max THEN 'maxvalue ' || sq.seqmax END,
                                CASE WHEN sq.seqcache <> 1 THEN 'cache ' || sq.seqcache END,
                                CASE WHEN sq.seqcycle THEN 'cycle' END) || ')'
            FROM t
            JOIN pg_depend dep ON dep.refclassid = 'pg_class'::regclass AND dep.refobjid = t.table_oid
                              AND dep.classid = 'pg_class'::regclass AND dep.deptype = 'i'
            JOIN pg_sequence sq ON sq.seqrelid = dep.objid
            JOIN pg_attribute a ON a.attrelid = t.table_oid AND a.attnum = dep.refobjsubid
            CROSS JOIN LATERAL (SELECT \(sequenceTypeMaximum("sq.seqtypid")) AS max) m
            WHERE (sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle) <> (1, 1, m.max, 1, false)
            """

        var table: String
        var item: String

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            item = try row.value("item")
        }
    }

    /// A table's persistence and partitioning (see `TableState.unlogged`,
    /// `partitionBy`, `partitions`): one row per table that is unlogged,
    /// partitioned, or a partition, with the partition's parent and bound.
    /// The key and bound as the server renders them: columns unqualified;
    /// bounds are constants, printed without their type. A key that names the
    /// schema's own objects is read again with the schema on the path
    /// (`LocalItems.partitionKeys`).
    /// See https://www.postgresql.org/docs/15/catalog-pg-partitioned-table.html
    struct TableShapeRow: RowDecodable {
        static let query = """
            SELECT c.oid::int8::text AS table_oid, c.relkind::text AS kind, c.relpersistence = 'u' AS unlogged,
                   CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
                   CASE WHEN c.relispartition THEN i.inhparent::int8::text END AS parent_oid,
                   CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound
            FROM pg_class c
            LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
            WHERE c.oid = ANY($1::oid[]) AND (c.relpersistence = 'u' OR c.relkind = 'p' OR c.relispartition)
            """

        var table: String
        /// `relkind`: `r` or `p` (a partition that is itself partitioned).
        var kind: String
        var unlogged: Bool
        var partitionKey: String?
        /// The partitioned table a partition belongs to; nil for others.
        var parent: String?
        var bound: String?

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            kind = try row.value("kind")
            unlogged = try row.bool("unlogged")
            partitionKey = try row["partition_key"]
            parent = try row["parent_oid"]
            bound = try row["bound"]
        }
    }

    /// The comment of an enum or composite type of the batch (`pg_description`
    /// of its `pg_type` row). A domain's comes with its `DomainRow`.
    /// See https://www.postgresql.org/docs/15/catalog-pg-description.html
    struct TypeCommentRow: RowDecodable {
        static let query = """
            SELECT ds.objoid::int8::text AS oid, ds.description AS comment, ds.xmin::text AS version
            FROM pg_description ds
            WHERE ds.objoid = ANY($1::oid[]) AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0
            """

        var oid: String
        var comment: String
        var version: String

        init(_ row: Row) throws {
            oid = try row.value("oid")
            comment = try row.value("comment")
            version = try row.value("version")
        }
    }

    /// A label of an enum type, in the enum's order.
    /// See https://www.postgresql.org/docs/15/catalog-pg-enum.html
    struct EnumLabelRow: RowDecodable {
        static let query = """
            SELECT e.enumtypid::int8::text AS type_oid, e.enumlabel AS label, e.oid::int8::text AS oid,
                   e.xmin::text AS version
            FROM pg_enum e
            WHERE e.enumtypid = ANY($1::oid[]) ORDER BY e.enumtypid, e.enumsortorder
            """

        var type: String
        var label: String
        var oid: String
        var version: String

        init(_ row: Row) throws {
            type = try row.value("type_oid")
            label = try row.value("label")
            oid = try row.value("oid")
            version = try row.value("version")
        }
    }
}
