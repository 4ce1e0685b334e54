import Foundation
import Postgres
import SQLSyntax
import State

extension Reflector {
    /// A function, procedure, aggregate or window function of a batch's
    /// schemas: whether the state manages it, and its comment's row version.
    ///
    /// Functions and procedures that no extension owns (`pg_depend` deptype
    /// `e`) are managed; aggregates, window functions and extension members are
    /// reported as unmanaged objects (`SchemaState.others`), as before.
    /// See https://www.postgresql.org/docs/15/catalog-pg-proc.html
    struct RoutineRow: RowDecodable {
        static let query = """
            SELECT p.oid::int8::text AS oid, p.prokind::text AS kind,
                   EXISTS (SELECT FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                                                   AND e.deptype = 'e') AS extension,
                   ds.xmin::text AS comment_version
            FROM pg_proc p
            LEFT JOIN pg_description ds
                   ON ds.classoid = 'pg_proc'::regclass AND ds.objoid = p.oid AND ds.objsubid = 0
            WHERE p.oid = ANY($1::oid[])
            """

        var oid: String
        var kind: String
        var isExtensionMember: Bool
        var commentVersion: String?

        init(_ row: Row) throws {
            oid = try row.value("oid")
            kind = try row.value("kind")
            isExtensionMember = try row.bool("extension")
            commentVersion = try row["comment_version"]
        }

        var isManaged: Bool { (kind == "f" || kind == "p") && !isExtensionMember }
    }

    /// A table's trigger, but not the internal ones that foreign keys and
    /// deferred unique constraints make (`tgisinternal`).
    /// See https://www.postgresql.org/docs/15/catalog-pg-trigger.html
    struct TriggerRow: RowDecodable {
        static let query = """
            SELECT t.oid::int8::text AS oid, t.tgrelid::int8::text AS table_oid, t.tgname AS name,
                   t.xmin::text AS version, ds.xmin::text AS comment_version
            FROM pg_trigger t
            LEFT JOIN pg_description ds
                   ON ds.classoid = 'pg_trigger'::regclass AND ds.objoid = t.oid AND ds.objsubid = 0
            WHERE t.tgrelid = ANY($1::oid[]) AND NOT t.tgisinternal
            """

        var oid: String
        var table: String
        var name: String
        var version: String
        var commentVersion: String?

        init(_ row: Row) throws {
            oid = try row.value("oid")
            table = try row.value("table_oid")
            name = try row.value("name")
            version = try row.value("version")
            commentVersion = try row["comment_version"]
        }
    }

    /// The per-schema parts of `LocalItems.statement` for routines and
    /// triggers: texts whose types and names the server qualifies unless they
    /// are visible on the path. Rows are `fd` definition, `fa` identity
    /// arguments, `fr` result, `fc` comment (by routine oid); `gd` definition,
    /// `gf` function name, `gc` comment (by trigger oid).
    static func routineTextsQuery(_ routines: String) -> String {
        """
        SELECT x.kind, p.oid::int8::text AS key, x.text
        FROM pg_proc p
        CROSS JOIN LATERAL (VALUES ('fd', pg_get_functiondef(p.oid)),
                                   ('fa', pg_get_function_identity_arguments(p.oid)),
                                   ('fr', pg_get_function_result(p.oid)),
                                   ('fc', obj_description(p.oid, 'pg_proc'))) AS x(kind, text)
        WHERE p.oid = ANY(\(routines)::oid[])
        """
    }

    static func triggerTextsQuery(_ triggers: String) -> String {
        """
        SELECT x.kind, t.oid::int8::text AS key, x.text
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_proc p ON p.oid = t.tgfoid
        JOIN pg_namespace pn ON pn.oid = p.pronamespace
        CROSS JOIN LATERAL (VALUES ('gd', pg_get_triggerdef(t.oid, true)),
                                   ('gf', CASE WHEN p.pronamespace = c.relnamespace THEN p.proname::text
                                               ELSE pn.nspname || '.' || p.proname END),
                                   ('gc', obj_description(t.oid, 'pg_trigger'))) AS x(kind, text)
        WHERE t.oid = ANY(\(triggers)::oid[])
        """
    }

    /// A routine's `pg_get_functiondef` with the schema's name taken out: the
    /// head names the routine qualified whatever the path (`CREATE OR REPLACE
    /// FUNCTION s.f(`), and a `SET search_path` captured `FROM CURRENT` holds the
    /// schema's name as a literal (`'s'`), which becomes `'{tenant}'`.
    static func neutralised(definition: String, quotedSchema: String, schema: String) -> String {
        var lines = definition.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for head in ["CREATE OR REPLACE FUNCTION ", "CREATE OR REPLACE PROCEDURE "] {
            guard let first = lines.first, first.hasPrefix(head + quotedSchema + ".") else { continue }
            lines[0] = head + first.dropFirst(head.count + quotedSchema.count + 1)
        }
        let literal = "'" + schema.replacingOccurrences(of: "'", with: "''") + "'"
        for i in lines.indices where lines[i].hasPrefix(" SET search_path TO ") {
            lines[i] = lines[i].replacingOccurrences(of: literal, with: "'\(FunctionState.schemaPlaceholder)'")
        }
        return lines.joined(separator: "\n")
    }
}
