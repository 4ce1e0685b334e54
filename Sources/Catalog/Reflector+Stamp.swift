import Postgres
import State

/// A schema's state as read, with the stamp of the catalog rows it came from.
public struct ReflectedSchema: Sendable {
    public var name: String
    public var state: SchemaState
    /// See `Stamp`; nil when the schema holds objects of a kind whose row
    /// versions are not read (operators, operator classes, text search objects).
    public var stamp: String?
    /// Each table's bytes by name (`Members.tableBytes`): not part of `state`.
    public var tableBytes: [String: Int64] = [:]
}

/// A digest of which catalog rows a schema's state was read from, and which
/// version of each: every row's key and `xmin`.
///
/// PostgreSQL never changes a catalog row in place when its content changes: an
/// `ALTER`, `COMMENT` or `RENAME` writes a new row version with the writing
/// transaction's id as `xmin`, and a dropped and re-created object gets a new oid.
/// Two committed row versions with the same key and `xmin` are the same version.
/// So an unchanged stamp shows that none of the rows the state was deparsed from
/// changed, at a fraction of the cost of deparsing them again: `apply` uses it to
/// check that a tenant is still in the state its plan was made from.
///
/// The rows: the schema's own `pg_namespace` row; its members (`pg_depend`)
/// with their `pg_class`, `pg_type`, `pg_proc` or `pg_collation` row; its
/// tables' columns and defaults, constraints, indexes and comments (their
/// constraints' and indexes' comments too); its owned sequences' owners, every
/// sequence's `pg_sequence` row and comment (values handed out write none); its
/// enums' labels and comments; its composite types' attributes and comments; its tables' and
/// views' triggers (not internal ones) and their comments; its routines' comments and its
/// aggregates' `pg_aggregate` rows; its views'
/// rewrite rules, comments, indexes and indexes' comments (`viewLine`); its domains' checks and
/// comments; its tables' policies with their comments, and its default
/// privileges (`pg_default_acl`). A schema that holds objects of other
/// kinds (an operator, an operator class, a text search configuration) gets no
/// stamp, and `apply` reads it in full.
///
/// What the stamp does not see:
/// - dependents (`SchemaState.dependents`) in catalogs other than the schema's
///   members: a trigger or policy added to a tenant table, a view or foreign key
///   of another schema. `apply` finds such a change when it verifies the state.
/// - `pg_inherits` rows of plain inheritance (`TableState.unsupported`): a new
///   child leaves the parent's `pg_class` row as it was. The check before
///   `COMMIT` still finds it, and rolls the tenant back. Partitions need no row
///   of their own: a partition is a member, created, attached (`relispartition`,
///   `relpartbound`), detached or made (un)logged by a new version of its own
///   `pg_class` row, and a partition key never changes (`pg_partitioned_table`
///   is written with its table).
/// - the roles that grants and policies name (`pg_authid`): renaming a role
///   changes the state but not the stamp; the check before `COMMIT` finds it.
/// - objects outside the schema whose names appear in the state (a column of
///   type `public.money_t`, a default that calls `public.f()`, a foreign key to
///   `public.plans`, an index's operator class, a table's tablespace, a system
///   function or collation a superuser renamed). Renaming one of those changes
///   the state but not the stamp, so `apply` still verifies the state before
///   `COMMIT`, and tells such a tenant apart as stale after rolling it back.
/// - the columns of views and materialized views (`pg_attribute`): renaming one
///   writes no row the stamp reads; the check before `COMMIT` finds it.
/// - a database restored to an earlier point in time between `plan` and
///   `apply` reuses transaction ids: a row changed after the restore could, in
///   principle, get the `xmin` of the version the plan read. The check before
///   `COMMIT` still holds; plan again after a restore.
/// A record (`Stamp.recordQuery`) must see all of these but the last, since no
/// check follows it: `coverageQuery` and `systemQuery` add them.
/// Row versions that change without a change of content (a `GRANT`) only cost
/// the fast path: `apply` then reads the whole state, as it would without a
/// stamp.
///
/// The stamp is computed in two places that must agree: by `Reflector`, from
/// the rows of its batch queries (the versions come along with the rows it reads
/// anyway), and by the server in `query`, for one schema at `apply` time. Lines
/// are ASCII, sorted bytewise and joined with newlines; the stamp is their
/// SHA-256 in lowercase hex. `StampTests` checks that both agree.
public enum Stamp {
    static func namespace(oid: String, version: String) -> String { "n:\(oid):\(version)" }

    static func member(catalog: String, oid: String, version: String) -> String { "m:\(catalog):\(oid):\(version)" }

    static func column(table: String, attnum: String, version: String, defaultOID: String?,
                       defaultVersion: String?) -> String {
        "a:\(table):\(attnum):\(version):\(defaultOID ?? ""):\(defaultVersion ?? "")"
    }

    /// A constraint (a table's or a domain's), with its comment's version
    /// (`pg_description` of `pg_constraint`) when a table's constraint has one.
    static func constraint(oid: String, version: String, commentVersion: String? = nil) -> String {
        "k:\(oid):\(version)" + (commentVersion.map { ":c\($0)" } ?? "")
    }

    /// A table's index (`pg_index`, and the index's `pg_class` row), with its
    /// comment's version when it has one.
    static func index(oid: String, version: String, classVersion: String, commentVersion: String?) -> String {
        "i:\(oid):\(version):\(classVersion)" + (commentVersion.map { ":c\($0)" } ?? "")
    }

    static func ownedSequence(oid: String, owner: String, attnum: String, type: String, version: String) -> String {
        "s:\(oid):\(owner):\(attnum):\(type):\(version)"
    }

    /// A sequence's options (`pg_sequence`) and comment, whoever owns it.
    static func sequence(oid: String, version: String, commentVersion: String?) -> String {
        "w:\(oid):\(version):\(commentVersion ?? "")"
    }

    /// An attribute of a composite type (`pg_attribute` of its `pg_class` row).
    static func attribute(relation: String, attnum: String, version: String) -> String {
        "b:\(relation):\(attnum):\(version)"
    }

    static func label(oid: String, version: String) -> String { "e:\(oid):\(version)" }

    static func comment(oid: String, attnum: String, version: String) -> String { "d:\(oid):\(attnum):\(version)" }

    static func trigger(oid: String, version: String, commentVersion: String?) -> String {
        "g:\(oid):\(version):\(commentVersion ?? "")"
    }

    static func routineComment(oid: String, version: String) -> String { "f:\(oid):\(version)" }

    /// An aggregate's `pg_aggregate` row (its `pg_proc` row is a member's).
    static func aggregate(oid: String, version: String) -> String { "ag:\(oid):\(version)" }

    /// A comment on a domain, enum or composite type (`pg_description` of `pg_type`).
    static func typeComment(oid: String, version: String) -> String { "y:\(oid):\(version)" }
    // Row-level security, policies and grants: the switches and ACLs live in
    // the `pg_class`, `pg_namespace` and `pg_proc` rows the stamp already has.
    static func policy(oid: String, version: String, commentVersion: String?) -> String {
        "q:\(oid):\(version):\(commentVersion ?? "")"
    }

    static func defaultACL(oid: String, version: String) -> String { "x:\(oid):\(version)" }

    /// The stamp of a set of lines, as `query` computes it on the server. Lines
    /// hold only ASCII (tags, digits, colons), where String order is byte order.
    static func digest(_ lines: [String]) -> String {
        SHA256.hex(lines.sorted().joined(separator: "\n"))
    }

    /// The stamp of one schema (`$1`), computed by the server from the same rows
    /// `Reflector`'s batch queries read, in the same line format. The schema's
    /// state must not contain its name, and this query reads none of the
    /// schema's deparsed texts; it runs under any `search_path`.
    ///
    /// It runs once per tenant in `apply`, as a generic plan: a catalog that
    /// grows with the fleet (domain checks in `pg_constraint`, enum labels,
    /// policies) is looked up for each of the schema's own oids (`unnest`, and a
    /// subquery that `OFFSET 0` keeps on the inner side whatever the planner
    /// settings); `col = ANY(r.oids)` let it scan all of `pg_constraint` for
    /// every tenant (25 ms a tenant at 1,000 tenants, 15 times the rest).
    public static let query = """
        WITH m AS (
            SELECT d.classid, d.objid, x.kind, x.version
            FROM pg_catalog.pg_namespace n
            JOIN pg_catalog.pg_depend d
              ON d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.refobjid = n.oid AND d.deptype = 'n'
            -- One lookup per member, in its own catalog: each branch's test of
            -- `d.classid` gates its index scan (four LEFT JOINs probed all four).
            LEFT JOIN LATERAL (
                SELECT c.relkind::text, c.xmin FROM pg_catalog.pg_class c
                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid
                UNION ALL
                SELECT t.typtype::text, t.xmin FROM pg_catalog.pg_type t
                WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = d.objid
                UNION ALL
                SELECT NULL, p.xmin FROM pg_catalog.pg_proc p
                WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = d.objid
                UNION ALL
                SELECT NULL, co.xmin FROM pg_catalog.pg_collation co
                WHERE d.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass AND co.oid = d.objid
            ) AS x(kind, version) ON true
            WHERE n.nspname = $1
        ), r AS (
            SELECT coalesce(array_agg(objid) FILTER (WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                                       AND kind IN ('r', 'p')), '{}') AS tables,
                   coalesce(array_agg(objid) FILTER (WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                                       AND kind = 'v'), '{}') AS views,
                   coalesce(array_agg(objid) FILTER (WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                                       AND kind = 'S'), '{}') AS sequences,
                   coalesce(array_agg(objid) FILTER (WHERE classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                                                       AND kind = 'e'), '{}') AS enums,
                   coalesce(array_agg(objid) FILTER (WHERE classid = 'pg_catalog.pg_proc'::pg_catalog.regclass),
                            '{}') AS routines,
                   coalesce(array_agg(objid) FILTER (WHERE classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                                                       AND kind = 'd'), '{}') AS domains,
                   coalesce(array_agg(objid) FILTER (WHERE classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                                                       AND kind = 'c'), '{}') AS composites
            FROM m
        )
        SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
                   coalesce(pg_catalog.string_agg(line, E'\\n' ORDER BY line COLLATE "C"), ''), 'UTF8')), 'hex')
        FROM (
            SELECT 'n:' || n.oid::int8 || ':' || n.xmin::text FROM pg_catalog.pg_namespace n WHERE n.nspname = $1
            UNION ALL
            -- A member whose version is not read ('-') never matches: Reflector
            -- gives a schema holding one no stamp (an operator added after the plan).
            SELECT 'm:' || m.classid::int8 || ':' || m.objid::int8 || ':' || coalesce(m.version::text, '-') FROM m
            UNION ALL
            SELECT 'a:' || a.attrelid::int8 || ':' || a.attnum || ':' || a.xmin::text || ':'
                   || coalesce(ad.oid::int8::text, '') || ':' || coalesce(ad.xmin::text, '')
            FROM r, pg_catalog.pg_attribute a
            LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE a.attrelid = ANY(r.tables) AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT 'k:' || con.oid::int8 || ':' || con.xmin::text || coalesce(':c' || ds.xmin::text, '')
            FROM r, pg_catalog.pg_constraint con
            LEFT JOIN pg_catalog.pg_description ds
                   ON ds.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND ds.objoid = con.oid
                  AND ds.objsubid = 0
            WHERE con.conrelid = ANY(r.tables) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
            UNION ALL
            SELECT 'i:' || i.indexrelid::int8 || ':' || i.xmin::text || ':' || ic.xmin::text
                   || coalesce(':c' || ds.xmin::text, '')
            FROM r, pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            LEFT JOIN pg_catalog.pg_description ds
                   ON ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objoid = i.indexrelid
                  AND ds.objsubid = 0
            WHERE i.indrelid = ANY(r.tables)
            UNION ALL
            SELECT 's:' || dep.objid::int8 || ':' || dep.refobjid::int8 || ':' || dep.refobjsubid || ':' || dep.deptype::text
                   || ':' || coalesce(sq.xmin::text, '')
            FROM r, pg_catalog.pg_depend dep
            LEFT JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = dep.objid
            WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.objid = ANY(r.sequences)
              AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.deptype IN ('a', 'i')
            UNION ALL
            SELECT 'e:' || e.oid::int8 || ':' || e.xmin::text
            FROM r, LATERAL pg_catalog.unnest(r.enums) AS en(oid),
            LATERAL (SELECT e.oid, e.xmin FROM pg_catalog.pg_enum e WHERE e.enumtypid = en.oid OFFSET 0) AS e
            UNION ALL
            SELECT 'd:' || ds.objoid::int8 || ':' || ds.objsubid || ':' || ds.xmin::text
            FROM r, pg_catalog.pg_description ds
            WHERE ds.objoid = ANY(r.tables) AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
            UNION ALL
            SELECT 'g:' || tg.oid::int8 || ':' || tg.xmin::text || ':' || coalesce(ds.xmin::text, '')
            FROM r, pg_catalog.pg_trigger tg
            LEFT JOIN pg_catalog.pg_description ds
                   ON ds.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND ds.objoid = tg.oid AND ds.objsubid = 0
            WHERE tg.tgrelid = ANY(r.tables || r.views) AND NOT tg.tgisinternal
            UNION ALL
            SELECT 'q:' || pol.oid::int8 || ':' || pol.xmin::text || ':' || coalesce(ds.xmin::text, '')
            FROM r, LATERAL pg_catalog.unnest(r.tables) AS tb(oid),
            LATERAL (SELECT p.oid, p.xmin FROM pg_catalog.pg_policy p WHERE p.polrelid = tb.oid OFFSET 0) AS pol
            LEFT JOIN pg_catalog.pg_description ds
                   ON ds.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND ds.objoid = pol.oid
                  AND ds.objsubid = 0
            UNION ALL
            SELECT 'x:' || da.oid::int8 || ':' || da.xmin::text
            FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_default_acl da ON da.defaclnamespace = n.oid
            WHERE n.nspname = $1
              AND da.defaclrole = n.nspowner
            UNION ALL
            SELECT 'ag:' || ag.aggfnoid::int8 || ':' || ag.xmin::text
            FROM r, pg_catalog.pg_aggregate ag
            WHERE ag.aggfnoid = ANY(r.routines)
            UNION ALL
            SELECT 'f:' || ds.objoid::int8 || ':' || ds.xmin::text
            FROM r, pg_catalog.pg_description ds
            WHERE ds.objoid = ANY(r.routines) AND ds.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
              AND ds.objsubid = 0
            UNION ALL
            SELECT \(viewLine)
            FROM m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
            WHERE m.kind IN ('v', 'm')
            UNION ALL
            SELECT 'k:' || con.oid::int8 || ':' || con.version
            FROM r, LATERAL pg_catalog.unnest(r.domains) AS dom(oid),
            LATERAL (SELECT co.oid, co.xmin::text FROM pg_catalog.pg_constraint co
                     WHERE co.contypid = dom.oid AND co.contype = 'c' OFFSET 0) AS con(oid, version)
            UNION ALL
            SELECT 'w:' || sq.seqrelid::int8 || ':' || sq.xmin::text || ':' || coalesce(ds.xmin::text, '')
            FROM r, pg_catalog.pg_sequence sq
            LEFT JOIN pg_catalog.pg_description ds
                   ON ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objoid = sq.seqrelid
                  AND ds.objsubid = 0
            WHERE sq.seqrelid = ANY(r.sequences)
            UNION ALL
            SELECT 'b:' || a.attrelid::int8 || ':' || a.attnum || ':' || a.xmin::text
            FROM r, pg_catalog.pg_type t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid
            WHERE t.oid = ANY(r.composites) AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT 'y:' || ds.objoid::int8 || ':' || ds.xmin::text
            FROM r, pg_catalog.pg_description ds
            WHERE ds.objoid = ANY(r.composites || r.enums || r.domains)
              AND ds.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND ds.objsubid = 0
        ) AS lines(line)
        """

    /// The statement computing one schema's stamp, to send in a pipeline.
    public static func statement(schema: String) -> PipelineStatement {
        PipelineStatement(query, [schema], prepared: "tenantplan_stamp")
    }
}
