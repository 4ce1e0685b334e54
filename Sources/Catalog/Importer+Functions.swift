import Foundation
import Postgres
import State

/// Functions, procedures and triggers of a tenant, as `import` reads and
/// declares them.
extension Importer {
    /// A function, procedure or aggregate of the tenant that no extension owns.
    /// Read with `search_path` set to the tenant, so that its types come
    /// unqualified. An aggregate's definition is the `CREATE AGGREGATE` that
    /// makes it (`Reflector.aggregateStatement`).
    struct Function: Sendable, RowDecodable {
        static let query = """
            SELECT p.proname AS name,
                   CASE WHEN p.prokind = 'a' THEN \(Reflector.aggregateStatement)
                        ELSE pg_get_functiondef(p.oid) END AS definition,
                   obj_description(p.oid, 'pg_proc') AS comment,
                   count(*) OVER (PARTITION BY p.proname) AS overloads,
                   quote_ident(n.nspname) AS quoted_schema
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.pronamespace = $1::oid AND p.prokind IN ('f', 'p', 'a')
              AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                                                        AND e.deptype = 'e')
            ORDER BY p.proname, p.oid
            """

        var name: String
        var definition: String
        var comment: String?
        var overloads: Int
        var quotedSchema: String

        init(_ row: Row) throws {
            name = try row.value("name")
            definition = try row.value("definition")
            comment = try row["comment"]
            overloads = Int(try row.value("overloads") as String) ?? 1
            quotedSchema = try row.value("quoted_schema")
        }
    }

    /// A trigger of a tenant table, not an internal one.
    /// See https://www.postgresql.org/docs/15/catalog-pg-trigger.html
    struct Trigger: Sendable, RowDecodable {
        static let query = """
            SELECT t.tgrelid::int8::text AS table_oid, t.tgname AS name, t.tgtype::int AS type,
                   t.tgnargs AS nargs, coalesce(array_length(t.tgattr::int2[], 1), 0) > 0 AS has_columns, t.tgconstraint <> 0 AS is_constraint,
                   t.tgenabled::text AS enabled, pg_get_triggerdef(t.oid, true) AS definition,
                   obj_description(t.oid, 'pg_trigger') AS comment, p.proname AS function,
                   CASE WHEN p.pronamespace = $1::oid THEN NULL ELSE pn.nspname END AS function_schema
            FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_proc p ON p.oid = t.tgfoid
            JOIN pg_namespace pn ON pn.oid = p.pronamespace
            WHERE c.relnamespace = $1::oid AND NOT t.tgisinternal
            ORDER BY t.tgname
            """

        var table: String
        var name: String
        var type: Int
        var argumentCount: Int
        var hasColumns: Bool
        var isConstraint: Bool
        var enabled: String
        var definition: String
        var comment: String?
        var function: String
        var functionSchema: String?

        init(_ row: Row) throws {
            table = try row.value("table_oid")
            name = try row.value("name")
            type = Int(try row.value("type") as String) ?? 0
            argumentCount = Int(try row.value("nargs") as String) ?? 0
            hasColumns = try row.bool("has_columns")
            isConstraint = try row.bool("is_constraint")
            enabled = try row.value("enabled")
            definition = try row.value("definition")
            comment = try row["comment"]
            function = try row.value("function")
            functionSchema = try row["function_schema"]
        }
    }

    /// The declared functions, from the tenant's, and what is left out.
    static func buildFunctions(_ functions: [Function], tenant: String, into built: inout Built) {
        for function in functions {
            let object = "function \(function.name)"
            if function.overloads > 1 {
                built.skipped.append(ImportNote(
                    object: object,
                    reason: "it is overloaded (\(function.overloads) signatures); schema.yaml declares one function per name"))
                continue
            }
            var sql = Reflector.neutralised(definition: function.definition, quotedSchema: function.quotedSchema,
                                            schema: tenant)
            // A search_path of the tenant alone is what FROM CURRENT captures under apply.
            sql = sql.replacingOccurrences(of: " SET search_path TO '\(FunctionState.schemaPlaceholder)'\n",
                                           with: " SET search_path FROM CURRENT\n")
            if sql.contains(FunctionState.schemaPlaceholder) {
                built.skipped.append(ImportNote(
                    object: object,
                    reason: "its SET search_path names the tenant schema among others, which differs per tenant"))
                continue
            }
            while let last = sql.last, last.isWhitespace || last == ";" { sql.removeLast() }
            built.declaration.functions.append(FunctionDeclaration(name: function.name, sql: sql, comment: function.comment))
        }
    }

    /// `tgtype` bits (`pg_trigger.h`).
    enum TriggerType {
        static let row = 1, before = 2, insert = 4, delete = 8, update = 16, truncate = 32, instead = 64
    }

    /// A table's trigger as declared, or the reason `schema.yaml` cannot say it.
    static func buildTrigger(_ trigger: Trigger, declared functions: Set<String>,
                             onView: Bool = false) -> Result<TriggerDeclaration, ImportNote.Reason> {
        let t = trigger.type
        if trigger.argumentCount > 0 { return .failure("it passes arguments to its function") }
        if trigger.hasColumns { return .failure("it fires on UPDATE OF listed columns") }
        if trigger.isConstraint { return .failure("it is a constraint trigger") }
        if t & TriggerType.instead != 0 && !onView { return .failure("it is an INSTEAD OF trigger") }
        if onView && (t & TriggerType.instead == 0 || t & TriggerType.row == 0) {
            return .failure("a view's trigger that is not INSTEAD OF ... FOR EACH ROW")
        }
        if trigger.enabled != "O" { return .failure("it is disabled or fires only in a replication role") }
        var function = trigger.function
        if let schema = trigger.functionSchema {
            function = "\(schema).\(function)"
        } else if !functions.contains(function) {
            return .failure(ImportNote.Reason("its function \(function) is not imported"))
        }
        var events: [TriggerDeclaration.Event] = []
        if t & TriggerType.insert != 0 { events.append(.insert) }
        if t & TriggerType.update != 0 { events.append(.update) }
        if t & TriggerType.delete != 0 { events.append(.delete) }
        if t & TriggerType.truncate != 0 { events.append(.truncate) }
        var declaration = TriggerDeclaration(
            name: trigger.name, timing: onView ? .insteadOf : t & TriggerType.before != 0 ? .before : .after, events: events,
            forEach: t & TriggerType.row != 0 ? .row : .statement, function: function, comment: trigger.comment)
        // The WHEN condition, as the server writes it between `WHEN (` and `) EXECUTE`.
        if let when = trigger.definition.range(of: " WHEN ("),
           let execute = trigger.definition.range(of: ") EXECUTE ", options: .backwards), when.upperBound <= execute.lowerBound {
            declaration.when = String(trigger.definition[when.upperBound..<execute.lowerBound])
        }
        return .success(declaration)
    }
}

extension ImportNote {
    /// Why an object is left out, as a `Result` failure.
    struct Reason: Error, ExpressibleByStringLiteral, Sendable {
        var text: String
        init(stringLiteral text: String) { self.text = text }
        init(_ text: String) { self.text = text }
    }
}
