import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// Functions, procedures and triggers, end to end on populated tenants: declared,
/// realised and read back by the server, planned in dependency order, applied,
/// and in sync afterwards.
@Suite struct FunctionTests {
    static let touch = """
        CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.updated_at := now(); RETURN NEW; END $$
        """

    static func declaration(_ yaml: String) throws -> Declaration {
        try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml")
    }

    static let ordersYAML = """
        version: 1
        functions:
          touch_updated_at:
            comment: Stamps updated_at
            sql: |
              CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN NEW.updated_at := now(); RETURN NEW; END $$
          next_invoice_no:
            sql: |
              CREATE FUNCTION next_invoice_no() RETURNS bigint LANGUAGE plpgsql
              AS $$ BEGIN RETURN 1000 + nextval('invoice_seq'); END $$;
        tables:
          orders:
            columns:
              id:         { type: bigint, identity: always }
              note:       { type: text }
              invoice_no: { type: bigint, default: next_invoice_no() }
              updated_at: { type: timestamptz, nullable: false, default: "'2000-01-01'" }
            primary_key: [id]
            triggers:
              orders_touch: { timing: before, events: [update], for_each: row, function: touch_updated_at, comment: keeps updated_at }
        """

    /// What a tenant holds before: the table with rows, and the sequence the function reads
    /// (a sequence schema.yaml does not declare, kept, held back as undeclared).
    static let ordersBefore = [
        "CREATE SEQUENCE invoice_seq",
        "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text, "
            + "updated_at timestamptz NOT NULL DEFAULT '2000-01-01')",
        "INSERT INTO orders (note) VALUES ('a'), ('b')",
    ]

    @Test func anUpdatedAtTriggerFiresAfterApplyAndAFunctionDefaultComesBeforeItsColumn() async throws {
        let h = try await Harness.make(prefix: "fn_touch")
        try h.run(Self.ordersBefore, in: "t1", createSchema: true)
        let declaration = try Self.declaration(Self.ordersYAML)
        let plan = try h.plan(declaration, tenants: ["t1"])
        let set = try #require(plan.changeSets.first { $0.tenants.values.contains { $0.contains("t1") } })
        let ops = set.changes.map(\.op.rawValue)
        // The default's function before the column; the trigger after its function.
        #expect(ops == ["create_function", "add_column", "create_function", "create_trigger",
                        "comment_function", "comment_trigger"], "\(ops)")
        let report = try h.apply(plan)
        #expect(outcomes(report)["t1"] == .applied, "\(describe(report))")

        // Existing rows got the function's default; the trigger fires on the next UPDATE.
        #expect(try h.rows("SELECT invoice_no FROM orders ORDER BY id", in: "t1") == [["1001"], ["1002"]])
        _ = try h.rows("UPDATE orders SET note = 'c' WHERE id = 1", in: "t1")
        let stamped = try h.rows("SELECT updated_at > now() - interval '1 minute' FROM orders ORDER BY id", in: "t1")
        #expect(stamped == [["t"], ["f"]])

        // In sync afterwards; and a new tenant gets the function before the table.
        let again = try h.plan(declaration, tenants: ["t1", "t2"])
        let t1 = again.changeSets.first { $0.tenants.values.contains { $0.contains("t1") } }
        #expect(t1?.changes.isEmpty ?? true, "\(t1?.changes.map(\.sql) ?? [])")
        let t2 = try #require(again.changeSets.first { $0.tenants.values.contains { $0.contains("t2") } })
        let t2ops = t2.changes.map(\.op.rawValue)
        #expect(t2ops.firstIndex(of: "create_function")! < t2ops.firstIndex(of: "create_table")!)
    }

    static let priceYAML = """
        version: 1
        functions:
          price_with_tax:
            sql: |
              CREATE FUNCTION price_with_tax(net numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
              RETURN round(net * %@, 2)
          touch_updated_at:
            sql: |
              CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
              BEGIN NEW.updated_at := %@; RETURN NEW; END $$
        tables:
          items:
            columns:
              id:         { type: integer }
              net:        { type: numeric, nullable: false }
              gross:      { type: numeric, generated: price_with_tax(net) }
              updated_at: { type: timestamptz }
            primary_key: [id]
            triggers:
              items_touch: { timing: before, events: [insert, update], for_each: row, function: touch_updated_at }
        """

    static func yaml(rate: String, stamp: String) -> String {
        var parts = priceYAML.components(separatedBy: "%@")
        precondition(parts.count == 3)
        parts[0] += rate
        parts[1] += stamp
        return parts.joined()
    }

    /// A body change on a populated tenant is CREATE OR REPLACE: the generated
    /// column and the trigger that depend on the functions stay, rows are kept.
    @Test func aChangedBodyIsReplacedInPlaceOnAPopulatedTenant() async throws {
        let h = try await Harness.make(prefix: "fn_replace")
        let first = try Self.declaration(Self.yaml(rate: "1.2", stamp: "'2001-01-01'"))
        _ = try h.apply(try h.plan(first, tenants: ["t1"]))
        _ = try h.rows("INSERT INTO items (id, net) VALUES (1, 10), (2, 20)", in: "t1")
        // SET search_path FROM CURRENT captured the tenant's name: still in sync.
        #expect(try h.rows("SELECT proconfig::text FROM pg_proc WHERE proname = 'touch_updated_at'") == [[#"{"search_path=\"t1\""}"#]])
        let steady = try h.plan(first, tenants: ["t1"])
        #expect(!steady.hasChanges, "\(steady.changeSets.flatMap(\.changes).map(\.sql))")

        let second = try Self.declaration(Self.yaml(rate: "1.2", stamp: "'2002-02-02'"))
        let plan = try h.plan(second, tenants: ["t1"])
        let changes = plan.changeSets.flatMap(\.changes)
        #expect(changes.map(\.op.rawValue) == ["replace_function"])
        #expect(changes.first?.hazards == [.replacesFunction])
        #expect(changes.first?.sql.hasPrefix("CREATE OR REPLACE FUNCTION touch_updated_at()") == true)
        let report = try h.apply(plan)
        #expect(outcomes(report)["t1"] == .applied, "\(describe(report))")
        _ = try h.rows("UPDATE items SET net = net WHERE id = 1", in: "t1")
        #expect(try h.rows("SELECT id, gross, updated_at::date::text FROM items ORDER BY id", in: "t1")
                == [["1", "12.00", "2002-02-02"], ["2", "24.00", "2001-01-01"]])
        #expect(!(try h.plan(second, tenants: ["t1"])).hasChanges)
    }

    /// A new signature is DROP + CREATE (the old signature goes first); a body
    /// change of a trigger's function keeps the trigger.
    @Test func aSignatureChangeDropsAndCreates() async throws {
        let h = try await Harness.make(prefix: "fn_signature")
        try h.run([
            "CREATE FUNCTION audit(who text) RETURNS integer LANGUAGE sql AS 'SELECT 1'",
            "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := NEW.n + 1; RETURN NEW; END $$",
            "CREATE TABLE t (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0)",
            "CREATE TRIGGER t_stamp BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION stamp()",
            "INSERT INTO t VALUES (1, 0), (2, 0)",
        ], in: "t1", createSchema: true)
        let declaration = try Self.declaration("""
            version: 1
            functions:
              stamp:
                sql: |
                  CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := NEW.n + 10; RETURN NEW; END $$
              audit:
                sql: CREATE FUNCTION audit(who text, level integer) RETURNS integer LANGUAGE sql AS 'SELECT level'
            tables:
              t:
                columns:
                  id: { type: integer }
                  n:  { type: integer, nullable: false, default: "0" }
                primary_key: [id]
                triggers:
                  t_stamp: { timing: before, events: [update], for_each: row, function: stamp }
            """)
        let plan = try h.plan(declaration, tenants: ["t1"])
        let changes = plan.changeSets.flatMap(\.changes)
        #expect(changes.map(\.op.rawValue) == ["drop_function", "replace_function", "create_function"],
                "\(changes.map(\.sql))")
        #expect(changes.first?.sql == "DROP FUNCTION \"audit\"(who text)")
        let report = try h.apply(plan)
        #expect(outcomes(report)["t1"] == .applied, "\(describe(report))")
        _ = try h.rows("UPDATE t SET id = id WHERE id = 1", in: "t1")
        #expect(try h.rows("SELECT n FROM t ORDER BY id", in: "t1") == [["10"], ["0"]])
        #expect(try h.rows("SELECT audit('x', 3)", in: "t1") == [["3"]])
        #expect(!(try h.plan(declaration, tenants: ["t1"])).hasChanges)
    }

    /// A signature change of a function a column default calls needs DROP, which
    /// the default forbids: held back with the reason, the tenant left as it is.
    @Test func aSignatureChangeUnderADefaultIsHeldBack() async throws {
        let h = try await Harness.make(prefix: "fn_held_default")
        try h.run([
            "CREATE FUNCTION bump(step integer) RETURNS integer LANGUAGE sql AS 'SELECT step'",
            "CREATE TABLE t (id integer PRIMARY KEY, n integer DEFAULT bump(1))",
            "INSERT INTO t (id) VALUES (1)",
        ], in: "t1", createSchema: true)
        let declaration = try Self.declaration("""
            version: 1
            functions:
              bump:
                sql: CREATE FUNCTION bump(step bigint) RETURNS bigint LANGUAGE sql AS 'SELECT step * 2'
            tables:
              t:
                columns:
                  id: { type: integer }
                  n:  { type: integer, default: bump(1) }
                primary_key: [id]
            """)
        let plan = try h.plan(declaration, tenants: ["t1"])
        let set = try #require(plan.changeSets.first)
        #expect(set.held.count == 1 && set.held[0].reason.contains("column t.n uses it"), "\(set.held)")
    }

    /// A function the tenant has and schema.yaml does not declare is held back
    /// without --allow-destructive, and dropped with --allow function:NAME.
    @Test func anUndeclaredFunctionIsHeldBackUntilAllowed() async throws {
        let h = try await Harness.make(prefix: "fn_undeclared")
        try h.run([
            "CREATE TABLE t (id integer PRIMARY KEY)",
            "INSERT INTO t VALUES (1)",
            "CREATE FUNCTION legacy_total() RETURNS bigint LANGUAGE sql AS 'SELECT 1'",
            "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit()",
        ], in: "t1", createSchema: true)
        let declaration = try Self.declaration("""
            version: 1
            tables:
              t:
                columns:
                  id: { type: integer }
                primary_key: [id]
            """)
        let held = try h.plan(declaration, tenants: ["t1"])
        let set = try #require(held.changeSets.first)
        #expect(set.changes.isEmpty)
        #expect(Set(set.held.map(\.object)) == ["trigger t_audit on t", "function legacy_total()", "function audit()"],
                "\(set.held)")
        #expect(set.held.contains { $0.reason.contains("--allow function:legacy_total") })
        #expect(set.held.contains { $0.reason.contains("--allow trigger:t.t_audit") })

        let allowed = try h.plan(declaration, tenants: ["t1"], allowed: [
            try AllowSelector(parsing: "function:legacy_*"), try AllowSelector(parsing: "trigger:t.*"),
            try AllowSelector(parsing: "function:audit"),
        ])
        let ops = allowed.changeSets.flatMap(\.changes).map(\.op.rawValue)
        #expect(ops == ["drop_trigger", "drop_function", "drop_function"], "\(ops)")
        let report = try h.apply(allowed)
        #expect(outcomes(report)["t1"] == .applied, "\(describe(report))")
        #expect(try h.rows("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 't1'") == [["0"]])
        #expect(try h.rows("SELECT count(*) FROM t", in: "t1") == [["1"]])
    }

    /// Import writes functions and triggers that plan finds in sync, and that
    /// build a new tenant with the same catalog state.
    @Test func importRoundTripsFunctionsAndTriggers() async throws {
        let h = try await Harness.make(prefix: "fn_import")
        try h.connection.execute("CREATE FUNCTION public.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
        try h.run([
            "CREATE TYPE mood AS ENUM ('ok', 'meh')",
            "CREATE TABLE t (id integer PRIMARY KEY, m mood NOT NULL DEFAULT 'ok', n integer, updated_at timestamptz)",
            "CREATE FUNCTION next_n() RETURNS integer LANGUAGE sql AS $$ SELECT 7 $$",
            "ALTER TABLE t ALTER COLUMN n SET DEFAULT next_n()",
            """
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                NEW.updated_at := now();

                RETURN NEW;
            END $$
            """,
            "COMMENT ON FUNCTION touch() IS 'stamps rows'",
            "CREATE FUNCTION is_happy(x mood) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN x = 'ok'",
            "CREATE PROCEDURE reset_n(v integer) LANGUAGE sql AS $$ UPDATE t SET n = v $$",
            "CREATE TRIGGER t_touch BEFORE INSERT OR UPDATE ON t FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION touch()",
            "COMMENT ON TRIGGER t_touch ON t IS 'keeps updated_at'",
            "CREATE TRIGGER t_audit AFTER TRUNCATE ON t FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row()",
            "INSERT INTO t (id) VALUES (1)",
        ], in: "tenant_fn", createSchema: true)
        let declaration = try ImportTests().expectExactImport(h, "tenant_fn")
        #expect(declaration.functions.map(\.name) == ["is_happy", "next_n", "reset_n", "touch"])
        #expect(declaration.function(named: "touch")?.sql.contains("SET search_path FROM CURRENT") == true)
        #expect(declaration.table(named: "t")?.triggers.map(\.function) == ["public.audit_row", "touch"])
        #expect(declaration.table(named: "t")?.triggers.last?.when == "pg_trigger_depth() = 0")
        #expect(try h.rows("SELECT n FROM t", in: "fresh_tenant") == [])
        _ = try h.rows("INSERT INTO t (id) VALUES (5)", in: "fresh_tenant")
        #expect(try h.rows("SELECT n, updated_at IS NOT NULL FROM t", in: "fresh_tenant") == [["7", "t"]])
    }

    /// The server judges the SQL: a statement it rejects, or one that creates a
    /// function of another name, is an error at the key's line; nothing is touched.
    @Test func theServerChecksEachKeyCreatesItsOneFunction() async throws {
        let h = try await Harness.make(prefix: "fn_invalid")
        try h.run(["CREATE TABLE t (id integer)"], in: "t1", createSchema: true)
        for (sql, message) in [
            ("CREATE FUNCTION other() RETURNS int LANGUAGE sql AS 'SELECT 1'", "function 'f' creates 'other', not 'f'"),
            ("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "function 'f' creates no function named 'f'"),
            ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT nope'", "PostgreSQL rejects this declaration"),
        ] {
            let declaration = try Self.declaration("""
                version: 1
                functions:
                  f:
                    sql: "\(sql)"
                tables:
                  t:
                    columns:
                      id: { type: integer }
                """)
            do {
                _ = try h.plan(declaration, tenants: ["t1"])
                Issue.record("expected an error for \(sql)")
            } catch let errors as InputErrors {
                #expect(errors.errors.first?.location?.line == 3, "\(errors)")
                #expect(errors.errors.first?.message.contains(message) == true, "\(errors)")
            } catch let error as PlanningError {
                #expect(error.location?.line == 3, "\(error)")
                #expect(error.summary.contains(message), "\(error)")
            }
        }
        #expect(try h.rows("SELECT count(*) FROM pg_proc WHERE proname IN ('f', 'other')") == [["0"]])

        // An error the server places inside a literal block points at its place in schema.yaml (the `;` after `1 +`).
        let block = try Self.declaration("""
            version: 1
            functions:
              f:
                sql: |
                  CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
                  BEGIN
                    RETURN 1 +;
                  END $$
            tables: {}
            """)
        do {
            _ = try h.plan(block, tenants: ["t1"])
            Issue.record("expected an error")
        } catch let error as PlanningError {
            #expect(error.location?.line == 7 && error.location?.column == 19, "\(String(describing: error.location)) \(error)")
        }
    }
}
