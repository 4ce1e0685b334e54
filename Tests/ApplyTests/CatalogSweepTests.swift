@testable import Catalog
import Foundation
import Plan
import Planning
import Postgres
import Synchronization
import State
import Testing
import TestSupport

/// The catalog sweep (`CatalogSweep`): a plan takes the kept record stamps only
/// while no catalog row of the database is new or gone since they were
/// computed; any change anywhere makes it compute them again, and they are then
/// the stamps a direct computation gives. Each test holds `ClusterTablespaces`:
/// the sweep reads every tablespace of the cluster, which other tests make.
@Suite struct CatalogSweepTests {
    static let tenants = ["sw_a", "sw_b", "sw_c"]

    /// Three populated tenants of the rich schema, the records table prepared.
    static func fleet(_ prefix: String) async throws -> Harness {
        let h = try await Harness.make(prefix: prefix)
        try h.createSharedPlans()
        for tenant in tenants {
            try h.run(RichSchema.referenceDDL() + [RichSchema.customerSeed, RichSchema.orderSeed],
                      in: tenant, createSchema: true)
        }
        return h
    }

    static func records(key: PlanKey? = nil) -> TenantRecords {
        TenantRecords(systemIdentifier: nil, databaseName: "sweep", context: "sweep-test", key: key)
    }

    /// A sweep of the three tenants and one schema that does not exist, in
    /// parts of one schema each (so that the parts share an exported snapshot).
    static func sweep(_ h: Harness, key: PlanKey? = nil, parts: Int = 2)
        throws -> (stamps: [String: Stamp.RecordStamp], outcome: CatalogSweep.Outcome)
    {
        let records = Self.records(key: key)
        #expect(records.prepare(on: h.connection))
        #expect(records.sweepTrusted(on: h.connection))
        let conninfo = h.db.conninfo
        return try CatalogSweep(records: records).recordStamps(
            of: tenants + ["sw_absent"], parts: parts, perPart: 1, on: h.connection,
            connect: { try Connection(conninfo) })
    }

    /// The stamps computed directly, one query, outside any sweep.
    static func direct(_ h: Harness) throws -> [String: Stamp.RecordStamp] {
        try Stamp.recordStamps(of: tenants + ["sw_absent"], on: h.connection)
    }

    @Test func aQuietDatabaseKeepsTheStampsItSwept() async throws {
        let h = try await Self.fleet("sweep_quiet")
        let release = ClusterTablespaces.hold()
        defer { release() }
        let first = try Self.sweep(h)
        #expect(first.outcome == .swept)
        #expect(first.stamps == (try Self.direct(h)))
        #expect(first.stamps.keys.sorted() == Self.tenants)
        // What the application does to rows, statistics and sequences is no change.
        for tenant in Self.tenants {
            try h.run(["INSERT INTO customers (email, name) VALUES ('sweep@example.com', 'Sweep')",
                       "UPDATE orders SET note = 'touched'", "ANALYZE customers", "VACUUM orders",
                       "SELECT nextval(pg_get_serial_sequence('customers', 'id'))"], in: tenant)
        }
        let second = try Self.sweep(h)
        // The absent schema is known absent: nothing is computed.
        #expect(second.outcome == .quiet(computed: 0))
        #expect(second.stamps == first.stamps)
        #expect(try Self.direct(h) == first.stamps)
        // One part, and a schema the sweep did not cover: computed, and kept.
        let records = Self.records()
        let conninfo = h.db.conninfo
        let wider = try CatalogSweep(records: records).recordStamps(
            of: Self.tenants + ["sw_absent", "public"], parts: 1, on: h.connection, connect: { try Connection(conninfo) })
        #expect(wider.outcome == .quiet(computed: 1))
        #expect(wider.stamps["public"] == (try Stamp.recordStamps(of: ["public"], on: h.connection))["public"])
        let again = try CatalogSweep(records: records).recordStamps(
            of: Self.tenants + ["public"], parts: 1, on: h.connection, connect: { try Connection(conninfo) })
        #expect(again.outcome == .quiet(computed: 0))
    }

    /// Every kind of catalog change ends the quiet, in the tenants or anywhere
    /// else in the database: the stamps are computed again, and are those a
    /// direct computation gives. The comment dropped is a pure deletion (one
    /// `pg_description` row fewer, no new row): the counts alone see it.
    @Test(arguments: [
        "COMMENT ON COLUMN sw_b.orders.note IS NULL",
        "ALTER TABLE sw_b.customers ALTER COLUMN email DROP NOT NULL",
        "DROP INDEX sw_c.customers_created_at_idx",
        "CREATE TABLE public.elsewhere (id integer)",
        "ALTER TABLE public.plans RENAME COLUMN id TO plan_id",
        "GRANT SELECT ON sw_a.customers TO PUBLIC",
        "ALTER ROLE {role} RENAME TO {role}_renamed",
    ])
    func anyCatalogChangeEndsTheQuiet(change: String) async throws {
        let h = try await Self.fleet("sweep_change")
        let release = ClusterTablespaces.hold()
        defer { release() }
        let role = "tp_sweep_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        // A role the tenants' grants name: renaming it writes `pg_authid` alone.
        try h.connection.execute("CREATE ROLE \(role)")
        defer {
            for sql in ["DROP OWNED BY {role}", "DROP ROLE IF EXISTS {role}", "DROP OWNED BY {role}_renamed",
                        "DROP ROLE IF EXISTS {role}_renamed"] {
                try? h.connection.execute(sql.replacingOccurrences(of: "{role}", with: role))
            }
        }
        try h.connection.execute("GRANT SELECT ON sw_a.customers TO \(role)")
        #expect(try Self.sweep(h).outcome == .swept)
        #expect(try Self.sweep(h).outcome == .quiet(computed: 0))
        let mark = try CatalogSweep.mark(on: h.connection)
        try h.connection.execute(change.replacingOccurrences(of: "{role}", with: role))
        #expect(try !CatalogSweep.unchanged(since: mark, on: h.connection), "\(change)")
        let after = try Self.sweep(h)
        #expect(after.outcome == .swept, "\(change)")
        #expect(after.stamps == (try Self.direct(h)), "\(change)")
        #expect(try Self.sweep(h).outcome == .quiet(computed: 0), "\(change)")
    }

    /// A temporary table another session holds: its rows are in the catalogs
    /// while it lives, and the database is not quiet.
    @Test func anotherSessionsTemporaryTableEndsTheQuiet() async throws {
        let h = try await Self.fleet("sweep_temp")
        let release = ClusterTablespaces.hold()
        defer { release() }
        #expect(try Self.sweep(h).outcome == .swept)
        let other = try h.db.connect()
        defer { other.close() }
        try other.execute("CREATE TEMPORARY TABLE scratch (id integer)")
        #expect(try Self.sweep(h).outcome == .swept)
        #expect(try Self.sweep(h).outcome == .quiet(computed: 0))
        other.close()
        // Gone with its session: rows fewer.
        try waitUntil { try h.rows("SELECT count(*) FROM pg_class WHERE relname = 'scratch'") == [["0"]] }
        #expect(try Self.sweep(h).outcome == .swept)
    }

    /// With a plan key, a kept sweep whose stamps were edited is not believed;
    /// nor one of another key, nor one in a table another role may write.
    @Test func aForgedSweepIsNotBelieved() async throws {
        let key = try PlanKey(String(repeating: "s", count: 40))
        let h = try await Self.fleet("sweep_forged")
        let release = ClusterTablespaces.hold()
        defer { release() }
        #expect(try Self.sweep(h, key: key).outcome == .swept)
        #expect(try Self.sweep(h, key: key).outcome == .quiet(computed: 0))
        // Drift in sw_b, and the kept sweep edited to the new stamps and catalogs:
        // only the key could make the code that goes with them.
        let kept = try #require(try h.rows("SELECT horizon, catalogs, stamps, mac FROM _tenantplan.catalog_sweep").first)
        try h.run(["ALTER TABLE customers ALTER COLUMN email DROP NOT NULL"], in: "sw_b")
        let fresh = try Self.sweep(h)   // no key: swept, and kept without a code
        #expect(fresh.outcome == .swept)
        let forged = try #require(try h.rows("SELECT horizon, catalogs, stamps FROM _tenantplan.catalog_sweep").first)
        try h.connection.execute("UPDATE _tenantplan.catalog_sweep SET horizon = $1::bigint, catalogs = $2, stamps = $3, mac = $4",
                                 [forged[0], forged[1], forged[2], kept[3]])
        let keyed = try Self.sweep(h, key: key)
        #expect(keyed.outcome == .swept)
        #expect(keyed.stamps == (try Self.direct(h)))
        // Another key's sweep is not believed either.
        #expect(try Self.sweep(h, key: try PlanKey(String(repeating: "t", count: 40))).outcome == .swept)
        // A table another role may write is not trusted at all.
        try h.connection.execute("GRANT UPDATE ON _tenantplan.catalog_sweep TO PUBLIC")
        #expect(!Self.records().sweepTrusted(on: h.connection))
    }

    /// A transaction in flight when the sweep takes its snapshot: its id is
    /// past the snapshot's `xmin` and not among the ids counted, so once it
    /// commits the catalogs are not quiet. A transaction left open that holds
    /// the horizon back: the changes committed before the sweep are counted by
    /// id (and stay quiet), one committed after is not among them.
    @Test func transactionsAcrossTheSnapshotAreSeen() async throws {
        let h = try await Self.fleet("sweep_in_flight")
        let release = ClusterTablespaces.hold()
        defer { release() }
        let writer = try h.db.connect(), idle = try h.db.connect()
        defer { writer.close(); idle.close() }
        #expect(try Self.sweep(h).outcome == .swept)
        try writer.execute("BEGIN")
        // A new version of a row, no row more or fewer: only its transaction id tells.
        try writer.execute("ALTER TABLE sw_b.customers ALTER COLUMN email DROP NOT NULL")
        #expect(try Self.sweep(h).outcome == .quiet(computed: 0), "not committed: nothing changed yet")
        // A change committed meanwhile: the next sweep is taken anew, while the
        // writer's transaction is still in flight.
        try h.run(["COMMENT ON TABLE customers IS 'meanwhile'"], in: "sw_c")
        let during = try Self.sweep(h)
        #expect(during.outcome == .swept)
        try writer.execute("COMMIT")
        let after = try Self.sweep(h)
        #expect(after.outcome == .swept, "the writer's id is past the kept snapshot's xmin and none of those counted")
        #expect(after.stamps == (try Self.direct(h)))
        #expect(after.stamps["sw_b"] != during.stamps["sw_b"])

        // An open transaction with an id holds every later snapshot's xmin back.
        try idle.execute("BEGIN")
        _ = try idle.query("SELECT pg_catalog.txid_current()")
        try h.run(["COMMENT ON TABLE customers IS 'before the sweep'"], in: "sw_a")
        #expect(try Self.sweep(h).outcome == .swept)
        #expect(try Self.sweep(h).outcome == .quiet(computed: 0), "the comment is counted by its id")
        try h.run(["COMMENT ON TABLE customers IS 'after the sweep'"], in: "sw_a")
        let later = try Self.sweep(h)
        #expect(later.outcome == .swept)
        #expect(later.stamps == (try Self.direct(h)))
        try idle.execute("COMMIT")
    }

    /// The rows past a horizon, by 32-bit `xmin`, across the wrap of the
    /// 32-bit counter: the 64-bit horizon 2^32 - 2 and next 2^32 + 5 keep ids
    /// 4294967294, 4294967295, 3 and 4, not 4294967293 (behind the horizon).
    @Test func rowsPastTheHorizonAcrossTheWrap() {
        let recent: [String: [String: Int64]] = ["pg_class": ["4294967293": 1, "4294967294": 2, "4294967295": 3, "3": 4, "4": 5]]
        let kept = CatalogSweep.recent(recent, since: (1 << 32) - 2, next: (1 << 32) + 5)
        #expect(kept == ["pg_class": ["4294967294": 2, "4294967295": 3, "3": 4, "4": 5]])
        #expect(CatalogSweep.recent(recent, since: (1 << 32) + 4, next: (1 << 32) + 5) == ["pg_class": ["4": 5]])
        #expect(CatalogSweep.shortTransactionID((1 << 32) + 7) == "7")
    }

    /// The planner end to end: the second no-op plan takes every tenant from its
    /// record through the sweep; drift made afterwards is found.
    @Test func aPlanAfterAQuietSweepStillFindsDrift() async throws {
        let h = try await Self.fleet("sweep_plan")
        let release = ClusterTablespaces.hold()
        defer { release() }
        let messages = Mutex<[String]>([])
        func plan() throws -> PlanFile {
            messages.withLock { $0 = [] }
            var planner = Planner(connections: h.resolver, progress: { m in messages.withLock { $0.append(m) } })
            planner.sweepFrom = 1
            return try planner.plan(PlanRequest(declaration: try RichSchema.declaration(), schemaSHA256: String(repeating: "0", count: 64),
                                  fleet: Harness.fleet(Self.tenants), toolVersion: "test"))
        }
        _ = try plan()
        let quiet = try plan()
        #expect(quiet.databases[0].readByRecord == 3)
        #expect(messages.withLock { $0 }.contains { $0.contains("unchanged since the last plan: 3 record stamps") },
                "\(messages.withLock { $0 })")
        #expect(try h.rows("SELECT count(*) FROM _tenantplan.catalog_sweep") == [["1"]])
        try h.run(["ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'drift'"], in: "sw_c")
        let drifted = try plan()
        #expect(!messages.withLock { $0 }.contains { $0.contains("unchanged since the last plan") })
        #expect(drifted.databases[0].readInFull == 1)
        #expect(drifted.databases[0].readByRecord == 2)
        #expect(TenantRecordTests.changing(drifted) == ["sw_c"])
        // Fewer tenants than `sweepFrom`: the stamps are computed, and the plan is the same.
        messages.withLock { $0 = [] }
        var direct = Planner(connections: h.resolver, progress: { m in messages.withLock { $0.append(m) } })
        direct.sweepFrom = 4
        let computed = try direct.plan(PlanRequest(
            declaration: try RichSchema.declaration(), schemaSHA256: String(repeating: "0", count: 64),
            fleet: Harness.fleet(Self.tenants), toolVersion: "test"))
        #expect(!messages.withLock { $0 }.contains { $0.contains("unchanged since the last plan") })
        #expect(computed.databases[0].readByRecord == 2, "sw_c, alone in its recorded state, is read in full")
        #expect(TenantRecordTests.changing(computed) == ["sw_c"])
    }

    /// Polls without an `await`: the tests hold `ClusterTablespaces` meanwhile.
    func waitUntil(_ condition: () throws -> Bool) throws {
        for _ in 0..<100 where try !condition() { usleep(50_000) }
        #expect(try condition())
    }
}
