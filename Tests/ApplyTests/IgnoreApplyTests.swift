import Apply
import Catalog
import Foundation
import Plan
import Planning
import State
import Testing
import TestSupport

/// `ignore:` and `--allow` against real tenants that hold rows: plan and apply
/// exactly as the CLI does (the plan goes through its file encoding).
@Suite struct IgnoreApplyTests {
    static func declaration(_ extra: String = "", ignore: String = "") throws -> Declaration {
        try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              customers:
                columns:
                  id: { type: bigint }
                  email: { type: text, nullable: false }
            \(extra)
                primary_key: [id]
              orders:
                columns:
                  id: { type: bigint }
                  customer_id: { type: bigint, nullable: false }
                  total: { type: "numeric(12,2)", nullable: false, default: "0" }
                primary_key: [id]
                foreign_keys:
                  orders_customer_id_fkey: { columns: [customer_id], references: { table: customers, columns: [id] } }
            \(ignore)
            """, file: "schema.yaml")
    }

    static let ignoring = """
        ignore:
          tables: [alembic_version, "tmp_*"]
          columns: ["*.legacy_flag"]
          indexes: ["hotfix_*"]
        """

    static let seed = [
        "INSERT INTO customers VALUES (1, 'a@example.com'), (2, 'b@example.com')",
        "INSERT INTO orders VALUES (10, 1, 9.50), (11, 2, 20)",
    ]

    /// A tenant in the declared state, with rows, then given objects that are ignored.
    static let ignoredObjects = [
        "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
        "INSERT INTO alembic_version VALUES ('ae1027a6acf')",
        "CREATE TABLE tmp_import (line text)",
        "INSERT INTO tmp_import VALUES ('x'), ('y')",
        "ALTER TABLE orders ADD COLUMN legacy_flag boolean",
        "UPDATE orders SET legacy_flag = (id = 10)",
        "CREATE INDEX hotfix_orders_total ON orders (total)",
    ]

    /// What the ignored objects hold, read back.
    static func ignoredRows(_ h: Harness, _ tenant: String) throws -> [[String?]] {
        try h.rows("""
            SELECT (SELECT string_agg(version_num, ',') FROM alembic_version),
                   (SELECT string_agg(line, ',' ORDER BY line) FROM tmp_import),
                   (SELECT string_agg(id || ':' || legacy_flag, ',' ORDER BY id) FROM orders),
                   (SELECT count(*)::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'hotfix_orders_total')
            """, in: tenant)
    }

    static let expectedIgnoredRows: [[String?]] = [["ae1027a6acf", "x,y", "10:true,11:false", "1"]]

    @Test func ignoredObjectsAreInSyncAChangeAppliesAndTheySurviveAllowDestructive() async throws {
        let h = try await Harness.make(prefix: "ignore_apply")
        let declaration = try Self.declaration(ignore: Self.ignoring)
        let tenants = ["acme", "globex", "initech"]
        let created = try h.apply(try h.plan(declaration, tenants: tenants))
        #expect(created.succeeded, "\(describe(created))")
        for tenant in tenants { try h.run(Self.seed, in: tenant) }
        try h.run(Self.ignoredObjects, in: "acme")
        try h.run(["CREATE TABLE alembic_version (version_num varchar(32) NOT NULL)",
                   "INSERT INTO alembic_version VALUES ('0001')", "CREATE TABLE tmp_other (n int)"], in: "initech")

        // Planned in sync, nothing held back: the ignored objects are neither
        // shown nor a difference. Ignored tables leave no trace (initech is in
        // globex's state); acme's ignored column and index stand on orders.
        let inSync = try h.plan(declaration, tenants: tenants)
        #expect(inSync.changeSets.map { $0.tenants["main"] ?? [] } == [["acme"], ["globex", "initech"]], "\(inSync.changeSets)")
        #expect(inSync.changeSets.allSatisfy { $0.changes.isEmpty && $0.held.isEmpty }, "\(inSync.changeSets)")
        #expect(!inSync.hasChanges)
        #expect(inSync.ignored == PlanFile.IgnoredObjects(objects: 6, tenants: 2))
        #expect(inSync.ignore == declaration.ignore)
        #expect(PlanReport(plan: inSync).text().contains("Ignored: 6 objects in 2 tenants"))

        // A real change to another table is planned, applied and verified everywhere.
        let changed = try Self.declaration("      phone: { type: text }", ignore: Self.ignoring)
        let plan = try h.plan(changed, tenants: tenants)
        #expect(plan.changeSets.count == 2, "\(plan.changeSets)")
        for set in plan.changeSets {
            #expect(set.changes.map(\.sql) == [#"ALTER TABLE "customers" ADD COLUMN "phone" text"#])
            #expect(set.held.isEmpty)
        }
        let report = try h.apply(plan)
        #expect(report.succeeded, "\(describe(report))")
        #expect(outcomes(report) == ["acme": .applied, "globex": .applied, "initech": .applied], "\(describe(report))")
        #expect(try Self.ignoredRows(h, "acme") == Self.expectedIgnoredRows)
        #expect(try h.rows("SELECT version_num FROM alembic_version", in: "initech") == [["0001"]])

        // Applying the same plan again finds both tenants already applied.
        let again = try h.apply(plan)
        #expect(outcomes(again) == ["acme": .alreadyApplied, "globex": .alreadyApplied, "initech": .alreadyApplied],
                "\(describe(again))")

        // Even --allow-destructive never touches what is ignored.
        let destructive = try h.plan(changed, tenants: tenants, allowDestructive: true)
        #expect(!destructive.hasChanges && destructive.changeSets.allSatisfy { $0.held.isEmpty },
                "\(destructive.changeSets)")
        let none = try h.apply(destructive)
        #expect(none.succeeded, "\(describe(none))")
        #expect(try Self.ignoredRows(h, "acme") == Self.expectedIgnoredRows)
        #expect(try h.rows("SELECT count(*) FROM orders", in: "acme") == [["2"]])

        // Without the rules the same tenant shows every ignored object as held back.
        let plain = try h.plan(try Self.declaration("      phone: { type: text }"), tenants: ["acme"])
        #expect(Set(plain.changeSets.flatMap(\.held).map(\.object)) ==
                ["table alembic_version", "table tmp_import", "column orders.legacy_flag", "index hotfix_orders_total"])
    }

    @Test func allowOneColumnDropsOnlyThatColumn() async throws {
        let h = try await Harness.make(prefix: "ignore_allow")
        let declaration = try Self.declaration()
        #expect(try h.apply(try h.plan(declaration, tenants: ["acme"])).succeeded)
        try h.run(Self.seed + [
            "ALTER TABLE orders ADD COLUMN note text",
            "UPDATE orders SET note = 'gift'",
            "CREATE TABLE audit (at timestamptz DEFAULT now(), what text)",
            "INSERT INTO audit (what) VALUES ('created'), ('paid')",
            "CREATE INDEX orders_manual_idx ON orders (total)",
        ], in: "acme")

        let plan = try h.plan(declaration, tenants: ["acme"], allowed: [try AllowSelector(parsing: "column:orders.note")])
        #expect(plan.allowed == ["column:orders.note"])
        #expect(!plan.allowDestructive)
        try #require(plan.changeSets.count == 1)
        let set = plan.changeSets[0]
        #expect(set.changes.map(\.sql) == [#"ALTER TABLE "orders" DROP COLUMN "note""#])
        #expect(set.held.map(\.reason) == [
            "index orders_manual_idx on orders is not in schema.yaml; plan with --allow index:orders_manual_idx to allow it",
            "table audit is not in schema.yaml; dropping it loses its rows; plan with --allow table:audit to allow it",
        ])
        #expect(PlanReport(plan: plan).text().contains("Allowed by --allow: column:orders.note"))

        let report = try h.apply(plan)
        #expect(report.succeeded, "\(describe(report))")
        #expect(try h.rows("SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'acme' AND table_name = 'orders' ORDER BY ordinal_position")
                == [["id"], ["customer_id"], ["total"]])
        #expect(try h.rows("SELECT string_agg(what, ',' ORDER BY what) FROM audit", in: "acme") == [["created,paid"]])
        #expect(try h.rows("SELECT count(*) FROM pg_indexes WHERE schemaname = 'acme' AND indexname = 'orders_manual_idx'") == [["1"]])
        #expect(try h.rows("SELECT string_agg(id || ':' || total, ',' ORDER BY id) FROM orders", in: "acme") == [["10:9.50,11:20.00"]])

        // What is left is kept, undeclared: in sync.
        let after = try h.plan(declaration, tenants: ["acme"])
        #expect(!after.hasChanges)
        #expect(after.changeSets.flatMap(\.held).map(\.object) == ["index orders_manual_idx", "table audit"])
    }

    @Test func aColumnIgnoredObjectsStandOnIsNeverDropped() async throws {
        let h = try await Harness.make(prefix: "ignore_pinned")
        let declaration = try Self.declaration(ignore: Self.ignoring)
        #expect(try h.apply(try h.plan(declaration, tenants: ["acme"])).succeeded)
        try h.run(Self.seed + [
            "ALTER TABLE orders ADD COLUMN note text",
            "UPDATE orders SET note = 'gift'",
            "CREATE INDEX hotfix_orders_note ON orders (note)",
            "CREATE TABLE scratch (id int, legacy_flag boolean)",
        ], in: "acme")

        let plan = try h.plan(declaration, tenants: ["acme"], allowDestructive: true)
        #expect(plan.changeSets.allSatisfy { $0.changes.isEmpty }, "\(plan.changeSets)")
        #expect(plan.changeSets.flatMap(\.held).map(\.object) == ["column orders.note", "table scratch"])
        #expect(try h.apply(plan).succeeded)
        #expect(try h.rows("SELECT string_agg(note, ',') FROM orders", in: "acme") == [["gift,gift"]])
        #expect(try h.rows("SELECT count(*) FROM pg_indexes WHERE schemaname = 'acme' AND indexname = 'hotfix_orders_note'") == [["1"]])
        #expect(try h.rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'acme' AND tablename = 'scratch'") == [["1"]])
    }
}
