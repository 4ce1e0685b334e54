import Foundation
import Testing
import TestSupport
@testable import State

/// `functions:` and `triggers:`: what the loader reads, and every mistake at its line and column.
@Suite struct FunctionDeclarationTests {
    static func parse(_ yaml: String, file: String = "schema.yaml") throws -> Declaration {
        try DeclarationLoader.parse(yaml: yaml, file: file)
    }

    static func errors(_ yaml: String, file: String = "schema.yaml") -> [InputError] {
        inputErrors { _ = try parse(yaml, file: file) }
    }

    static let valid = """
        version: 1
        functions:
          touch_updated_at:
            comment: keeps updated_at
            sql: |
              -- the trigger function
              CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
        tables:
          orders:
            columns:
              id: { type: bigint }
              updated_at: { type: timestamptz }
            triggers:
              orders_touch: { timing: before, events: [insert, update], for_each: row, function: touch_updated_at }
              orders_audit: { timing: after, events: [truncate], for_each: statement, function: public.audit, when: "true" }
        """

    @Test func readsFunctionsAndTriggers() throws {
        let d = try Self.parse(Self.valid)
        let f = try #require(d.function(named: "touch_updated_at"))
        #expect(f.comment == "keeps updated_at")
        #expect(f.sql.hasPrefix("-- the trigger function\nCREATE FUNCTION"))
        #expect(f.sql.hasSuffix("END $$"), "the trailing ; goes: \(f.sql)")
        #expect(f.location?.line == 3)
        #expect(f.orReplaceSQL.contains("CREATE OR REPLACE FUNCTION touch_updated_at()"))
        let triggers = try #require(d.table(named: "orders")?.triggers)
        #expect(triggers.map(\.name) == ["orders_touch", "orders_audit"])
        #expect(triggers[0].events == [.insert, .update] && triggers[0].forEach == .row && triggers[0].timing == .before)
        #expect(triggers[1].function == "public.audit" && triggers[1].when == "true")
    }

    @Test func readsTheSQLOfAFileNextToSchemaYAML() throws {
        let directory = try temporaryDirectory().appendingPathComponent("fn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sql"), withIntermediateDirectories: true)
        try "CREATE OR REPLACE FUNCTION order_total() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
            .write(to: directory.appendingPathComponent("sql/order_total.sql"), atomically: true, encoding: .utf8)
        let schema = directory.appendingPathComponent("schema.yaml").path
        let d = try Self.parse("""
            version: 1
            functions:
              order_total: { file: sql/order_total.sql }
            tables: {}
            """, file: schema)
        #expect(d.functions.first?.sql == "CREATE OR REPLACE FUNCTION order_total() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        #expect(d.functions.first?.sourceFile == "sql/order_total.sql")

        let missing = Self.errors("""
            version: 1
            functions:
              gone: { file: sql/gone.sql }
            tables: {}
            """, file: schema)
        expectOnlyError(missing, line: 3, column: 17, message: "the file 'sql/gone.sql' of function 'gone' cannot be read",
                        hint: "relative to the directory of schema.yaml")
    }

    @Test func readsAggregates() throws {
        let d = try Self.parse("""
            version: 1
            functions:
              total:
                sql: |
                  /* the sum */ create aggregate total(numeric) (SFUNC = numeric_add, STYPE = numeric);
                comment: a sum
              biggest: { sql: "CREATE OR REPLACE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer)" }
            tables:
              t: { columns: { id: integer } }
            """)
        let total = try #require(d.function(named: "total"))
        #expect(total.sql == "/* the sum */ create aggregate total(numeric) (SFUNC = numeric_add, STYPE = numeric)")
        #expect(total.comment == "a sum")
        #expect(total.orReplaceSQL == "/* the sum */ create OR REPLACE aggregate total(numeric) (SFUNC = numeric_add, STYPE = numeric)")
        let biggest = try #require(d.function(named: "biggest"))
        #expect(biggest.orReplaceSQL == biggest.sql)
    }

    @Test func readsTriggersOfViews() throws {
        let d = try Self.parse("""
            version: 1
            functions:
              f: { sql: "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$" }
            tables:
              t: { columns: { id: integer } }
            views:
              v:
                query: "SELECT id FROM t"
                triggers:
                  v_write: { timing: instead_of, events: [insert, update], for_each: row, function: f, comment: writes }
            """)
        let trigger = try #require(d.view(named: "v")?.triggers.first)
        #expect(trigger.timing == .insteadOf && trigger.events == [.insert, .update] && trigger.forEach == .row)
        #expect(trigger.comment == "writes" && trigger.location?.line == 10)
    }

    @Test func triggersOfViewsFollowPostgreSQLsRules() {
        let errors = Self.errors("""
            version: 1
            functions:
              f: { sql: "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$" }
            tables:
              t:
                columns: { id: integer }
                triggers:
                  t_1: { timing: instead_of, events: [insert], for_each: row, function: f }
            views:
              v:
                query: "SELECT id FROM t"
                triggers:
                  v_1: { timing: before, events: [insert], for_each: row, function: f }
                  v_2: { timing: instead_of, events: [insert], for_each: statement, function: f }
                  v_3: { timing: instead_of, events: [truncate], for_each: row, function: f }
                  v_4: { timing: instead_of, events: [insert], for_each: row, function: f, when: "true" }
            materialized_views:
              m:
                query: "SELECT id FROM t"
                triggers: {}
            """)
        let located = errors.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" }
        #expect(located == [
            "8:22 'timing' of trigger 't_1' of table 't' is instead_of: INSTEAD OF triggers are for views",
            "13:22 'timing' of trigger 'v_1' of view 'v' must be instead_of, not 'before'",
            "14:62 'for_each' of trigger 'v_2' of view 'v' must be row, not 'statement'",
            "15:43 trigger 'v_3' of view 'v' fires on truncate, which PostgreSQL does not support for a view",
            "16:80 trigger 'v_4' of view 'v' has a when: condition, which PostgreSQL does not allow on INSTEAD OF triggers",
            "20:5 materialized view 'm' has triggers, which PostgreSQL does not allow on a materialized view",
        ], "\(located)")
    }

    @Test func mistakesAreErrorsAtTheirLine() {
        let errors = Self.errors("""
            version: 1
            functions:
              a: { sql: "CREATE TABLE a (id int)" }
              b: { sql: "CREATE FUNCTION b() RETURNS int LANGUAGE sql AS 'SELECT 1'", body: x }
              c: { comment: nothing }
              d: { sql: "CREATE FUNCTION d() RETURNS int LANGUAGE sql AS 'SELECT 1'", file: d.sql }
              \(String(repeating: "f", count: 64)): { sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'" }
            tables:
              t:
                columns:
                  id: { type: integer }
                triggers:
                  t_1: { timing: during, events: [update], for_each: row, function: b }
                  t_2: { timing: before, events: [update, upsert], for_each: row, function: b }
                  t_3: { timing: before, events: [update], for_each: row, function: touch }
                  t_4: { timing: before, events: [update], function: b }
                  t_5: { timing: after, events: [truncate], for_each: row, function: b }
                  t_6: { timing: after, events: [insert], for_each: row, function: b, on: x }
            ignore:
              triggers: ["t.t_6"]
              functions: [b]
            """)
        let located = errors.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" }
        let expected = [
            "3:13 'sql' of function 'a' is not a CREATE FUNCTION, CREATE PROCEDURE or CREATE AGGREGATE statement",
            "4:75 unknown key 'body' in function 'b'",
            "4:3 function 'b' is declared, and also ignored by ignore: functions 'b' at line 21",
            "5:3 function 'c' has no sql:",
            "6:75 function 'd' has both sql: and file:",
            "7:3 function name '\(String(repeating: "f", count: 64))' is 64 bytes long",
            "13:22 'timing' of trigger 't_1' of table 't' must be one of before, after, not 'during'",
            "14:47 unknown event 'upsert' in trigger 't_2' of table 't'",
            "15:73 trigger 't_3' of table 't' calls function 'touch', which is not declared under functions:",
            "16:7 trigger 't_4' of table 't' has no for_each",
            "17:38 trigger 't_5' of table 't' fires for each row on truncate",
            "18:7 trigger 't_6' of table 't' is declared, and also ignored by ignore: triggers 't.t_6' at line 20",
            "18:75 unknown key 'on' in trigger 't_6' of table 't'",
        ]
        #expect(located.count == expected.count, "\(located)")
        for e in expected {
            #expect(located.contains { $0.hasPrefix(e) }, "missing \(e) in\n\(located.joined(separator: "\n"))")
        }
    }
}
