import Postgres
import SQLSyntax
import State

extension Reflector {
    /// A domain of a batch's schemas: its base type, nullability, default,
    /// collation (when not its base type's) and comment, deparsed with an empty
    /// `search_path` (texts that name the schema are read again, see `localItems`).
    /// See https://www.postgresql.org/docs/15/catalog-pg-type.html
    struct DomainRow: RowDecodable {
        static let query = """
            SELECT t.oid::int8::text AS oid, format_type(t.typbasetype, t.typtypmod) AS type, t.typnotnull AS not_null,
                   pg_get_expr(t.typdefaultbin, 0, true) AS default_expression,
                   CASE WHEN t.typcollation <> bt.typcollation THEN
                        CASE WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                             ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                   END AS collation,
                   ds.description AS comment, ds.xmin::text AS comment_version
            FROM pg_type t
            JOIN pg_type bt ON bt.oid = t.typbasetype
            LEFT JOIN pg_collation co ON co.oid = t.typcollation
            LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
            LEFT JOIN pg_description ds ON ds.classoid = 'pg_type'::regclass AND ds.objoid = t.oid AND ds.objsubid = 0
            WHERE t.oid = ANY($1::oid[])
            """

        var oid: String
        var type: String
        var notNull: Bool
        var defaultExpression: String?
        var collation: String?
        var comment: String?
        var commentVersion: String?

        init(_ row: Row) throws {
            oid = try row.value("oid")
            type = try row.value("type")
            notNull = try row.bool("not_null")
            defaultExpression = try row["default_expression"]
            collation = try row["collation"]
            comment = try row["comment"]
            commentVersion = try row["comment_version"]
        }

        /// Whether any of its texts may name the schema's own objects.
        func names(in m: Members) -> Bool {
            m.names(type) || m.names(defaultExpression ?? "") || m.names(collation ?? "")
        }
    }

    /// A check constraint of a domain of the batch.
    struct DomainCheckRow: RowDecodable {
        static let query = """
            SELECT con.oid::int8::text AS oid, con.contypid::int8::text AS domain, con.conname AS name,
                   pg_get_constraintdef(con.oid, true) AS definition, con.xmin::text AS version
            FROM pg_constraint con
            WHERE con.contypid = ANY($1::oid[]) AND con.contype = 'c'
            """

        var oid: String
        var domain: String
        var name: String
        var definition: String
        var version: String

        init(_ row: Row) throws {
            oid = try row.value("oid")
            domain = try row.value("domain")
            name = try row.value("name")
            definition = try row.value("definition")
            version = try row.value("version")
        }
    }

    /// The re-read of domains' texts with the schema on the path: `mt` base type,
    /// `mv` default, `ml` collation by domain oid, `mk` checks by constraint oid.
    static func domainTextsQuery(_ oids: String) -> String {
        """
        SELECT 'mt' AS kind, t.oid::int8::text AS key, format_type(t.typbasetype, t.typtypmod) AS text
        FROM pg_type t WHERE t.oid = ANY(\(oids)::oid[])
        UNION ALL
        SELECT 'mv', t.oid::int8::text, pg_get_expr(t.typdefaultbin, 0, true)
        FROM pg_type t WHERE t.oid = ANY(\(oids)::oid[]) AND t.typdefaultbin IS NOT NULL
        UNION ALL
        SELECT 'ml', t.oid::int8::text,
               CASE WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                    ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
        FROM pg_type t JOIN pg_type bt ON bt.oid = t.typbasetype
        JOIN pg_collation co ON co.oid = t.typcollation JOIN pg_namespace cn ON cn.oid = co.collnamespace
        WHERE t.oid = ANY(\(oids)::oid[]) AND t.typcollation <> bt.typcollation
        UNION ALL
        SELECT 'mk', con.oid::int8::text, pg_get_constraintdef(con.oid, true)
        FROM pg_constraint con WHERE con.contypid = ANY(\(oids)::oid[]) AND con.contype = 'c'
        """
    }
}

extension Reflector.Assembly {
    /// The domains of the schema that `members` describes, sorted by name.
    func domains(of members: Reflector.Members) -> [DomainState] {
        let local = rows.local
        let rowsByOID = Dictionary(rows.domains.map { ($0.oid, $0) }, uniquingKeysWith: { a, _ in a })
        var checks: [String: [ConstraintState]] = [:]
        for row in rows.domainChecks {
            checks[row.domain, default: []].append(ConstraintState(
                name: row.name, kind: .check, definition: local["mk/\(row.oid)"] ?? row.definition))
        }
        return members.types.filter { $0.kind == "d" }.compactMap { t -> DomainState? in
            guard let row = rowsByOID[t.oid] else { return nil }
            // Re-read as a whole (see `localItems`): its texts with the schema on the path.
            let reread = local["mt/\(t.oid)"] != nil
            return DomainState(
                name: t.name, type: local["mt/\(t.oid)"] ?? row.type, notNull: row.notNull,
                defaultExpression: reread ? local["mv/\(t.oid)"] : row.defaultExpression,
                collation: reread ? local["ml/\(t.oid)"] : row.collation,
                checks: (checks[t.oid] ?? []).sorted { $0.name < $1.name }, comment: row.comment)
        }.sorted { $0.name < $1.name }
    }
}
