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

    /// An enum with a comment is written in the mapping form (`{ values:,
    /// comment: }`), one without in the list form; both read back as they
    /// were, and the tenant plans in sync.
    @Test func enumCommentsRoundTrip() async throws {
        let h = try await Harness.make(prefix: "import_enumc")
        try h.run([
            "CREATE TYPE status AS ENUM ('open', 'closed')",
            "COMMENT ON TYPE status IS 'a ticket''s state: open, closed'",
            "CREATE TYPE \"Mood Kind\" AS ENUM ('ok', 'it''s fine')",
            "CREATE TYPE empty_kind AS ENUM ()",
            "COMMENT ON TYPE empty_kind IS E'two\\nlines'",
            "CREATE TABLE tickets (id integer PRIMARY KEY, status status NOT NULL DEFAULT 'open', mood \"Mood Kind\")",
            "INSERT INTO tickets VALUES (1, 'closed', 'ok'), (2, 'open', NULL)",
        ], in: "t1", createSchema: true)
        let (declaration, notes) = try Self.importT1(h)
        #expect(notes.contains { $0.hasPrefix("verified: ") }, "\(notes)")
        #expect(declaration.enumType(named: "status")?.values == ["open", "closed"])
        #expect(declaration.enumType(named: "status")?.comment == "a ticket's state: open, closed")
        #expect(declaration.enumType(named: "Mood Kind")?.values == ["ok", "it's fine"])
        #expect(declaration.enumType(named: "Mood Kind")?.comment == nil)
        #expect(declaration.enumType(named: "empty_kind")?.values == [])
        #expect(declaration.enumType(named: "empty_kind")?.comment == "two\nlines")
        let plan = try h.plan(declaration, tenants: ["t1"])
        let inSync = plan.changeSets.allSatisfy(\.inSync)
        #expect(inSync)
        // A new tenant made from the file gets the same comments.
        let realised = try DesiredState.realise(declaration, on: h.connection)
        #expect(realised.enumType(named: "status")?.comment == "a ticket's state: open, closed")
        #expect(realised.enumType(named: "empty_kind")?.comment == "two\nlines")
        #expect(realised.enumType(named: "Mood Kind")?.comment == nil)
    }

    /// A materialized view's index comments are declared under its indexes
    /// (one without a comment takes none), and the tenant plans in sync.
    @Test func materializedViewIndexCommentsRoundTrip() async throws {
        let h = try await Harness.make(prefix: "import_mvic")
        try h.run([
            "CREATE TABLE sales (id integer PRIMARY KEY, day date NOT NULL, amount numeric NOT NULL)",
            "INSERT INTO sales VALUES (1, '2026-01-01', 10), (2, '2026-01-02', 5)",
            "CREATE MATERIALIZED VIEW daily AS SELECT day, sum(amount) AS total FROM sales GROUP BY day",
            "CREATE UNIQUE INDEX daily_day ON daily (day)",
            "CREATE INDEX daily_total ON daily (total)",
            "COMMENT ON INDEX daily_day IS 'one row a day: it''s unique'",
        ], in: "t1", createSchema: true)
        let (declaration, notes) = try Self.importT1(h)
        #expect(notes.contains { $0.hasPrefix("verified: ") }, "\(notes)")
        #expect(!notes.contains { $0.contains("comment is left out") }, "\(notes)")
        let view = try #require(declaration.view(named: "daily"))
        #expect(view.indexes.map(\.name) == ["daily_day", "daily_total"])
        #expect(view.indexes.map(\.comment) == ["one row a day: it's unique", nil])
        let plan = try h.plan(declaration, tenants: ["t1"])
        let inSync = plan.changeSets.allSatisfy(\.inSync)
        #expect(inSync)
        let realised = try DesiredState.realise(declaration, on: h.connection)
        #expect(realised.view(named: "daily")?.indexes.map(\.comment) == ["one row a day: it's unique", nil])
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

    /// A partition key that calls a function of the tenant is declared
    /// unqualified, as the tenant reads it; a partition that is partitioned
    /// itself (one level of partitions is declared), and a partition of another
    /// schema's table, are skipped with their reasons, and the former's own
    /// partitions with it.
    @Test func partitionKeysAndSkippedPartitions() async throws {
        let h = try await Harness.make(prefix: "import_part_key")
        try h.connection.execute("CREATE TABLE public.shared_log (at date NOT NULL) PARTITION BY RANGE (at)")
        try h.run([
            "CREATE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$",
            "CREATE TABLE tags (name text NOT NULL) PARTITION BY LIST (norm(name))",
            "CREATE TABLE tags_ab PARTITION OF tags FOR VALUES IN ('a', 'b')",
            "CREATE TABLE tags_rest PARTITION OF tags DEFAULT PARTITION BY RANGE (name)",
            "CREATE TABLE tags_rest_low PARTITION OF tags_rest FOR VALUES FROM ('a') TO ('m')",
            "CREATE TABLE my_log PARTITION OF public.shared_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
            "INSERT INTO tags VALUES ('a'), ('c')",
        ], in: "t1", createSchema: true)
        let outcome = try ImportTests().importTenant(h, "t1")
        let declaration = try DeclarationLoader.parse(yaml: outcome.yaml, file: "schema.yaml")
        let tags = try #require(declaration.table(named: "tags"))
        #expect(tags.partitionBy == "LIST (norm(name))")
        #expect(tags.partitions.map(\.name) == ["tags_ab"])
        #expect(tags.partitions.map(\.bound) == ["FOR VALUES IN ('a', 'b')"])
        #expect(declaration.tables.map(\.name).sorted() == ["tags"])
        #expect(outcome.skipped.map(\.object).sorted() == ["table my_log", "table tags_rest"], "\(outcome.skipped)")
    }

    /// Comments on keys, checks, foreign keys, exclusion constraints and indexes
    /// come back in the file (a primary key and a check in their long forms), and
    /// the tenant plans in sync against it.
    @Test func commentsOnConstraintsAndIndexesRoundTrip() async throws {
        let h = try await Harness.make(prefix: "import_rt_comments")
        try h.run([
            "CREATE TABLE owners (id integer PRIMARY KEY)",
            "CREATE TABLE rooms (id integer, owner_id integer REFERENCES owners, code text UNIQUE, "
                + "size integer CHECK (size > 0), during tsrange, name text, PRIMARY KEY (id), "
                + "CONSTRAINT rooms_no_overlap EXCLUDE USING gist (during WITH &&))",
            "CREATE INDEX rooms_name_idx ON rooms (name)",
            "COMMENT ON CONSTRAINT owners_pkey ON owners IS 'the owner''s key'",
            "COMMENT ON CONSTRAINT rooms_code_key ON rooms IS 'one code: one room'",
            "COMMENT ON CONSTRAINT rooms_size_check ON rooms IS 'no empty rooms'",
            "COMMENT ON CONSTRAINT rooms_owner_id_fkey ON rooms IS 'whose room'",
            "COMMENT ON CONSTRAINT rooms_no_overlap ON rooms IS 'no double booking'",
            "COMMENT ON INDEX rooms_name_idx IS 'by name: \"quoted\"'",
        ], in: "t1", createSchema: true)
        let (declaration, notes) = try Self.importT1(h)
        #expect(notes.contains { $0.hasPrefix("verified: ") }, "\(notes)")
        let owners = try #require(declaration.table(named: "owners"))
        let rooms = try #require(declaration.table(named: "rooms"))
        #expect(owners.primaryKey?.comment == "the owner's key")
        #expect(rooms.primaryKey?.comment == nil)
        #expect(rooms.uniques.first?.comment == "one code: one room")
        #expect(rooms.checks.first?.comment == "no empty rooms")
        #expect(rooms.checks.first?.expression == "size > 0")
        #expect(rooms.foreignKeys.first?.comment == "whose room")
        #expect(rooms.exclusions.first?.comment == "no double booking")
        #expect(rooms.indexes.first?.comment == #"by name: "quoted""#)
        let plan = try h.plan(declaration, tenants: ["t1"])
        let inSync = plan.changeSets.allSatisfy(\.inSync)
        #expect(inSync)
    }

    /// Aggregates come back as the CREATE AGGREGATE that makes them: support
    /// functions of the tenant unqualified, built-in ones qualified, options at
    /// their defaults left out; the tenant plans in sync against the file.
    @Test func aggregatesRoundTrip() async throws {
        let h = try await Harness.make(prefix: "import_rt_aggregates")
        try h.run([
            "CREATE FUNCTION add_positive(total numeric, value numeric) RETURNS numeric LANGUAGE sql IMMUTABLE "
                + "AS $$ SELECT total + greatest(value, 0) $$",
            "CREATE FUNCTION as_text(total numeric) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT total::text $$",
            "CREATE AGGREGATE positive_sum(numeric) (SFUNC = add_positive, STYPE = numeric, FINALFUNC = as_text, "
                + "INITCOND = '0', PARALLEL = SAFE)",
            "CREATE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer, COMBINEFUNC = int4larger, "
                + "SORTOP = >, MSFUNC = int4larger, MINVFUNC = int4mi, MSTYPE = integer)",
            "CREATE AGGREGATE quoted(text) (SFUNC = textcat, STYPE = text, INITCOND = 'it''s')",
            "COMMENT ON AGGREGATE biggest(integer) IS 'the largest'",
            "CREATE TABLE t (id integer PRIMARY KEY, n integer)",
            "CREATE VIEW v AS SELECT biggest(n) AS top, positive_sum(n) AS total FROM t",
            "CREATE FUNCTION insert_t() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (NEW.id, NEW.n); "
                + "RETURN NEW; END $$",
            "CREATE VIEW t_all AS SELECT id, n FROM t",
            "CREATE TRIGGER t_all_write INSTEAD OF INSERT OR UPDATE ON t_all FOR EACH ROW EXECUTE FUNCTION insert_t()",
            "COMMENT ON TRIGGER t_all_write ON t_all IS 'writes through'",
        ], in: "t1", createSchema: true)
        let (declaration, notes) = try Self.importT1(h)
        #expect(notes.contains { $0.hasPrefix("verified: ") }, "\(notes)")
        #expect(declaration.function(named: "positive_sum")?.sql
                    == "CREATE AGGREGATE positive_sum(numeric) (SFUNC = add_positive, STYPE = numeric, "
                    + "FINALFUNC = as_text, INITCOND = '0', PARALLEL = SAFE)")
        #expect(declaration.function(named: "biggest")?.sql
                    == "CREATE AGGREGATE biggest(integer) (SFUNC = pg_catalog.int4larger, STYPE = integer, "
                    + "COMBINEFUNC = pg_catalog.int4larger, MSFUNC = pg_catalog.int4larger, MINVFUNC = pg_catalog.int4mi, "
                    + "MSTYPE = integer, SORTOP = OPERATOR(pg_catalog.>))")
        #expect(declaration.function(named: "biggest")?.comment == "the largest")
        #expect(declaration.function(named: "quoted")?.sql.contains("INITCOND = 'it''s'") == true)
        // A view's INSTEAD OF trigger comes with its view.
        let trigger = try #require(declaration.view(named: "t_all")?.triggers.first)
        #expect(trigger.name == "t_all_write" && trigger.timing == .insteadOf && trigger.events == [.insert, .update])
        #expect(trigger.forEach == .row && trigger.function == "insert_t" && trigger.comment == "writes through")
        let plan = try h.plan(declaration, tenants: ["t1"])
        let inSync = plan.changeSets.allSatisfy(\.inSync)
        #expect(inSync)
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
