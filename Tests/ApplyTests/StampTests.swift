import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// The catalog stamp (`Stamp`): the one `Reflector` computes from its batch rows
/// and the one the server computes at `apply` time must agree on an unchanged
/// schema, and the server's must change with every change of state.
@Suite struct StampTests {
    /// Objects of every kind the state holds or reports, on top of the rich schema.
    static let extras = [
        "CREATE SEQUENCE loose_seq",
        "CREATE VIEW customer_emails AS SELECT email FROM customers",
        "CREATE FUNCTION answer() RETURNS integer LANGUAGE sql AS 'SELECT 42'",
        "CREATE TYPE mood AS ENUM ('ok', 'meh')",
        "COMMENT ON TYPE mood IS 'how it went'",
        "CREATE TABLE notes (id serial PRIMARY KEY, body text, mood mood DEFAULT 'ok', n integer DEFAULT answer())",
        "COMMENT ON COLUMN notes.body IS 'free text'",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "COMMENT ON FUNCTION touch() IS 'stamps'",
        "CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()",
        "COMMENT ON TRIGGER notes_touch ON notes IS 'keeps it fresh'",
        "CREATE TRIGGER notes_touch_insert BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION touch()",
        "CREATE DOMAIN positive AS integer CONSTRAINT positive_check CHECK (VALUE > 0)",
        "CREATE TABLE counters (id integer PRIMARY KEY, n positive)",
        "CREATE POLICY counters_all ON counters USING (true)",
        // Partitions and persistence.
        "CREATE TABLE visits (at date NOT NULL) PARTITION BY RANGE (at)",
        "CREATE TABLE visits_2026 PARTITION OF visits FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "CREATE TABLE visits_loose (at date NOT NULL)",
        "CREATE UNLOGGED TABLE cache (k text)",
        "CREATE INDEX notes_body_idx ON notes (body)",
        "COMMENT ON INDEX notes_body_idx IS 'search'",
        "COMMENT ON CONSTRAINT counters_pkey ON counters IS 'the key'",
        "CREATE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer)",
        "CREATE AGGREGATE n_total(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0')",
        "COMMENT ON AGGREGATE n_total(integer) IS 'a sum'",
        "CREATE VIEW note_bodies AS SELECT id FROM counters",
        "CREATE TRIGGER note_bodies_insert INSTEAD OF INSERT ON note_bodies FOR EACH ROW EXECUTE FUNCTION touch()",
        "COMMENT ON TRIGGER note_bodies_insert ON note_bodies IS 'writes'",
        "CREATE MATERIALIZED VIEW note_counts AS SELECT count(*) AS n, max(id) AS top FROM notes",
        "CREATE UNIQUE INDEX note_counts_n ON note_counts (n)",
        "CREATE INDEX note_counts_top ON note_counts (top)",
        "COMMENT ON INDEX note_counts_n IS 'one row'",
    ]

    static func reflected(_ h: Harness, _ schema: String) throws -> ReflectedSchema? {
        var found: ReflectedSchema?
        try Reflector().reflect(schemas: [schema], on: h.connection) { found = $0 }
        try h.connection.execute("SELECT set_config('search_path', 'public', false)")
        return found
    }

    static func serverStamp(_ h: Harness, _ schema: String) throws -> String? {
        try h.connection.pipeline([Stamp.statement(schema: schema)])[0].scalar
    }

    @Test func reflectorAndServerComputeTheSameStamp() async throws {
        let h = try await Harness.make(prefix: "stamp_same")
        try h.createSharedPlans()
        try h.run(RichSchema.referenceDDL() + Self.extras, in: "rich", createSchema: true)
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY)"], in: "plain", createSchema: true)
        try h.connection.execute("CREATE SCHEMA empty")
        for schema in ["rich", "plain", "empty"] {
            let reflected = try #require(try Self.reflected(h, schema), "\(schema)")
            #expect(reflected.stamp?.count == 64)
            #expect(try Self.serverStamp(h, schema) == reflected.stamp, "\(schema)")
        }
        // Within one batch of several schemas, each gets its own.
        var batch: [String: String] = [:]
        try Reflector().reflect(schemas: ["rich", "plain", "empty"], on: h.connection) { batch[$0.name] = $0.stamp }
        #expect(batch["rich"] == (try Self.serverStamp(h, "rich")))
        #expect(batch["plain"] == (try Self.serverStamp(h, "plain")))
        #expect(Set(batch.values).count == 3)
        // An empty schema and a missing one differ.
        #expect(try Self.serverStamp(h, "missing") != (try Self.serverStamp(h, "empty")))
        // The records' query, which reads all the schemas at once, computes the
        // same stamps, and gives each schema the same record stamp whatever
        // schemas it is computed with.
        let together = try Stamp.recordStamps(of: ["rich", "plain", "empty", "missing"], on: h.connection)
        #expect(together.keys.sorted() == ["empty", "plain", "rich"])
        for schema in ["rich", "plain", "empty"] {
            #expect(together[schema]?.stamp == (try Self.serverStamp(h, schema)), "\(schema)")
            #expect(try Stamp.recordStamps(of: [schema], on: h.connection)[schema] == together[schema], "\(schema)")
        }
        #expect(Set(together.values.map(\.record)).count == 3)
    }

    /// What a plan reads of a tenant it takes from its record: the sizes of the
    /// tables its changes scan, by name, as a full read finds them: a
    /// partitioned table counts its partitions, and a table the tenant lacks is absent.
    @Test func theSizesOfTheNamedTablesAreThoseAFullReadFinds() async throws {
        let h = try await Harness.make(prefix: "stamp_sizes")
        for schema in ["big", "small"] {
            try h.run(["CREATE TABLE items (id integer PRIMARY KEY, body text)",
                       "CREATE TABLE notes (id integer PRIMARY KEY)",
                       "CREATE TABLE events (id integer, at date NOT NULL) PARTITION BY RANGE (at)",
                       "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"],
                      in: schema, createSchema: true)
        }
        try h.run(["INSERT INTO items SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g",
                   "INSERT INTO events SELECT g, date '2026-03-01' FROM generate_series(1, 3000) g"], in: "big")
        for schema in ["big", "small"] {
            try h.connection.execute("VACUUM ANALYZE \(schema).items")
            try h.connection.execute("VACUUM ANALYZE \(schema).events_2026")
        }
        let sizes = try Stamp.tableBytes(of: ["big", "small", "missing"], tables: ["items", "events", "absent"],
                                         on: h.connection)
        #expect(sizes.keys.sorted() == ["big", "small"])
        for schema in ["big", "small"] {
            let full = try #require(try Self.reflected(h, schema)).tableBytes
            #expect(sizes[schema] == full.filter { ["items", "events"].contains($0.key) }, "\(schema)")
        }
        #expect((sizes["big"]?["items"] ?? 0) > 1_000_000)
        #expect((sizes["big"]?["events"] ?? 0) > 8192 * 4, "the partitions' pages count")
        #expect((sizes["big"]?["items"] ?? 0) > (sizes["small"]?["items"] ?? .max))
        #expect(try Stamp.tableBytes(of: ["big"], tables: [], on: h.connection).isEmpty)
    }

    /// Operators and the like are members whose row versions are not read: such a
    /// schema gets no stamp, and `apply` reads it in full.
    @Test func aSchemaWithAnOperatorGetsNoStamp() async throws {
        let h = try await Harness.make(prefix: "stamp_none")
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY)",
                   "CREATE FUNCTION same(integer, integer) RETURNS boolean LANGUAGE sql AS 'SELECT $1 = $2'",
                   "CREATE OPERATOR === (LEFTARG = integer, RIGHTARG = integer, FUNCTION = same)"],
                  in: "ops", createSchema: true)
        let reflected = try #require(try Self.reflected(h, "ops"))
        #expect(reflected.stamp == nil)
        #expect(reflected.state.tables.map(\.name) == ["t"])
    }

    /// An operator added after the plan is a member whose version the server
    /// stamp does not read: it must still make the stamp differ.
    @Test func anOperatorAddedAfterThePlanChangesTheServerStamp() async throws {
        let h = try await Harness.make(prefix: "stamp_op_after")
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY)"], in: "s", createSchema: true)
        let before = try #require(try Self.reflected(h, "s")?.stamp)
        #expect(try Self.serverStamp(h, "s") == before)
        try h.run(["CREATE OPERATOR @@@ (RIGHTARG = integer, FUNCTION = pg_catalog.int4abs)"], in: "s")
        #expect(try Self.serverStamp(h, "s") != before)
        #expect(try Self.reflected(h, "s")?.stamp == nil)
    }

    /// The tenant's DDL runs under the session's planner settings, not the
    /// reads': a new column's default, evaluated once by `ADD COLUMN` for the
    /// existing row, records them. Both paths: the stamp (`plain`) and a full
    /// read before the changes (`ops`, whose operator means no stamp).
    @Test func theChangesRunUnderTheDefaultPlannerSettings() async throws {
        let h = try await Harness.make(prefix: "stamp_ddl_settings")
        let old = "CREATE TABLE t (id integer PRIMARY KEY)"
        try h.run([old, "INSERT INTO t VALUES (1)"], in: "plain", createSchema: true)
        try h.run([old, "INSERT INTO t VALUES (1)",
                   "CREATE OPERATOR @@@ (RIGHTARG = integer, FUNCTION = pg_catalog.int4abs)"], in: "ops", createSchema: true)
        let declaration = try DeclarationLoader.parse(yaml: #"""
            version: 1
            tables:
              t:
                columns:
                  id: integer
                  seen: { type: text, default: "current_setting('plan_cache_mode') || ' ' || current_setting('enable_seqscan') || ' ' || current_setting('enable_hashjoin')" }
                primary_key: [id]
            """#, file: "schema.yaml")
        let plan = try h.plan(declaration, tenants: ["plain", "ops"])
        let stamps = plan.changeSets.compactMap { $0.stamps?["main"] }.reduce(into: [String: String]()) { $0.merge($1) { a, _ in a } }
        #expect(stamps["plain"] != nil && stamps["ops"] == nil)
        #expect(outcomes(try h.apply(plan)) == ["plain": .applied, "ops": .applied])
        for tenant in ["plain", "ops"] {
            #expect(try h.rows("SELECT seen FROM t", in: tenant) == [["auto on on"]], "\(tenant)")
        }
    }

    /// The planner settings of the reads never outlive them: a tenant's DDL runs under the defaults.
    @Test func reflectionLeavesThePlannerSettingsAlone() async throws {
        let h = try await Harness.make(prefix: "stamp_settings")
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY)"], in: "s", createSchema: true)
        let settings = "SELECT current_setting('enable_hashjoin'), current_setting('enable_seqscan'), current_setting('plan_cache_mode')"
        let defaults = try h.rows(settings)
        #expect(defaults == [["on", "on", "auto"]])
        try h.connection.execute("BEGIN")
        _ = try Reflector().reflect(schema: "s", on: h.connection)
        #expect(try h.rows(settings) == defaults)
        _ = try Reflector().reflect(schema: "missing", on: h.connection)
        #expect(try h.rows(settings) == defaults)
        try h.connection.execute("ROLLBACK")
        _ = try Reflector().reflect(schema: "s", on: h.connection)
        #expect(try h.rows(settings) == defaults)
    }

    /// Each change of state, made on a fresh copy of the rich schema: the stamp must change.
    @Test(arguments: [
        "ALTER TABLE customers RENAME COLUMN name TO full_name",
        "ALTER TABLE customers ALTER COLUMN name SET NOT NULL",
        "ALTER TABLE customers ALTER COLUMN created_at SET DEFAULT clock_timestamp()",
        "ALTER TABLE customers ALTER COLUMN name TYPE varchar(300)",
        "ALTER TABLE customers ADD COLUMN extra integer",
        "ALTER TABLE customers DROP COLUMN plan_id",
        "COMMENT ON TABLE customers IS 'changed'",
        "COMMENT ON COLUMN customers.name IS 'changed'",
        "ALTER TYPE order_status ADD VALUE 'refunded'",
        "ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled'",
        "ALTER TABLE customers RENAME CONSTRAINT customers_email_key TO customers_email_uniq",
        "ALTER INDEX customers_tags_idx RENAME TO customers_tags_gin",
        "DROP INDEX customers_created_at_idx",
        "CREATE INDEX customers_name_idx ON customers (name)",
        "ALTER TABLE orders RENAME TO purchases",
        "ALTER TYPE order_status RENAME TO purchase_status",
        "ALTER SEQUENCE notes_id_seq OWNED BY NONE",
        "ALTER SEQUENCE notes_id_seq AS bigint",
        "ALTER TABLE notes ALTER COLUMN body SET DATA TYPE varchar(10)",
        "ALTER TABLE customers ALTER COLUMN handle SET DATA TYPE text COLLATE \"POSIX\"",
        "CREATE VIEW another_view AS SELECT 1 AS one",
        "DROP FUNCTION answer() CASCADE",
        "CREATE OR REPLACE FUNCTION answer() RETURNS integer LANGUAGE sql AS 'SELECT 43'",
        "COMMENT ON FUNCTION touch() IS 'changed'",
        "COMMENT ON FUNCTION answer() IS 'new'",
        "COMMENT ON TRIGGER notes_touch ON notes IS 'changed'",
        "COMMENT ON TRIGGER notes_touch_insert ON notes IS 'new'",
        "DROP TRIGGER notes_touch ON notes",
        "ALTER TRIGGER notes_touch ON notes RENAME TO notes_stamp",
        "CREATE OR REPLACE TRIGGER notes_touch AFTER UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()",
        "ALTER TABLE notes DISABLE TRIGGER notes_touch",
        "ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000)",
        "ALTER DOMAIN positive RENAME CONSTRAINT positive_check TO positive_above_zero",
        "ALTER DOMAIN positive DROP CONSTRAINT positive_check",
        "CREATE POLICY counters_none ON counters USING (false)",
        "ALTER POLICY counters_all ON counters USING (n > 1)",
        "DROP POLICY counters_all ON counters",
        "CREATE TABLE visits_2027 PARTITION OF visits FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
        "ALTER TABLE visits ATTACH PARTITION visits_loose FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')",
        "ALTER TABLE visits DETACH PARTITION visits_2026",
        "DROP TABLE visits_2026",
        "ALTER TABLE cache SET LOGGED",
        "ALTER TABLE visits_loose SET UNLOGGED",
        "COMMENT ON INDEX customers_created_at_idx IS 'new'",
        "COMMENT ON INDEX notes_body_idx IS 'changed'",
        "COMMENT ON INDEX notes_body_idx IS NULL",
        "COMMENT ON CONSTRAINT customers_email_key ON customers IS 'new'",
        "COMMENT ON CONSTRAINT counters_pkey ON counters IS 'changed'",
        "COMMENT ON CONSTRAINT counters_pkey ON counters IS NULL",
        "CREATE OR REPLACE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer, INITCOND = '0')",
        "CREATE OR REPLACE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer, PARALLEL = SAFE)",
        "COMMENT ON AGGREGATE biggest(integer) IS 'new'",
        "COMMENT ON AGGREGATE n_total(integer) IS NULL",
        "DROP AGGREGATE n_total(integer)",
        "CREATE AGGREGATE biggest(bigint) (SFUNC = int8larger, STYPE = bigint)",
        "CREATE TRIGGER note_bodies_update INSTEAD OF UPDATE ON note_bodies FOR EACH ROW EXECUTE FUNCTION touch()",
        "DROP TRIGGER note_bodies_insert ON note_bodies",
        "COMMENT ON TRIGGER note_bodies_insert ON note_bodies IS 'changed'",
        "COMMENT ON TYPE order_status IS 'new'",
        "COMMENT ON TYPE mood IS 'changed'",
        "COMMENT ON TYPE mood IS NULL",
        "COMMENT ON INDEX note_counts_n IS 'changed'",
        "COMMENT ON INDEX note_counts_n IS NULL",
        "COMMENT ON INDEX note_counts_top IS 'new'",
    ])
    func everyChangeOfStateChangesTheStamp(change: String) async throws {
        let h = try await Harness.make(prefix: "stamp_change")
        try h.createSharedPlans()
        try h.run(RichSchema.referenceDDL() + Self.extras, in: "t", createSchema: true)
        let before = try #require(try Self.reflected(h, "t"))
        let recordBefore = try #require(try Stamp.recordStamps(of: ["t"], on: h.connection)["t"])
        #expect(recordBefore.stamp == before.stamp)
        try h.run([change], in: "t")
        let after = try #require(try Self.reflected(h, "t"))
        #expect(try Self.serverStamp(h, "t") != before.stamp)
        #expect(after.stamp != before.stamp)
        #expect(try Self.serverStamp(h, "t") == after.stamp)
        // The records' query, over all schemas at once, agrees.
        let recordAfter = try #require(try Stamp.recordStamps(of: ["t"], on: h.connection)["t"])
        #expect(recordAfter.stamp == after.stamp)
        #expect(recordAfter.record != recordBefore.record)
    }

    /// Dependents made outside the tenant's schema change its record stamp.
    /// Some also write a new version of a tenant row (a rule, a foreign key's
    /// triggers, a child set `pg_class` flags), so they change the stamp too; the
    /// others are seen by the coverage alone.
    @Test(arguments: [
        ("CREATE RULE t_log AS ON INSERT TO t.counters DO ALSO NOTIFY counters", true),
        ("CREATE TABLE public.refs (id integer REFERENCES t.counters (id))", true),
        ("CREATE TABLE public.kid (extra text) INHERITS (t.counters)", true),
        ("CREATE TABLE public.visits_2030 PARTITION OF t.visits FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')", false),
        ("CREATE VIEW public.counter_ids AS SELECT id FROM t.counters", false),
        ("CREATE FUNCTION public.twice(t.mood) RETURNS t.mood LANGUAGE sql AS 'SELECT $1'", false),
        ("CREATE POLICY others ON public.plans USING (id IN (SELECT id FROM t.counters))", false),
        ("CREATE CONSTRAINT TRIGGER seen AFTER INSERT ON public.plans FROM t.counters "
            + "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()", false),
    ])
    func whatIsMadeOutsideChangesTheRecordStamp(change: String, changesTheStamp: Bool) async throws {
        let h = try await Harness.make(prefix: "stamp_record")
        try h.createSharedPlans()
        try h.run(RichSchema.referenceDDL() + Self.extras, in: "t", createSchema: true)
        let before = try #require(try Stamp.recordStamps(of: ["t"], on: h.connection)["t"])
        try h.connection.execute(change)
        let after = try #require(try Stamp.recordStamps(of: ["t"], on: h.connection)["t"])
        #expect((after.stamp != before.stamp) == changesTheStamp)
        #expect(after.record != before.record)
    }

    /// Changes of state that the stamp leaves out (`apply`'s check before
    /// `COMMIT` finds them) and a record must not: each changes what a full read
    /// finds, and the record stamp. `{x}` is a name of the test's own (roles and
    /// tablespaces are cluster-wide); `o` is another schema.
    @Test(arguments: [
        ([], "ALTER VIEW customer_emails RENAME COLUMN email TO mail"),
        ([], "ALTER MATERIALIZED VIEW note_counts RENAME COLUMN n TO total"),
        (["GRANT SELECT ON customers TO {x}"], "ALTER ROLE {x} RENAME TO {x}_renamed"),
        (["ALTER POLICY counters_all ON counters TO {x}"], "ALTER ROLE {x} RENAME TO {x}_renamed"),
        (["GRANT USAGE ON SCHEMA t TO {x}"], "ALTER ROLE {x} RENAME TO {x}_renamed"),
        (["ALTER DEFAULT PRIVILEGES IN SCHEMA t GRANT SELECT ON TABLES TO {x}"], "ALTER ROLE {x} RENAME TO {x}_renamed"),
        (["CREATE OPERATOR CLASS o.int_ops FOR TYPE integer USING btree AS OPERATOR 1 <, OPERATOR 2 <=, "
            + "OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 btint4cmp(integer, integer)",
          "CREATE INDEX notes_n_ops ON notes (n o.int_ops)"], "ALTER OPERATOR CLASS o.int_ops USING btree RENAME TO n_ops"),
        (["CREATE OPERATOR CLASS o.int_ops FOR TYPE integer USING btree AS OPERATOR 1 <, OPERATOR 2 <=, "
            + "OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 btint4cmp(integer, integer)",
          "CREATE INDEX notes_n_ops ON notes (n o.int_ops)"], "ALTER SCHEMA o RENAME TO shared"),
        (["CREATE TEXT SEARCH CONFIGURATION o.words (COPY = pg_catalog.english)",
          "CREATE INDEX notes_words ON notes (to_tsvector('o.words', body))"], "ALTER TEXT SEARCH CONFIGURATION o.words RENAME TO terms"),
        (["CREATE TEXT SEARCH DICTIONARY o.plain (TEMPLATE = pg_catalog.simple)",
          "CREATE VIEW lexemes AS SELECT ts_lexize('o.plain', 'x') AS l"], "ALTER TEXT SEARCH DICTIONARY o.plain RENAME TO simple"),
        (["CREATE OPERATOR o.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = int4eq)",
          "CREATE VIEW ones AS SELECT id FROM counters WHERE id OPERATOR(o.===) 1"], "ALTER OPERATOR o.=== (integer, integer) SET SCHEMA public"),
        (["SET allow_in_place_tablespaces = on", "CREATE TABLESPACE {x} LOCATION ''", "RESET allow_in_place_tablespaces",
          "ALTER TABLE cache SET TABLESPACE {x}"], "ALTER TABLESPACE {x} RENAME TO {x}_renamed"),
        ([], "ALTER FUNCTION pg_catalog.lower(text) RENAME TO lower_renamed"),
        ([], #"ALTER COLLATION pg_catalog."C" RENAME TO c_renamed"#),
        // Other schemas' uses of a tenant type's array type, which is no member.
        ([], "CREATE TABLE o.snap (v positive[])"),
        ([], "CREATE TABLE o.moods (m mood[])"),
        ([], "CREATE FUNCTION o.total(positive[]) RETURNS integer LANGUAGE sql AS 'SELECT 1'"),
        // Another schema's composite type and materialized view over a tenant domain.
        ([], "CREATE TYPE o.wrap AS (x positive)"),
        ([], "CREATE MATERIALIZED VIEW o.amounts AS SELECT 1::positive AS p"),
        ([], "ALTER LANGUAGE plpgsql RENAME TO plpgsql_renamed"),
    ])
    func whatOnlyARecordCoversChangesTheRecordStamp(setup: [String], change: String) async throws {
        // A system object renamed (`"C"`, `lower`, `plpgsql`) fails a read that is planned
        // again after an invalidation reset, which other tests' DDL can cause (CI at dd06442:
        // `collation "C" ... does not exist` after the rename): a case that throws runs once
        // more, on a database of its own. Its expectations count from either run.
        do {
            try await Self.recordOnlyCase(setup: setup, change: change)
        } catch {
            try await Self.recordOnlyCase(setup: setup, change: change)
        }
    }

    static func recordOnlyCase(setup: [String], change: String) async throws {
        let h = try await Harness.make(prefix: "stamp_record_only")
        let release = ClusterTablespaces.hold((setup + [change]).contains { $0.contains("TABLESPACE") })
        defer { release() }
        let x = "tp_stamp_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        func named(_ sql: String) -> String { sql.replacingOccurrences(of: "{x}", with: x) }
        try h.createSharedPlans()
        try h.connection.execute("CREATE SCHEMA o")
        if (setup + [change]).contains(where: { $0.contains("ROLE {x}") }) { try h.connection.execute(named("CREATE ROLE {x}")) }
        try h.run(RichSchema.referenceDDL() + Self.extras + setup.map(named), in: "t", createSchema: true)
        let fingerprint = try h.fingerprint("t")
        let before = try #require(try Stamp.recordStamps(of: ["t"], on: h.connection)["t"])
        try h.run([named(change)], in: "t")
        defer {
            // Roles and tablespaces outlive the test's database.
            for sql in ["ALTER TABLE t.cache SET TABLESPACE pg_default", "DROP TABLESPACE IF EXISTS {x}_renamed",
                        "DROP OWNED BY {x}_renamed", "DROP ROLE IF EXISTS {x}_renamed"] {
                try? h.connection.execute(named(sql))
            }
        }
        #expect(try h.fingerprint("t") != fingerprint)
        let after = try #require(try Stamp.recordStamps(of: ["t"], on: h.connection)["t"])
        #expect(after.record != before.record)
    }

    @Test func writesAndStatisticsLeaveTheStampAlone() async throws {
        let h = try await Harness.make(prefix: "stamp_stable")
        try h.createSharedPlans()
        try h.run(RichSchema.referenceDDL() + Self.extras + [RichSchema.customerSeed], in: "t", createSchema: true)
        let before = try #require(try Self.serverStamp(h, "t"))
        try h.run([RichSchema.customerSeed.replacingOccurrences(of: "keep@", with: "more@"),
                   "UPDATE customers SET name = 'x'", "DELETE FROM notes"], in: "t")
        try h.connection.execute("VACUUM ANALYZE")
        #expect(try Self.serverStamp(h, "t") == before)
    }

    @Test func planRecordsStampsOnlyForTenantsThatChange() async throws {
        let h = try await Harness.make(prefix: "stamp_plan")
        try h.createSharedPlans()
        try ApplySafetyTests.buildDrifted(h, "drifted")
        try h.run(RichSchema.referenceDDL(), in: "synced", createSchema: true)
        let plan = try h.plan(try RichSchema.declaration(), tenants: ["fresh", "drifted", "synced"])
        for set in plan.changeSets {
            let tenants = set.tenants["main"] ?? []
            if tenants == ["drifted"] {
                let stamps = try #require(set.stamps?["main"])
                #expect(stamps["drifted"] == (try Self.serverStamp(h, "drifted")))
            } else {
                #expect(set.stamps == nil, "\(tenants)")   // in sync, or created: nothing to check
            }
        }
        #expect(outcomes(try h.apply(plan)) == ["fresh": .applied, "drifted": .applied, "synced": .inSync])
    }

    /// A new row version with the same content (a GRANT and its REVOKE rewrite
    /// the table's pg_class row, and leave only the owner's rights, which the
    /// state does not hold) changes the stamp but not the state: `apply` reads the
    /// tenant in full, finds it in the planned state, and applies it.
    @Test func aNewRowVersionWithTheSameStateFallsBackToAFullRead() async throws {
        let h = try await Harness.make(prefix: "stamp_grant")
        try h.createSharedPlans()
        try ApplySafetyTests.buildDrifted(h, "t1")
        let plan = try h.plan(try RichSchema.declaration(), tenants: ["t1"])
        let stamp = try #require(plan.changeSets.first?.stamps?["main"]?["t1"])
        let fingerprint = try h.fingerprint("t1")
        try h.run(["GRANT SELECT ON customers TO PUBLIC", "REVOKE SELECT ON customers FROM PUBLIC"], in: "t1")
        #expect(try Self.serverStamp(h, "t1") != stamp)
        #expect(try h.fingerprint("t1") == fingerprint)

        let report = try h.apply(plan)
        #expect(outcomes(report) == ["t1": .applied], "\(describe(report))")
        #expect(try h.fingerprint("t1") == plan.databases[0].desiredFingerprint)
    }

    /// A change outside the tenant that changes how its state reads (the shared
    /// table its foreign key points to is renamed) is not in the stamp: the
    /// changes run, the check before `COMMIT` fails, and the tenant is rolled back
    /// and reported stale, like any tenant whose state changed since the plan.
    @Test func aChangeOutsideTheTenantIsCaughtBeforeCommitAndReportedStale() async throws {
        let h = try await Harness.make(prefix: "stamp_outside")
        try h.createSharedPlans()
        try ApplySafetyTests.buildDrifted(h, "t1")
        // One transaction, rolled back whole (an online step outside one could not be).
        let plan = try h.plan(try RichSchema.declaration(), tenants: ["t1"], transactional: true)
        #expect(plan.changeSets.first?.stamps?["main"]?["t1"] != nil)
        let stampBefore = try Self.serverStamp(h, "t1")
        let oidsBefore = try ApplySafetyTests.relationOIDs(h, "t1")

        try h.connection.execute("ALTER TABLE public.plans RENAME TO price_plans")
        #expect(try Self.serverStamp(h, "t1") == stampBefore)   // the stamp cannot see it
        let fingerprintBefore = try h.fingerprint("t1")

        let report = try h.apply(plan)
        #expect(outcomes(report) == ["t1": .stale], "\(describe(report))")
        #expect(try h.fingerprint("t1") == fingerprintBefore)
        #expect(try ApplySafetyTests.relationOIDs(h, "t1") == oidsBefore)
        #expect(try h.state("t1")?.table(named: "customers")?.index(named: "customers_tags_idx") == nil)
    }
}
