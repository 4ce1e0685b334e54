import Foundation
import Postgres
import SQLSyntax
import State

extension Reflector {
    /// A function, procedure, aggregate or window function of a batch's
    /// schemas: whether the state manages it, and its comment's row version.
    ///
    /// Functions, procedures and aggregates that no extension owns (`pg_depend`
    /// deptype `e`) are managed (an aggregate's text: `aggregateDefinition`);
    /// window functions and extension members are reported as unmanaged
    /// objects (`SchemaState.others`), as before. An aggregate's `pg_aggregate`
    /// row version comes along for the stamp.
    /// See https://www.postgresql.org/docs/15/catalog-pg-proc.html
    struct RoutineRow: RowDecodable {
        static let query = """
            SELECT p.oid::int8::text AS oid, p.prokind::text AS kind, m.managed,
                   CASE WHEN m.managed THEN \(Reflector.routineDefinition) END AS definition,
                   CASE WHEN m.managed THEN pg_get_function_identity_arguments(p.oid) END AS arguments,
                   CASE WHEN m.managed THEN pg_get_function_result(p.oid) END AS result,
                   ds.description AS comment, ds.xmin::text AS comment_version,
                   (SELECT ag.xmin::text FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid) AS aggregate_version
            FROM pg_proc p
            CROSS JOIN LATERAL (
                SELECT p.prokind IN ('f', 'p', 'a')
                       AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass
                                                                 AND e.objid = p.oid AND e.deptype = 'e') AS managed
            ) AS m
            LEFT JOIN pg_description ds
                   ON ds.classoid = 'pg_proc'::regclass AND ds.objoid = p.oid AND ds.objsubid = 0
            WHERE p.oid = ANY($1::oid[])
            """

        var oid: String
        var kind: String
        var isManaged: Bool
        /// Deparsed with an empty `search_path`: read again with the schema on
        /// the path when they name the schema's own objects (see `localItems`).
        var definition: String?
        var arguments: String?
        var result: String?
        var comment: String?
        var commentVersion: String?
        /// The `pg_aggregate` row's version; nil for other routines.
        var aggregateVersion: String?

        init(_ row: Row) throws {
            aggregateVersion = try row["aggregate_version"]
            oid = try row.value("oid")
            kind = try row.value("kind")
            isManaged = try row.bool("managed")
            definition = try row["definition"]
            arguments = try row["arguments"]
            result = try row["result"]
            comment = try row["comment"]
            commentVersion = try row["comment_version"]
        }
    }

    /// A table's trigger, but not the internal ones that foreign keys and
    /// deferred unique constraints make (`tgisinternal`).
    ///
    /// `pg_get_triggerdef` with an empty `search_path` qualifies the table and a
    /// function of the same schema; both are made unqualified on the client
    /// (`unqualifiedTrigger`) when the trigger has no `WHEN` condition, which
    /// could name more of the schema's objects; such a trigger is read again with
    /// the schema on the path.
    /// See https://www.postgresql.org/docs/15/catalog-pg-trigger.html
    struct TriggerRow: RowDecodable {
        static let query = """
            SELECT t.oid::int8::text AS oid, t.tgrelid::int8::text AS table_oid, t.tgname AS name,
                   t.xmin::text AS version, ds.description AS comment, ds.xmin::text AS comment_version,
                   nullif(t.tgenabled::text, 'O') AS enabled,
                   pg_get_triggerdef(t.oid, true) AS definition, t.tgqual IS NOT NULL AS has_condition,
                   quote_ident(c.relname) AS quoted_table,
                   CASE WHEN p.pronamespace = c.relnamespace THEN quote_ident(p.proname) END AS quoted_local_function,
                   CASE WHEN p.pronamespace = c.relnamespace THEN p.proname::text
                        ELSE pn.nspname || '.' || p.proname END AS function
            FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_proc p ON p.oid = t.tgfoid
            JOIN pg_namespace pn ON pn.oid = p.pronamespace
            LEFT JOIN pg_description ds
                   ON ds.classoid = 'pg_trigger'::regclass AND ds.objoid = t.oid AND ds.objsubid = 0
            WHERE t.tgrelid = ANY($1::oid[]) AND NOT t.tgisinternal
            """

        var oid: String
        var table: String
        var name: String
        var version: String
        var comment: String?
        var commentVersion: String?
        var definition: String
        var hasCondition: Bool
        var quotedTable: String
        var quotedLocalFunction: String?
        var function: String
        var enabled: String?

        init(_ row: Row) throws {
            enabled = try row["enabled"]
            oid = try row.value("oid")
            table = try row.value("table_oid")
            name = try row.value("name")
            version = try row.value("version")
            comment = try row["comment"]
            commentVersion = try row["comment_version"]
            definition = try row.value("definition")
            hasCondition = try row.bool("has_condition")
            quotedTable = try row.value("quoted_table")
            quotedLocalFunction = try row["quoted_local_function"]
            function = try row.value("function")
        }
    }

    /// A trigger's definition, deparsed with an empty `search_path`, as it reads
    /// with its schema on the path: `ON "s".t ` becomes `ON t `, and
    /// `EXECUTE FUNCTION "s".f(` becomes `EXECUTE FUNCTION f(`. Nil, to read it
    /// again with the schema on the path, for a trigger with a `WHEN`
    /// condition, a name that a `pg_catalog` object could shadow (`pg_` prefix),
    /// or a text not as expected.
    static func unqualifiedTrigger(_ row: TriggerRow, schema: String) -> String? {
        guard !row.hasCondition else { return nil }
        let names = [row.quotedTable] + (row.quotedLocalFunction.map { [$0] } ?? [])
        guard !names.contains(where: { $0.hasPrefix("pg_") || $0.hasPrefix("\"pg_") }) else { return nil }
        var text = row.definition
        let on = " ON \(schema).\(row.quotedTable) "
        guard let range = text.range(of: on) else { return nil }
        text.replaceSubrange(range, with: " ON \(row.quotedTable) ")
        if let function = row.quotedLocalFunction {
            let call = " EXECUTE FUNCTION \(schema).\(function)("
            guard let range = text.range(of: call, options: .backwards) else { return nil }
            text.replaceSubrange(range, with: " EXECUTE FUNCTION \(function)(")
        }
        return text
    }

    /// The per-schema parts of `LocalItems.statement` for routines and
    /// triggers whose batch texts name the schema's own objects: texts whose
    /// types and names the server qualifies unless they are visible on the
    /// path. Rows are `fd` definition, `fa` identity arguments, `fr` result (by
    /// routine oid); `gd` definition (by trigger oid).
    static func routineTextsQuery(_ routines: String) -> String {
        """
        SELECT x.kind, p.oid::int8::text AS key, x.text
        FROM pg_proc p
        CROSS JOIN LATERAL (VALUES ('fd', \(routineDefinition)),
                                   ('fa', pg_get_function_identity_arguments(p.oid)),
                                   ('fr', pg_get_function_result(p.oid))) AS x(kind, text)
        WHERE p.oid = ANY(\(routines)::oid[])
        """
    }

    static func triggerTextsQuery(_ triggers: String) -> String {
        """
        SELECT 'gd' AS kind, t.oid::int8::text AS key, pg_get_triggerdef(t.oid, true) AS text
        FROM pg_trigger t WHERE t.oid = ANY(\(triggers)::oid[])
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
        // As `pg_get_functiondef` writes it (`simple_quote_literal`): quotes doubled, backslashes not.
        let literal = "'" + schema.replacingOccurrences(of: "'", with: "''") + "'"
        for i in lines.indices where lines[i].hasPrefix(" SET search_path TO ") {
            lines[i] = lines[i].replacingOccurrences(of: literal, with: "'\(FunctionState.schemaPlaceholder)'")
        }
        return lines.joined(separator: "\n")
    }
}
