import Foundation
import Postgres

extension Stamp {
    /// The digest of what a schema's state depends on beyond the rows `query`
    /// covers, for one schema (`$1`), from `pg_depend` alone, whatever the kinds:
    ///
    /// - `r` lines: every dependency on one of the schema's members, or on the
    ///   array type of a member type (objects anywhere that stand on them: a
    ///   view, a foreign key, a function, a column or a partition of another
    ///   schema, an inheritance child, a rule on a table),
    ///   with the version of the `pg_depend` row and of the dependent object's
    ///   own row (a renamed view of another schema changes its `pg_class` row).
    ///   The schema's own sub-objects whose rows `query` has (constraints,
    ///   defaults and policies of its tables, its views' rules, row and
    ///   array types, toast tables, identity sequences) are left out: three
    ///   dependencies in four, each a lookup. (Triggers stay: a constraint
    ///   trigger on another schema's table `FROM` a tenant table is a dependent
    ///   with an automatic dependency.) One object outside the schema carries
    ///   one of those pairs too, and goes with them: another schema's multirange
    ///   type of a tenant range type (`pg_type`, `i`), which is not part of the
    ///   state, so leaving it out hides no drift;
    /// - `x` lines: every object outside the schema that the schema's members and
    ///   their sub-objects depend on (the shared table of a foreign key, the shared
    ///   type of a column, the function a default calls), with the version of its
    ///   row, of its column's row when the dependency names a column, and of its
    ///   schema's row (a renamed shared schema changes the state's texts). An
    ///   object of another kind (an operator class an index uses, an operator or
    ///   a text search configuration or dictionary an expression names) has its
    ///   identity instead (`pg_identify_object`, schema included): what the texts
    ///   name it by;
    /// - `o` lines: the roles that the state's grants and policies name (grants on
    ///   the schema and its tables, its owner's default privileges in it, its
    ///   policies' roles: `pg_shdepend`), by oid and name. Renaming a role writes
    ///   its shared `pg_authid` row alone, which no other line sees;
    /// - `v` lines: the columns of the schema's views and materialized views
    ///   (`pg_attribute`), which `query` leaves out: renaming one writes its
    ///   attribute row alone.
    ///
    /// Objects of the system (oids below 16384, `pg_catalog`) are left out here,
    /// where they would be looked up for every column of every tenant; the
    /// record query reads them once for all (`systemQuery`).
    static let coverageQuery = """
        WITH mem AS (
            SELECT n.oid AS nsp, d.classid, d.objid
            FROM pg_catalog.pg_namespace n
            JOIN pg_catalog.pg_depend d
              ON d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.refobjid = n.oid AND d.deptype = 'n'
            WHERE n.nspname = $1
        ), stood AS (
            -- What other objects stand on: the members, and the array types of
            -- member types, which record no namespace dependency of their own
            -- (another schema's column of type `tenant.positive[]`).
            SELECT mem.classid, mem.objid FROM mem
            UNION ALL
            SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.typarray
            FROM mem JOIN pg_catalog.pg_type t
              ON mem.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = mem.objid
            WHERE t.typarray <> 0
        ), dep AS (
            SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, d.refobjsubid, d.deptype, d.xmin AS version
            FROM stood JOIN pg_catalog.pg_depend d ON d.refclassid = stood.classid AND d.refobjid = stood.objid
        ), obj AS (
            SELECT classid, objid FROM mem UNION SELECT classid, objid FROM dep
        ), ext AS (
            SELECT DISTINCT d.refclassid, d.refobjid, d.refobjsubid
            FROM obj JOIN pg_catalog.pg_depend d ON d.classid = obj.classid AND d.objid = obj.objid
            WHERE d.refobjid >= 16384
              -- NOT IN, a hashed subplan: NOT EXISTS made an anti join that scans
              -- `mem` for each dependency (a fifth of the coverage's cost).
              AND (d.refclassid, d.refobjid) NOT IN (SELECT mem.classid, mem.objid FROM mem)
              AND NOT (d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                       AND d.refobjid IN (SELECT mem.nsp FROM mem))
        ), named AS (
            -- What grants and policies name roles on: the schema, its members,
            -- its owner's default privileges in it, and policies (`pg_shdepend`).
            SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass AS classid, n.oid AS objid
            FROM pg_catalog.pg_namespace n WHERE n.nspname = $1
            UNION ALL
            SELECT 'pg_catalog.pg_default_acl'::pg_catalog.regclass, da.oid
            FROM pg_catalog.pg_namespace n
            JOIN pg_catalog.pg_default_acl da ON da.defaclrole = n.nspowner AND da.defaclnamespace = n.oid
            WHERE n.nspname = $1
            UNION ALL
            SELECT mem.classid, mem.objid FROM mem
            UNION ALL
            SELECT DISTINCT dep.classid, dep.objid FROM dep WHERE dep.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass
        )
        SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
                   coalesce(pg_catalog.string_agg(line, E'\\n' ORDER BY line COLLATE "C"), ''), 'UTF8')), 'hex')
        FROM (
            SELECT 'r:' || dep.classid::int8 || ':' || dep.objid::int8 || ':' || dep.objsubid || ':'
                   || dep.refclassid::int8 || ':' || dep.refobjid::int8 || ':' || dep.refobjsubid || ':'
                   || dep.deptype::text || ':' || dep.version::text || ':' || coalesce(CASE dep.classid
                       WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN
                           (SELECT c.xmin::text || '/' || coalesce(a.xmin::text, '') FROM pg_catalog.pg_class c
                            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.objsubid
                                                               AND dep.objsubid <> 0
                            WHERE c.oid = dep.objid)
                       WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN
                           (SELECT rw.xmin::text || '/' || c.xmin::text FROM pg_catalog.pg_rewrite rw
                            JOIN pg_catalog.pg_class c ON c.oid = rw.ev_class WHERE rw.oid = dep.objid)
                       WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN
                           (SELECT co.xmin::text FROM pg_catalog.pg_constraint co WHERE co.oid = dep.objid)
                       WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass THEN
                           (SELECT po.xmin::text FROM pg_catalog.pg_policy po WHERE po.oid = dep.objid)
                       WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN
                           (SELECT tg.xmin::text FROM pg_catalog.pg_trigger tg WHERE tg.oid = dep.objid)
                       WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN
                           (SELECT p.xmin::text FROM pg_catalog.pg_proc p WHERE p.oid = dep.objid)
                       WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN
                           (SELECT t.xmin::text FROM pg_catalog.pg_type t WHERE t.oid = dep.objid)
                   END, '')
            FROM dep
            -- The schema's own sub-objects, whose rows `query` has already: its
            -- tables' constraints, defaults and policies (not triggers: a constraint
            -- trigger of another schema may name a tenant table in FROM), its views'
            -- rules, its types' row and array types, its toast tables and identity
            -- sequences. (A rule on a table, or another schema's foreign key, view,
            -- partition or inheritance child stays.)
            WHERE (dep.classid, dep.deptype) NOT IN (
                ('pg_catalog.pg_constraint'::pg_catalog.regclass, 'a'), ('pg_catalog.pg_attrdef'::pg_catalog.regclass, 'a'),
                ('pg_catalog.pg_policy'::pg_catalog.regclass, 'a'),
                ('pg_catalog.pg_rewrite'::pg_catalog.regclass, 'i'), ('pg_catalog.pg_type'::pg_catalog.regclass, 'i'),
                ('pg_catalog.pg_class'::pg_catalog.regclass, 'i'))
            UNION ALL
            SELECT 'x:' || ext.refclassid::int8 || ':' || ext.refobjid::int8 || ':' || ext.refobjsubid || ':'
                   || coalesce(CASE ext.refclassid
                       WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN
                           (SELECT c.xmin::text || '/' || n.xmin::text || '/' || coalesce(a.xmin::text, '')
                            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ext.refobjsubid
                                                               AND ext.refobjsubid <> 0
                            WHERE c.oid = ext.refobjid)
                       WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN
                           (SELECT t.xmin::text || '/' || n.xmin::text FROM pg_catalog.pg_type t
                            JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ext.refobjid)
                       WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN
                           (SELECT p.xmin::text || '/' || n.xmin::text FROM pg_catalog.pg_proc p
                            JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = ext.refobjid)
                       WHEN 'pg_catalog.pg_collation'::pg_catalog.regclass THEN
                           (SELECT co.xmin::text || '/' || n.xmin::text FROM pg_catalog.pg_collation co
                            JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace WHERE co.oid = ext.refobjid)
                       WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN
                           (SELECT cn.xmin::text FROM pg_catalog.pg_constraint cn WHERE cn.oid = ext.refobjid)
                       WHEN 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN
                           (SELECT n.xmin::text FROM pg_catalog.pg_namespace n WHERE n.oid = ext.refobjid)
                       -- Any other kind (an operator class, an operator, a text
                       -- search configuration or dictionary): its name as the
                       -- texts write it, schema included.
                       ELSE (SELECT 'i' || pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(o.identity, 'UTF8')), 'hex')
                             FROM pg_catalog.pg_identify_object(ext.refclassid, ext.refobjid, ext.refobjsubid) AS o)
                   END, '-')
            FROM ext
            UNION ALL
            -- The names of the roles the state's grants and policies name.
            SELECT 'o:' || sd.classid::int8 || ':' || sd.objid::int8 || ':' || sd.objsubid || ':' || sd.deptype::text
                   || ':' || sd.refobjid::int8 || ':'
                   -- From `pg_roles`, in the statement's snapshot: `pg_get_userbyid` reads
                   -- the latest name (the catalog cache), which a catalog sweep's snapshot
                   -- may not have seen (`CatalogSweep`).
                   || pg_catalog.encode(pg_catalog.convert_to(coalesce(
                          (SELECT r.rolname::text FROM pg_catalog.pg_roles r WHERE r.oid = sd.refobjid), ''), 'UTF8'), 'hex')
            FROM named
            JOIN pg_catalog.pg_shdepend sd
              ON sd.dbid = (SELECT db.oid FROM pg_catalog.pg_database db WHERE db.datname = pg_catalog.current_database())
             AND sd.classid = named.classid AND sd.objid = named.objid
            WHERE sd.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND sd.deptype IN ('a', 'r')
            UNION ALL
            -- The columns of its views and materialized views (those whose
            -- `_RETURN` rule is among `dep`), which `query` leaves out: a renamed
            -- column writes its `pg_attribute` row alone.
            SELECT 'v:' || a.attrelid::int8 || ':' || a.attnum || ':' || a.xmin::text
            FROM (SELECT DISTINCT dep.refobjid FROM dep
                  WHERE dep.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND dep.deptype = 'i'
                  OFFSET 0) AS vw(oid)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = vw.oid AND a.attnum > 0
        ) AS lines(line)
        """

    /// The digest of the database's own objects that a state's texts may name
    /// and that a superuser can still alter (the functions, types, operators,
    /// collations, operator classes and text search objects of the system,
    /// oids below 16384, and the system schemas), of the database's languages
    /// (a function's `LANGUAGE` names one), and of the cluster's
    /// tablespaces (a table's tablespace is part of the state by name, and
    /// renaming one writes its shared `pg_tablespace` row alone): every row's
    /// oid and `xmin`. `coverageQuery` leaves these out per schema, where they
    /// would be looked up for every column type of every tenant; here they are
    /// read once per query (an uncorrelated subquery, run once: about 6,000 rows,
    /// 4-11 ms). A renamed system function (`lower`) or tablespace changes every
    /// record stamp, so every tenant is read in full once; so does any other new
    /// version of such a row (a `GRANT` on a system function, `ALTER COLLATION
    /// ... REFRESH VERSION`, a new tablespace), which is rare.
    static let systemQuery: String = {
        // (tag, catalog, which rows): the system's own objects by oid; every
        // tablespace and language, by an index condition (a sequential scan's
        // cost penalty, with sequential scans disabled for the reads, would make
        // the whole query cross the JIT threshold).
        let rows = [("p", "pg_proc", "< 16384"), ("t", "pg_type", "< 16384"), ("o", "pg_operator", "< 16384"),
                    ("c", "pg_collation", "< 16384"), ("oc", "pg_opclass", "< 16384"), ("tc", "pg_ts_config", "< 16384"),
                    ("td", "pg_ts_dict", "< 16384"), ("n", "pg_namespace", "< 16384"), ("sp", "pg_tablespace", "> 0"),
                    ("l", "pg_language", "> 0")]
        let lines = rows.map { tag, catalog, which in
            "SELECT '\(tag)' || x.oid::int8 || '.' || x.xmin::text FROM pg_catalog.\(catalog) x WHERE x.oid \(which)"
        }
        return """
            SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
                       coalesce(pg_catalog.string_agg(line, ',' ORDER BY line COLLATE "C"), ''), 'UTF8')), 'hex')
            FROM (
                \(lines.joined(separator: "\n    UNION ALL\n    "))
            ) AS lines(line)
            """
    }()

    /// The record stamp of each existing schema of `$1` (a text array): `query`
    /// and `coverageQuery` for that schema, and `systemQuery`, hashed together.
    /// Built from those texts, so that whatever `query` covers (every kind that
    /// extends it), a record covers too. Rows: schema name, record stamp, and the
    /// schema's stamp (`query`, which `apply` compares, for a tenant the plan does not read).
    static let recordQuery: String = {
        func lateral(_ text: String) -> String {
            precondition(!text.contains("$2"), "a stamp query takes one parameter")
            return text.replacingOccurrences(of: "$1", with: "s.name")
        }
        return """
            SELECT s.name, pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
                       'tenantplan-record-1:' || st.stamp || ':' || cv.coverage || ':' || (\(systemQuery)
                       ), 'UTF8')), 'hex'),
                   st.stamp
            FROM pg_catalog.unnest($1::text[]) AS s(name)
            CROSS JOIN LATERAL (\(lateral(query))
            ) AS st(stamp)
            CROSS JOIN LATERAL (\(lateral(coverageQuery))
            ) AS cv(coverage)
            WHERE EXISTS (SELECT FROM pg_catalog.pg_namespace ns WHERE ns.nspname = s.name)
            """
    }()

    /// The text of `recordQuery`, part of each record's context: records made
    /// by a query that covers less are not read.
    public static var recordQueryText: String { recordQuery }

    /// What `recordQuery` says of one schema.
    public struct RecordStamp: Sendable, Equatable {
        /// The record stamp: what a record of the schema must have been written under.
        public var record: String
        /// The schema's stamp (`query`), as a full read computes it (`ReflectedSchema.stamp`).
        public var stamp: String
    }

    /// The record stamps of `schemas` (those that exist), computed by the server
    /// under the planner settings of the batch reads (index lookups per schema).
    public static func recordStamps(of schemas: [String], on connection: Connection) throws
        -> [String: RecordStamp]
    {
        guard !schemas.isEmpty else { return [:] }
        let transactionOnly = connection.inTransaction
        let results = try connection.pipeline([
            PipelineStatement(Reflector.setupQuery, [transactionOnly ? "true" : "false"],
                              prepared: "tenantplan_reflect_setup"),
            PipelineStatement(recordQuery, [arrayLiteral(schemas)], prepared: "tenantplan_record_stamps"),
        ] + Reflector.resetStatements)
        var stamps: [String: RecordStamp] = [:]
        for row in results[1].rows {
            guard let name = row[0], let record = row[1], let stamp = row[2] else { continue }
            stamps[name] = RecordStamp(record: record, stamp: stamp)
        }
        return stamps
    }

    /// The bytes (`RelationSize`) of the tables named in `$2` (a text array), by
    /// name, as a full read finds them (`Members.tableBytes`), for each schema of
    /// `$1` (a text array) that exists: what the choice of form needs of a tenant
    /// the plan does not read. Each table is one lookup by name: the tables a
    /// change scans or rewrites are few, and reading every table of every
    /// changing tenant took 0.24 s of a 1.6 s plan of 1,000 tenants.
    static let tableBytesQuery = """
        SELECT n.nspname, coalesce(pg_catalog.json_object_agg(c.relname, \(RelationSize.bytesSQL("c")))
                                   FILTER (WHERE c.oid IS NOT NULL), '{}')::text
        FROM pg_catalog.pg_namespace n
        CROSS JOIN pg_catalog.unnest($2::text[]) AS t(name)
        LEFT JOIN pg_catalog.pg_class c
               ON c.relnamespace = n.oid AND c.relname = t.name AND c.relkind IN \(RelationSize.kinds)
        WHERE n.nspname = ANY($1::text[])
        GROUP BY n.nspname
        """

    /// The sizes of the tables `tables` of `schemas` (see `tableBytesQuery`);
    /// a table a schema lacks is absent from its sizes.
    public static func tableBytes(of schemas: [String], tables: Set<String>, on connection: Connection) throws
        -> [String: [String: Int64]]
    {
        guard !schemas.isEmpty, !tables.isEmpty else { return [:] }
        var sizes: [String: [String: Int64]] = [:]
        for row in try connection.query(tableBytesQuery, [arrayLiteral(schemas), arrayLiteral(tables.sorted())]).rows {
            guard let name = row[0], let json = row[1] else { continue }
            sizes[name] = try JSONDecoder().decode([String: Int64].self, from: Data(json.utf8))
        }
        return sizes
    }
}
