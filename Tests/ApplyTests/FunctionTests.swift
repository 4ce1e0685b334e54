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
}
