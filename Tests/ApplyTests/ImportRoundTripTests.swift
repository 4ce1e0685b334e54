import Catalog
import Foundation
import Plan
@testable import Planning
import State
import Testing
import TestSupport

/// Issue 10, finding 4, import side: `import` writes texts that PostgreSQL prints
/// back unchanged, checks the tenant plans in sync against them, and exits
/// non-zero naming the objects when it does not.
@Suite struct ImportRoundTripTests {
    /// Imports tenant `t1` of `h` into a temporary file; returns the file's
    /// declaration and the notes told.
    static func importT1(_ h: Harness) throws -> (Declaration, [String]) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let notes = NoteLog()
        try ImportFrontend(tenant: "t1", out: out, tenants: nil, force: false, connections: h.resolver,
                           toolVersion: "test", note: notes.add).run()
        return (try DeclarationLoader.load(path: out), notes.lines)
    }

    final class NoteLog: @unchecked Sendable {
        var lines: [String] = []
        func add(_ line: String) { lines.append(line) }
    }

    @Test func importedTextsRealiseAsWrittenAndTheTenantVerifies() async throws {
        let h = try await Harness.make(prefix: "import_rt")
        try h.run(CanonicalTextTests.handWritten, in: "t1", createSchema: true)
        let (declaration, notes) = try Self.importT1(h)
        #expect(notes.contains { $0.hasPrefix("verified: ") }, "\(notes)")
        // What a new tenant gets is exactly what the file says.
        let realised = try DesiredState.realise(declaration, on: h.connection)
        let file = try #require(declaration.table(named: "tasks"))
        let made = try #require(realised.table(named: "tasks"))
        for check in file.checks {
            #expect(made.constraint(named: check.name)?.definition == "CHECK (\(check.expression))")
        }
        #expect(made.column(named: "is_open")?.generated == file.column(named: "is_open")?.generated)
        let index = try #require(file.indexes.first { $0.name == "tasks_open_title_idx" })
        let predicate = try #require(index.predicate)
        #expect(made.index(named: "tasks_open_title_idx")?.definition.hasSuffix("WHERE \(predicate)") == true
                || made.index(named: "tasks_open_title_idx")?.definition.hasSuffix("WHERE (\(predicate))") == true)
        // The tenant, built by hand, plans in sync against the file.
        let plan = try h.plan(declaration, tenants: ["t1"])
        let inSync = plan.changeSets.allSatisfy(\.inSync)
        #expect(inSync)
    }

    /// Partitioned and UNLOGGED tables are declared as they are: the partition
    /// key and bounds as the server prints them, the partitions under their
    /// table (not as tables of their own), and the tenant plans in sync.
    @Test func partitionedAndUnloggedTablesRoundTrip() async throws {
        let h = try await Harness.make(prefix: "import_part")
        try h.run([
            """
            CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, placed_at date NOT NULL, kind text NOT NULL,
                                 PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at)
            """,
            "CREATE INDEX events_kind_idx ON events (kind)",
            "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
            "CREATE TABLE events_rest PARTITION OF events DEFAULT",
            "CREATE TABLE tags (name text NOT NULL) PARTITION BY LIST (lower(name))",
            "CREATE TABLE tags_ab PARTITION OF tags FOR VALUES IN ('a', 'b')",
            "INSERT INTO events (placed_at, kind) VALUES ('2026-03-01', 'click'), ('2031-01-01', 'tap')",
            "CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v text)",
        ], in: "t1", createSchema: true)
        let (declaration, notes) = try Self.importT1(h)
        #expect(notes.contains { $0.hasPrefix("verified: ") }, "\(notes)")
        #expect(declaration.tables.map(\.name).sorted() == ["cache", "events", "tags"])
        let events = try #require(declaration.table(named: "events"))
        #expect(events.partitionBy == "RANGE (placed_at)")
        #expect(events.partitions.map(\.name) == ["events_2026", "events_rest"])
        #expect(events.partitions.map(\.bound) == ["FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')", "DEFAULT"])
        #expect(events.indexes.map(\.name) == ["events_kind_idx"])
        #expect(!events.unlogged)
        #expect(declaration.table(named: "tags")?.partitionBy == "LIST (lower(name))")
        #expect(declaration.table(named: "tags")?.partitions.map(\.bound) == ["FOR VALUES IN ('a', 'b')"])
        #expect(declaration.table(named: "cache")?.unlogged == true)
        #expect(declaration.table(named: "cache")?.partitionBy == nil)
        let plan = try h.plan(declaration, tenants: ["t1", "fresh"])
        #expect(plan.changeSets.first { $0.tenants.values.contains { $0.contains("t1") } }?.inSync == true)
        #expect(plan.changeSets.flatMap(\.held).isEmpty)
        // A new tenant gets the same partitions.
        let report = try h.apply(plan)
        #expect(report.succeeded)
        #expect(try h.rows("""
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c
            WHERE c.relnamespace = 'fresh'::regnamespace AND c.relispartition AND c.relkind = 'r' ORDER BY 1
            """) == [["events_2026", "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"], ["events_rest", "DEFAULT"],
                     ["tags_ab", "FOR VALUES IN ('a', 'b')"]])
        #expect(try h.rows("SELECT relpersistence::text FROM pg_class WHERE oid = 'fresh.cache'::regclass") == [["u"]])
    }

    @Test func changesTheWarningsAnnouncedAreExpectedOthersAreNamed() {
        let notes = [
            ImportNote(object: "column items.id", reason: "a serial column that allows NULL"),
            ImportNote(object: "table logs", reason: "it is UNLOGGED"),
            ImportNote(object: "check positive on items", reason: "skipped"),
        ]
        #expect(ImportFrontend.announced("column items.id", by: notes))
        #expect(ImportFrontend.announced("constraint positive on items", by: notes))
        #expect(ImportFrontend.announced("column logs.at default", by: notes))
        #expect(ImportFrontend.announced("index logs_at_idx on logs", by: notes))
        #expect(!ImportFrontend.announced("constraint tasks_status_check on tasks", by: notes))
        #expect(!ImportFrontend.announced("column items.name", by: notes))
        let error = ImportError.notExact(tenant: "acme", file: "schema.yaml",
                                         objects: ["constraint tasks_status_check on tasks"])
        let text = ErrorFormatter.text(for: error)
        #expect(text.contains("tenant acme: planning it against schema.yaml still finds 1 change: constraint tasks_status_check on tasks"))
        #expect(error.nothingChanged)
    }
}
