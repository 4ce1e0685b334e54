import Apply
import Catalog
import Foundation
import Plan
import Planning
import State
import Testing
import TestSupport

/// One plan, two forms: a tenant whose tables reach `--online-threshold` gets
/// the online form, a small one the single transaction, and both converge.
@Suite struct FormChoiceApplyTests {
    static func totalBytes(_ h: Harness, _ table: String) throws -> Int64 {
        Int64(try h.rows("SELECT pg_total_relation_size($1::regclass)::text", [table])[0][0] ?? "") ?? -1
    }

    /// The main fork's bytes of the table, its TOAST table and its indexes, from
    /// their files: what the plan reads from `relpages` once ANALYZE has counted them.
    static func mainForkBytes(_ h: Harness, _ table: String) throws -> Int64 {
        Int64(try h.rows("""
            SELECT (pg_relation_size(c.oid) + coalesce(pg_relation_size(nullif(c.reltoastrelid, 0)), 0)
                    + (SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0) FROM pg_index i WHERE i.indrelid = c.oid))::text
            FROM pg_class c WHERE c.oid = $1::regclass
            """, [table])[0][0] ?? "") ?? -1
    }

    static let analyze = ["ANALYZE customers", "ANALYZE orders"]

    @Test("a big and a small tenant get the online and the single-transaction form, with their sizes, and both converge")
    func smallAndBigTenant() async throws {
        let h = try await Harness.make(prefix: "form_choice")
        try OnlineApplyTests.tenants(h, ["big"])
        try h.run(Self.analyze, in: "big")
        try h.run(OnlineApplyTests.before + [
            "INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'name ' || g, g FROM generate_series(1, 20) g",
            "INSERT INTO orders SELECT g, 1 + g % 20, g % 100, 'note ' || g FROM generate_series(1, 30) g",
        ] + Self.analyze, in: "small", createSchema: true)
        let threshold: Int64 = 64 << 10
        let bigOrdersBytes = try Self.mainForkBytes(h, "big.orders")
        let smallOrders = try Self.mainForkBytes(h, "small.orders")
        #expect(bigOrdersBytes >= threshold && smallOrders < threshold, "\(bigOrdersBytes) \(smallOrders)")

        let declaration = try OnlineApplyTests.declaration()
        let plan = try h.plan(declaration, tenants: ["big", "small"], onlineThreshold: threshold)
        #expect(plan.onlineThreshold == threshold)
        let online = try #require(plan.changeSets.first { $0.tenants["main"] == ["big"] })
        let single = try #require(plan.changeSets.first { $0.tenants["main"] == ["small"] })
        #expect(online.from == single.from && online.to == single.to, "one starting state, one end state")
        #expect(online.form == .online && single.form == .transactional)
        #expect(online.changes.contains { $0.op.rawValue == "create_index_concurrently" })
        #expect(online.steps?.contains { !$0.transactional } == true)
        #expect(!single.changes.contains { $0.op.rawValue.hasSuffix("_concurrently") || $0.op.rawValue.hasSuffix("_not_valid") },
                "\(single.changes.map(\.op.rawValue))")
        #expect(single.steps?.allSatisfy(\.transactional) == true)

        // Sizes: the tenant's own, read during reflection, for the tables the changes scan.
        let bigOrders = try #require(online.tableSizes?["orders"])
        #expect(bigOrders.tenant == "big" && bigOrders.database == "main")
        #expect(bigOrders.bytes == bigOrdersBytes)
        #expect(online.tableSizes?["customers"]?.bytes == (try Self.mainForkBytes(h, "big.customers")))
        #expect(Set(online.tableSizes.map { Array($0.keys) } ?? []) == ["customers", "orders"])
        #expect(single.tableSizes?.values.allSatisfy { $0.tenant == "small" && $0.bytes < threshold } == true)
        #expect(single.tableSizes?["orders"]?.bytes == smallOrders)

        let text = PlanReport(plan: plan).text()
        #expect(text.contains("  Online form: a table its changes scan is 64 kB or more (largest: "), "\(text)")
        #expect(text.contains("  Single transaction: every table its changes scan is below 64 kB (largest: "), "\(text)")
        #expect(text.contains("scans orders (\(FormChoice.sizeText(bigOrders.bytes))) under SHARE UPDATE EXCLUSIVE"), "\(text)")
        #expect(text.contains("scans orders (\(FormChoice.sizeText(smallOrders))) under SHARE"), "\(text)")

        let report = try h.apply(plan)
        #expect(outcomes(report) == ["big": .applied, "small": .applied], "\(describe(report))")
        #expect(try OnlineApplyTests.rowSummary(h, "big") == OnlineApplyTests.rows)
        #expect(try OnlineApplyTests.rowSummary(h, "small") == [["20", "30", "465.00", "20"]])
        try OnlineApplyTests.expectDesired(h, "big", declaration)
        try OnlineApplyTests.expectDesired(h, "small", declaration)
        let again = try h.plan(declaration, tenants: ["big", "small"], onlineThreshold: threshold)
        #expect(again.changeSets.allSatisfy { $0.inSync })
    }

    @Test("a tenant planned in one transaction whose table has since grown past 4x the threshold is refused, untouched")
    func outgrownTenantIsRefused() async throws {
        let h = try await Harness.make(prefix: "form_outgrown")
        try h.run(OnlineApplyTests.before + [
            "INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'name ' || g, g FROM generate_series(1, 20) g",
            "INSERT INTO orders SELECT g, 1 + g % 20, g % 100, 'note ' || g FROM generate_series(1, 30) g",
        ] + Self.analyze, in: "grows", createSchema: true)
        let declaration = try OnlineApplyTests.declaration()
        let plan = try h.plan(declaration, tenants: ["grows"], onlineThreshold: 64 << 10)
        let set = try #require(plan.changeSets.first { !$0.inSync })
        #expect(set.form == .transactional)
        // Between plan and apply, the application writes 256 kB and more, and
        // autovacuum analyzes the table (apply, like plan, reads sizes from the statistics).
        try h.run(["INSERT INTO orders SELECT g, 1 + g % 20, g % 100, 'note ' || g FROM generate_series(31, 6000) g"]
                  + Self.analyze, in: "grows")
        #expect(try Self.totalBytes(h, "grows.orders") >= 4 * (64 << 10))
        let stamp = try h.fingerprint("grows")

        let report = try h.apply(plan)
        #expect(outcomes(report) == ["grows": .failed], "\(describe(report))")
        let message = report.results.first?.failure?.message ?? ""
        #expect(message.hasPrefix("planned in one transaction because every table its changes scan was below 64 kB, but orders is now "),
                "\(message)")
        #expect(message.hasSuffix("; nothing was run: plan again to give it the online form (the plan reads table sizes from "
                                  + "the statistics: ANALYZE \"grows\".\"orders\" first if autovacuum has not analyzed it since it grew)"),
                "\(message)")
        #expect(try h.fingerprint("grows") == stamp, "untouched")

        // Analyzed (as autovacuum would) and planned again, it gets the online form and converges.
        try h.run(Self.analyze, in: "grows")
        let again = try h.plan(declaration, tenants: ["grows"], onlineThreshold: 64 << 10)
        #expect(again.changeSets.first { !$0.inSync }?.form == .online)
        let applied = try h.apply(again)
        #expect(outcomes(applied) == ["grows": .applied], "\(describe(applied))")
        try OnlineApplyTests.expectDesired(h, "grows", declaration)
    }

    @Test("--transactional gives every tenant the single transaction, and records no choice")
    func transactionalForEveryone() async throws {
        let h = try await Harness.make(prefix: "form_forced")
        try OnlineApplyTests.tenants(h, ["big"])
        try h.run(Self.analyze, in: "big")
        let plan = try h.plan(try OnlineApplyTests.declaration(), tenants: ["big"], transactional: true,
                              onlineThreshold: 64 << 10)
        let set = try #require(plan.changeSets.first { !$0.inSync })
        #expect(plan.onlineThreshold == nil && set.form == nil)
        #expect(set.steps?.allSatisfy(\.transactional) == true)
        // The sizes are shown all the same.
        #expect((set.tableSizes?["orders"]?.bytes ?? 0) >= 64 << 10)
    }
}
