import Foundation
import Postgres
import State

// MARK: - Row-level security, policies and grants (reflection)

extension Reflector {
    /// A table's policy. Expressions are deparsed with an empty `search_path`;
    /// one that names the schema's own objects is read again with the schema on
    /// the path (`LocalItems.policies`). Roles come as a JSON array of names,
    /// `public` for the pseudo-role (oid 0).
    /// See https://www.postgresql.org/docs/15/catalog-pg-policy.html
    struct PolicyRow: RowDecodable {
        static let query = """
            SELECT pol.oid::int8::text AS oid, pol.polrelid::int8::text AS table_oid, pol.polname AS name,
                   pol.xmin::text AS version, pol.polcmd::text AS command, pol.polpermissive AS permissive,
                   (SELECT json_agg(CASE WHEN r.oid = 0 THEN 'public' ELSE ro.rolname END)
                    FROM unnest(pol.polroles) AS r(oid) LEFT JOIN pg_roles ro ON ro.oid = r.oid)::text AS roles,
                   pg_get_expr(pol.polqual, pol.polrelid, true) AS using_expression,
                   pg_get_expr(pol.polwithcheck, pol.polrelid, true) AS check_expression,
                   ds.description AS comment, ds.xmin::text AS comment_version
            FROM pg_policy pol
            LEFT JOIN pg_description ds
                   ON ds.classoid = 'pg_policy'::regclass AND ds.objoid = pol.oid AND ds.objsubid = 0
            WHERE pol.polrelid = ANY($1::oid[])
            """

        var oid: String
        var table: String
        var name: String
        var version: String
        var command: String
        var permissive: Bool
        var roles: [String]
        var using: String?
        var withCheck: String?
        var comment: String?
        var commentVersion: String?

        init(_ row: Row) throws {
            oid = try row.value("oid")
            table = try row.value("table_oid")
            name = try row.value("name")
            version = try row.value("version")
            command = try row.value("command")
            permissive = try row.bool("permissive")
            roles = try Importer.jsonList(try row["roles"])
            using = try row["using_expression"]
            withCheck = try row["check_expression"]
            comment = try row["comment"]
            commentVersion = try row["comment_version"]
        }

        /// `all`, `select`, ... from `polcmd`.
        var commandName: String {
            switch command {
            case "r": "select"
            case "a": "insert"
            case "w": "update"
            case "d": "delete"
            default: "all"
            }
        }
    }

    /// A table's row-level security switches and its grants to roles other
    /// than its owner, for tables with any of them (`relacl` read with
    /// `aclexplode`: JSON pairs of grantee and privilege).
    /// See https://www.postgresql.org/docs/15/ddl-priv.html
    struct TableSecurityRow: RowDecodable {
        static let query = """
            SELECT c.oid::int8::text AS table_oid, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                   (SELECT json_agg(json_build_array(CASE WHEN a.grantee = 0 THEN 'public' ELSE ro.rolname END,
                                                     a.privilege_type))
                    FROM aclexplode(c.relacl) AS a LEFT JOIN pg_roles ro ON ro.oid = a.grantee
                    WHERE a.grantee <> c.relowner)::text AS acl
            FROM pg_class c
            WHERE c.oid = ANY($1::oid[]) AND (c.relrowsecurity OR c.relforcerowsecurity OR c.relacl IS NOT NULL)
            """

        var table: String
        var enabled: Bool
        var forced: Bool
        var grants: [GrantState]

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            enabled = try row.bool("enabled")
            forced = try row.bool("forced")
            grants = try Reflector.grants(fromACL: try row["acl"])
        }
    }

    /// A schema's grants (`nspacl`, the owner's own left out; `objects` empty),
    /// and its owner's default privileges in it (`pg_default_acl`,
    /// `objects` its `defaclobjtype`), with the default ACL row's key and version.
    struct SchemaSecurityRow: RowDecodable {
        static let query = """
            SELECT n.nspname AS schema, '' AS objects, NULL::text AS oid, NULL::text AS version,
                   (SELECT json_agg(json_build_array(CASE WHEN a.grantee = 0 THEN 'public' ELSE ro.rolname END,
                                                     a.privilege_type))
                    FROM aclexplode(n.nspacl) AS a LEFT JOIN pg_roles ro ON ro.oid = a.grantee
                    WHERE a.grantee <> n.nspowner)::text AS acl
            FROM pg_namespace n WHERE n.nspname = ANY($1::text[]) AND n.nspacl IS NOT NULL
            UNION ALL
            SELECT n.nspname, d.defaclobjtype::text, d.oid::int8::text, d.xmin::text,
                   (SELECT json_agg(json_build_array(CASE WHEN a.grantee = 0 THEN 'public' ELSE ro.rolname END,
                                                     a.privilege_type))
                    FROM aclexplode(d.defaclacl) AS a LEFT JOIN pg_roles ro ON ro.oid = a.grantee)::text
            FROM pg_namespace n
            JOIN pg_default_acl d ON d.defaclnamespace = n.oid
            WHERE n.nspname = ANY($1::text[])
              AND d.defaclrole = n.nspowner
            """

        var schema: String
        var objects: String
        var oid: String?
        var version: String?
        var grants: [GrantState]

        init(_ row: Row) throws {
            schema = try row.value("schema")
            objects = try row.value("objects")
            oid = try row["oid"]
            version = try row["version"]
            grants = try Reflector.grants(fromACL: try row["acl"])
        }

        /// `tables`, `sequences`, `functions` or `types` for a default ACL row.
        var objectsName: String? {
            switch objects {
            case "r": "tables"
            case "S": "sequences"
            case "f": "functions"
            case "T": "types"
            default: nil
            }
        }
    }

    /// The query that re-reads policies' expressions with the schema on the path:
    /// `pq` its `USING`, `pw` its `WITH CHECK` (by policy oid).
    static func policyTextsQuery(_ policies: String) -> String {
        """
        SELECT x.kind, pol.oid::int8::text AS key, x.text
        FROM pg_policy pol
        CROSS JOIN LATERAL (VALUES ('pq', pg_get_expr(pol.polqual, pol.polrelid, true)),
                                   ('pw', pg_get_expr(pol.polwithcheck, pol.polrelid, true))) AS x(kind, text)
        WHERE pol.oid = ANY(\(policies)::oid[])
        """
    }

    /// Grants from a JSON array of `[grantee, privilege]` pairs, one per grantee;
    /// none for nil (no ACL). Text that does not decode is an error, never "no grants".
    static func grants(fromACL text: String?) throws -> [GrantState] {
        guard let text else { return [] }
        let pairs = try JSONDecoder().decode([[String]].self, from: Data(text.utf8))
        var byRole: [String: [String]] = [:]
        for pair in pairs where pair.count == 2 { byRole[pair[0], default: []].append(pair[1]) }
        return byRole.map { GrantState(grantee: $0.key, privileges: $0.value) }.sorted { $0.grantee < $1.grantee }
    }
}

extension Reflector.Assembly {
    /// A table's policies, expressions as read with the schema on the path when they name it.
    func policies(of table: String) -> [PolicyState]? {
        let list = (policies[table] ?? []).map { row in
            PolicyState(name: row.name, command: row.commandName, permissive: row.permissive, roles: row.roles,
                        using: rows.local["pq/\(row.oid)"] ?? row.using,
                        withCheck: rows.local["pw/\(row.oid)"] ?? row.withCheck, comment: row.comment)
        }.sorted { $0.name < $1.name }
        return list.isEmpty ? nil : list
    }

    /// The schema's grants and its owner's default privileges in it.
    func schemaSecurity(of schema: String) -> (grants: [GrantState]?, defaults: [DefaultPrivilegeState]?) {
        var grants: [GrantState] = []
        var defaults: [DefaultPrivilegeState] = []
        for row in rows.schemaSecurity where row.schema == schema {
            if row.objects.isEmpty {
                grants += row.grants
            } else if let objects = row.objectsName {
                defaults += row.grants.map { DefaultPrivilegeState(objects: objects, grantee: $0.grantee, privileges: $0.privileges) }
            }
        }
        return (grants.normalizedGrants, defaults.isEmpty ? nil : defaults.sorted { $0.sortKey < $1.sortKey })
    }
}
