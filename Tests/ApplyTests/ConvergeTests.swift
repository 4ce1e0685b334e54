import Apply
import Catalog
import Foundation
import Plan
import Planning
import State
import Testing
import TestSupport

/// One starting state of a tenant schema, made by hand-written SQL.
struct ConvergeScenario: Sendable, CustomTestStringConvertible {
    var name: String
    /// nil: the schema does not exist. Otherwise the schema is created and these
    /// statements run in it, then `seed`, then `drift`.
    var build: [String]?
    var seed: [String] = []
    var drift: [String] = []
    var allowDestructive = false
    /// Undeclared objects the plan keeps (without `--allow-destructive`): the same
    /// statements run in the reference schema, and each is one held-back change.
    var kept: [String] = []
    var held = 0
    /// The operations of the first plan, as a sorted multiset of names.
    var ops: [String]
    /// What `RichSchema.orderCheck` must find afterwards, when orders were seeded.
    var orderRows = RichSchema.orderRows

    var testDescription: String { name }

    static let full = RichSchema.referenceDDL()
    static let seeds = [RichSchema.customerSeed, RichSchema.orderSeed]

    static func drifted(_ name: String, _ drift: [String], ops: [String], allowDestructive: Bool = false,
                        kept: [String] = [], held: Int = 0) -> ConvergeScenario {
        ConvergeScenario(name: name, build: full, seed: seeds, drift: drift, allowDestructive: allowDestructive,
                         kept: kept, held: held, ops: ops)
    }

    static let creation = ["add_constraint", "add_constraint", "add_constraint", "comment_column", "comment_column",
                           "comment_table", "create_enum", "create_index", "create_index", "create_index",
                           "create_index", "create_index", "create_index", "create_table", "create_table",
                           "create_table"]

    static let all: [ConvergeScenario] = [
        ConvergeScenario(name: "schema missing", build: nil, ops: (creation + ["create_schema"]).sorted()),
        ConvergeScenario(name: "schema empty", build: [], ops: creation),
        ConvergeScenario(
            name: "partly built (enum and customers only)",
            build: RichSchema.enumDDL() + RichSchema.customersDDL, seed: [RichSchema.customerSeed],
            ops: ["add_constraint", "add_constraint", "comment_column", "create_index", "create_index",
                  "create_index", "create_table", "create_table"]),
        drifted("in sync", [], ops: []),
        drifted("column type",
                ["ALTER TABLE customers ALTER COLUMN name TYPE varchar(100)"], ops: ["alter_column_type"]),
        drifted("column type narrowed, with a default (destructive)",
                ["ALTER TABLE events ALTER COLUMN kind TYPE text", "ALTER TABLE events ALTER COLUMN kind SET DEFAULT 'note'::text"],
                ops: ["alter_column_type", "drop_default", "set_default"], allowDestructive: true),
        drifted("column type widened under a generated column",
                ["ALTER TABLE orders DROP COLUMN line_total",
                 "ALTER TABLE orders ALTER COLUMN quantity TYPE smallint",
                 "ALTER TABLE orders ADD COLUMN line_total numeric(14,2) GENERATED ALWAYS AS (quantity * unit_price) STORED"],
                // The generated column that uses it is dropped first and added back after.
                ops: ["add_column", "alter_column_type", "drop_column", "drop_default", "set_default"]),
        drifted("column collation",
                [#"ALTER TABLE customers ALTER COLUMN handle TYPE text COLLATE "POSIX""#], ops: ["alter_column_type"]),
        drifted("nullability",
                ["ALTER TABLE customers ALTER COLUMN email DROP NOT NULL",
                 "ALTER TABLE orders ALTER COLUMN note SET NOT NULL"],
                ops: ["add_constraint_not_valid", "drop_constraint", "drop_not_null", "set_not_null", "validate_constraint"]),
        drifted("defaults",
                ["ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid'",
                 "ALTER TABLE customers ALTER COLUMN tags DROP DEFAULT",
                 "ALTER TABLE events ALTER COLUMN kind SET DEFAULT 'other'",
                 "ALTER TABLE customers ALTER COLUMN created_at SET DEFAULT statement_timestamp()",
                 "ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'n/a'"],
                ops: ["drop_default", "set_default", "set_default", "set_default", "set_default"]),
        drifted("index missing",
                ["DROP INDEX customers_lower_email_idx", "DROP INDEX events_payload_idx"],
                ops: ["create_index_concurrently", "create_index_concurrently"]),
        drifted("index with a different definition",
                ["DROP INDEX orders_open_idx",
                 "CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status = 'pending'",
                 "DROP INDEX customers_created_at_idx",
                 "CREATE INDEX customers_created_at_idx ON customers (created_at)",
                 "DROP INDEX orders_customer_id_idx",
                 "CREATE INDEX orders_customer_id_idx ON orders (customer_id)"],
                ops: ["create_index_concurrently", "create_index_concurrently", "create_index_concurrently", "drop_index_concurrently", "drop_index_concurrently", "drop_index_concurrently"]),
        drifted("index renamed",
                ["ALTER INDEX customers_tags_idx RENAME TO customers_tags_gin",
                 "ALTER INDEX orders_customer_id_idx RENAME TO orders_cust_idx"],
                ops: ["rename_index", "rename_index"]),
        drifted("check with a different expression",
                ["ALTER TABLE orders DROP CONSTRAINT orders_total_check",
                 "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total > -1)"],
                ops: ["add_constraint_not_valid", "drop_constraint", "validate_constraint"]),
        drifted("foreign keys with a different on_delete",
                ["ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey",
                 "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT",
                 "ALTER TABLE orders DROP CONSTRAINT orders_referrer_id_fkey",
                 "ALTER TABLE orders ADD CONSTRAINT orders_referrer_id_fkey FOREIGN KEY (referrer_id) REFERENCES customers (id)"],
                ops: ["add_constraint_not_valid", "add_constraint_not_valid", "drop_constraint", "drop_constraint", "validate_constraint", "validate_constraint"]),
        ConvergeScenario(
            name: "enum label missing in the middle",
            build: RichSchema.referenceDDL(labels: ["pending", "paid", "cancelled"]), seed: seeds,
            ops: ["add_enum_value"]),
        ConvergeScenario(
            name: "enum labels missing at the end",
            build: RichSchema.referenceDDL(labels: ["pending", "paid"]), seed: seeds,
            ops: ["add_enum_value", "add_enum_value"]),
        ConvergeScenario(
            name: "enum label missing that a default and an index predicate use",
            build: RichSchema.referenceDDL(labels: ["paid", "shipped", "cancelled"]).map {
                $0.replacingOccurrences(of: "DEFAULT 'pending'", with: "DEFAULT 'paid'")
                    .replacingOccurrences(of: "WHERE status IN ('pending', 'paid')", with: "WHERE status IN ('paid')")
            },
            seed: seeds,
            ops: ["add_enum_value", "create_index_concurrently", "drop_index_concurrently", "set_default"]),
        drifted("bigserial column built as serial (column and sequence integer)",
                ["ALTER TABLE events ALTER COLUMN id TYPE integer", "ALTER SEQUENCE events_id_seq AS integer"],
                ops: ["alter_column_type", "alter_sequence_type", "drop_default", "set_default"]),
        drifted("bigserial column whose sequence is still integer",
                ["ALTER SEQUENCE events_id_seq AS integer"], ops: ["alter_sequence_type"]),
        drifted("serial column without its sequence",
                ["ALTER TABLE events ALTER COLUMN seq DROP DEFAULT", "DROP SEQUENCE events_seq_seq"],
                ops: ["continue_sequence", "create_sequence", "set_default"]),
        drifted("generated column made plain (destructive)",
                ["ALTER TABLE orders ALTER COLUMN line_total DROP EXPRESSION"],
                ops: ["add_column", "drop_column"], allowDestructive: true),
        ConvergeScenario(
            name: "plain column generated in the tenant",
            build: full, seed: seeds,
            drift: ["ALTER TABLE orders DROP COLUMN note",
                    "ALTER TABLE orders ADD COLUMN note text GENERATED ALWAYS AS ('made by hand') STORED",
                    "COMMENT ON COLUMN orders.note IS 'Free text'"],
            ops: ["drop_expression"], orderRows: [["1000", "3", "13.50", "made by hand"]]),
        drifted("identity missing",
                ["ALTER TABLE orders ALTER COLUMN id DROP IDENTITY"], ops: ["add_identity", "continue_sequence"]),
        drifted("identity of the other kind",
                ["ALTER TABLE customers ALTER COLUMN id SET GENERATED BY DEFAULT",
                 "ALTER TABLE orders ALTER COLUMN id SET GENERATED ALWAYS"],
                ops: ["set_identity", "set_identity"]),
        drifted("generated column with a different expression",
                ["ALTER TABLE orders DROP COLUMN line_total",
                 "ALTER TABLE orders ADD COLUMN line_total numeric(14,2) GENERATED ALWAYS AS (quantity * unit_price + 1) STORED"],
                ops: ["add_column", "drop_column"]),
        drifted("comments",
                ["COMMENT ON TABLE customers IS 'Old text'",
                 "COMMENT ON COLUMN orders.note IS NULL",
                 "COMMENT ON COLUMN customers.email IS 'Added by hand'",
                 "COMMENT ON TABLE events IS 'Undeclared comment'"],
                ops: ["comment_column", "comment_column", "comment_table", "comment_table"]),
        drifted("column and constraints missing",
                ["ALTER TABLE customers DROP COLUMN handle",
                 "ALTER TABLE customers DROP CONSTRAINT customers_email_key",
                 "ALTER TABLE customers DROP CONSTRAINT customers_plan_id_fkey",
                 "ALTER TABLE orders DROP CONSTRAINT orders_quantity_check",
                 "ALTER TABLE events DROP CONSTRAINT events_pkey"],
                ops: ["add_column", "add_constraint_not_valid", "add_constraint_not_valid", "add_constraint_using_index", "add_constraint_using_index", "create_index_concurrently", "create_index_concurrently", "validate_constraint", "validate_constraint"]),
        drifted("several drifts at once",
                ["ALTER TABLE customers ALTER COLUMN name TYPE varchar(100)",
                 "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid'",
                 "DROP INDEX customers_tags_idx",
                 "ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey",
                 "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id)",
                 "COMMENT ON COLUMN customers.name IS NULL",
                 "ALTER TABLE orders ALTER COLUMN total DROP NOT NULL"],
                ops: ["add_constraint_not_valid", "add_constraint_not_valid", "alter_column_type", "comment_column", "create_index_concurrently", "drop_constraint", "drop_constraint", "set_default", "set_not_null", "validate_constraint", "validate_constraint"]),
        drifted("extra column, kept",
                ["ALTER TABLE customers ADD COLUMN legacy_code text DEFAULT 'x'"],
                ops: [], kept: ["ALTER TABLE customers ADD COLUMN legacy_code text DEFAULT 'x'"], held: 1),
        drifted("extra column, dropped",
                ["ALTER TABLE customers ADD COLUMN legacy_code text DEFAULT 'x'"],
                ops: ["drop_column"], allowDestructive: true),
        drifted("extra table, kept",
                ["CREATE TABLE audit_log (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), message text NOT NULL)"],
                ops: [],
                kept: ["CREATE TABLE audit_log (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), message text NOT NULL)"],
                held: 1),
        drifted("extra table, dropped",
                ["CREATE TABLE audit_log (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), message text NOT NULL)"],
                ops: ["drop_constraint", "drop_table"], allowDestructive: true),
        drifted("extra index, kept",
                ["CREATE INDEX customers_name_idx ON customers (name)"],
                ops: [], kept: ["CREATE INDEX customers_name_idx ON customers (name)"], held: 1),
        drifted("extra index, dropped",
                ["CREATE INDEX customers_name_idx ON customers (name)"],
                ops: ["drop_index_concurrently"], allowDestructive: true),
    ]
}

/// Converge, then diff again (migra's test method): from each starting state,
/// plan → apply → plan must end with the tenant in sync and its catalog equal to
/// the same design written by hand.
@Suite struct ConvergeTests {
    static let tenant = "tenant_a"

    @Test(arguments: ConvergeScenario.all)
    func convergesToTheHandWrittenReference(_ scenario: ConvergeScenario) async throws {
        let h = try await Harness.make(prefix: "converge")
        try h.createSharedPlans()
        let declaration = try RichSchema.declaration()

        // The reference, by hand, in a schema of the same database.
        try h.run(RichSchema.referenceDDL() + scenario.kept, in: "reference", createSchema: true)
        let reference = try #require(try h.state("reference"))
        let keptTable = scenario.kept.contains { $0.hasPrefix("CREATE TABLE audit_log") }
        #expect(reference.tables.map(\.name) == (keptTable ? ["audit_log"] : []) + ["customers", "events", "orders"])

        // The starting state.
        if let build = scenario.build {
            try h.run(build + scenario.seed + scenario.drift, in: Self.tenant, createSchema: true)
        }
        let before = try h.fingerprint(Self.tenant)
        // Nothing to do exactly when the tenant already equals the reference (plus what it keeps).
        #expect((before == reference.fingerprint) == scenario.ops.isEmpty)

        // plan
        let first = try h.plan(declaration, tenants: [Self.tenant], allowDestructive: scenario.allowDestructive)
        try #require(first.changeSets.count == 1)
        let set = first.changeSets[0]
        #expect(set.tenants == ["main": [Self.tenant]])
        #expect(set.from == before)
        #expect(set.changes.map(\.op.rawValue).sorted() == scenario.ops,
                "planned:\n\(set.changes.map { "\($0.op): \($0.sql)" }.joined(separator: "\n"))")
        #expect(set.held.count == scenario.held, "held: \(set.held)")

        // apply
        let report = try h.apply(first)
        #expect(report.succeeded, "\(describe(report))")
        #expect(report.results.count == 1)
        #expect(report.results.first?.outcome == (scenario.ops.isEmpty ? .inSync : .applied), "\(describe(report))")
        #expect(report.results.first?.failure == nil)

        // plan again: nothing left to do
        let second = try h.plan(declaration, tenants: [Self.tenant], allowDestructive: scenario.allowDestructive)
        #expect(second.changeSets.count == 1)
        #expect(second.changeSets.allSatisfy { $0.changes.isEmpty },
                "still planned:\n\(second.changeSets.flatMap(\.changes).map(\.sql).joined(separator: "\n"))")
        #expect(second.changeSets.map(\.held.count) == [scenario.held])
        #expect(second.hasChanges == false)
        let summary = second.summary
        #expect(summary.create == 0 && summary.change == 0)
        #expect(summary.inSync + summary.heldOnly == 1)

        // the catalog equals the hand-written reference
        let after = try h.state(Self.tenant)
        expectSameState(after, reference, "tenant after apply vs. reference")
        #expect(second.changeSets.first?.from == reference.fingerprint)

        // rows survive
        if scenario.seed.contains(RichSchema.customerSeed) {
            #expect(try h.rows(RichSchema.customerCheck, in: Self.tenant) == RichSchema.customerRows)
        }
        if scenario.seed.contains(RichSchema.orderSeed) {
            #expect(try h.rows(RichSchema.orderCheck, in: Self.tenant) == scenario.orderRows)
        }
    }

    /// `renamed_from` renames a table and a column instead of dropping and
    /// re-creating them, so their rows survive.
    @Test func renameHintsKeepRows() async throws {
        let yaml = RichSchema.yaml
            .replacingOccurrences(of: "  events:\n    columns:\n", with: "  events:\n    renamed_from: activity\n    columns:\n")
            .replacingOccurrences(of: #"payload: { type: jsonb,"#, with: #"payload: { renamed_from: data, type: jsonb,"#)
            .replacingOccurrences(of: "id:         { type: bigint, identity: always }",
                                  with: "id:         { type: bigint, identity: always, renamed_from: cid }")
        #expect(yaml.contains("renamed_from: activity") && yaml.contains("renamed_from: data")
                && yaml.contains("renamed_from: cid"))
        let declaration = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml")
        let h = try await Harness.make(prefix: "rename")
        try h.createSharedPlans()
        try h.run(RichSchema.referenceDDL(), in: "reference", createSchema: true)
        try h.run(RichSchema.referenceDDL() + [
            "ALTER TABLE events RENAME TO activity",
            "ALTER TABLE activity RENAME COLUMN payload TO data",
            #"INSERT INTO activity (kind, data) VALUES ('signup', '{"plan": 2}')"#,
            RichSchema.customerSeed, RichSchema.orderSeed,
            // A renamed key column: the primary key and the foreign keys to it must survive as they are.
            "ALTER TABLE customers RENAME COLUMN id TO cid",
        ], in: Self.tenant, createSchema: true)

        let plan = try h.plan(declaration, tenants: [Self.tenant])
        // Renames only: no index, key or foreign key rebuilt because a column it uses was renamed.
        #expect(plan.changeSets.flatMap(\.changes).map(\.sql).sorted() == [
            #"ALTER TABLE "activity" RENAME TO "events""#,
            #"ALTER TABLE "customers" RENAME COLUMN "cid" TO "id""#,
            #"ALTER TABLE "events" RENAME COLUMN "data" TO "payload""#,
        ])
        let report = try h.apply(plan)
        #expect(outcomes(report) == [Self.tenant: .applied], "\(describe(report))")
        expectSameState(try h.state(Self.tenant), try h.state("reference"), "renamed tenant vs. reference")
        #expect(try h.rows("SELECT kind, payload->>'plan' FROM events", in: Self.tenant) == [["signup", "2"]])
        #expect(try h.rows(RichSchema.customerCheck, in: Self.tenant) == RichSchema.customerRows)
        #expect(try h.rows(RichSchema.orderCheck, in: Self.tenant) == RichSchema.orderRows)
        #expect(try h.plan(declaration, tenants: [Self.tenant]).hasChanges == false)
    }

    /// The desired state that `plan` realises from the declaration is the reference itself.
    @Test func desiredStateEqualsTheHandWrittenReference() async throws {
        let h = try await Harness.make(prefix: "desired")
        try h.createSharedPlans()
        try h.run(RichSchema.referenceDDL(), in: "reference", createSchema: true)
        let desired = try DesiredState.realise(try RichSchema.declaration(), on: h.connection)
        expectSameState(desired, try h.state("reference"), "realised declaration vs. reference")
        // The scratch schema was rolled back.
        #expect(try h.schemas().filter { $0.hasPrefix(ReservedSchemas.toolPrefix) } == [])
    }
}
