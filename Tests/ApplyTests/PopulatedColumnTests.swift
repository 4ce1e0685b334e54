import Apply
import Catalog
import Foundation
import Plan
import Postgres
import State
import Testing

/// Column changes on tenants that hold rows (issue 10, findings 1, 2, 7, 8):
/// each case builds a tenant by hand, inserts rows, plans and applies, and
/// checks the rows, the next values, a re-plan, and that the converted tenant
/// equals one created from the declaration alone.
@Suite struct PopulatedColumnTests {
    static let tenant = "acme"

    /// Plans and applies `yaml` on a tenant built by `setup`; returns the plan.
    /// With `converges`, expects the tenant applied, in sync afterwards, and
    /// equal to a fresh tenant.
    @discardableResult
    static func convert(_ h: Harness, _ setup: [String], _ yaml: String, allowDestructive: Bool = false,
                        converges: Bool = true, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> PlanFile {
        let declaration = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml")
        if !setup.isEmpty { try h.run(setup, in: tenant, createSchema: true) }
        let plan = try h.plan(declaration, tenants: [tenant], allowDestructive: allowDestructive)
        guard converges else { return plan }
        let report = try h.apply(plan)
        #expect(outcomes(report) == [tenant: .applied], "\(describe(report))", sourceLocation: sourceLocation)
        let again = try h.plan(declaration, tenants: [tenant], allowDestructive: allowDestructive)
        #expect(again.hasChanges == false, "re-plan: \(PlanReport(plan: again).text(sql: true))",
                sourceLocation: sourceLocation)
        let fresh = try h.plan(declaration, tenants: ["fresh"])
        #expect(outcomes(try h.apply(fresh)) == ["fresh": .applied], sourceLocation: sourceLocation)
        expectSameState(try h.state(tenant), try h.state("fresh"), "converted tenant vs. a new one",
                        sourceLocation: sourceLocation)
        return plan
    }

    static func ops(_ plan: PlanFile) -> [String] { plan.changeSets.flatMap(\.changes).map(\.op.rawValue) }

    // MARK: - Finding 1: a column that becomes an identity continues after its values

    @Test func serialBecomesIdentityAndContinues() async throws {
        let h = try await Harness.make(prefix: "ident_serial")
        let plan = try Self.convert(h, [
            "CREATE TABLE t (c2 serial PRIMARY KEY, v text)",
            "INSERT INTO t (v) VALUES ('a'), ('b'), ('c'), ('d')",
            "DELETE FROM t WHERE c2 = 4",  // the serial gave out 4: the identity continues after it
        ], """
            version: 1
            tables:
              t:
                columns:
                  c2: { type: integer, identity: always }
                  v: text
                primary_key: [c2]
            """)
        #expect(Self.ops(plan) == ["drop_default", "rename_sequence", "add_identity", "continue_sequence",
                                   "drop_sequence"])
        #expect(try h.rows("INSERT INTO t (v) VALUES ('e') RETURNING c2", in: Self.tenant) == [["5"]])
        #expect(try h.rows("SELECT count(*) FROM t", in: Self.tenant) == [["4"]])
        #expect(try h.rows("SELECT pg_get_serial_sequence('t', 'c2')", in: Self.tenant) == [["acme.t_c2_seq"]])
    }

    @Test func plainKeyBecomesIdentityAndContinues() async throws {
        let h = try await Harness.make(prefix: "ident_plain")
        try Self.convert(h, [
            "CREATE TABLE t (c2 integer PRIMARY KEY, v text)",
            "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        ], """
            version: 1
            tables:
              t:
                columns:
                  c2: { type: integer, identity: by_default }
                  v: text
                primary_key: [c2]
            """)
        #expect(try h.rows("INSERT INTO t (v) VALUES ('d') RETURNING c2", in: Self.tenant) == [["4"]])
    }

    @Test func emptyTableIdentityStartsAtOne() async throws {
        let h = try await Harness.make(prefix: "ident_empty")
        try Self.convert(h, ["CREATE TABLE t (c2 bigserial PRIMARY KEY, v text)"], """
            version: 1
            tables:
              t:
                columns:
                  c2: { type: bigint, identity: always }
                  v: text
                primary_key: [c2]
            """)
        #expect(try h.rows("INSERT INTO t (v) VALUES ('a') RETURNING c2", in: Self.tenant) == [["1"]])
        // The serial's sequence stepped aside: the identity's has a new tenant's name.
        #expect(try h.rows("SELECT pg_get_serial_sequence('t', 'c2')", in: Self.tenant) == [["acme.t_c2_seq"]])
    }

    @Test func identityBecomesSerialAndContinues() async throws {
        let h = try await Harness.make(prefix: "ident_back")
        try Self.convert(h, [
            "CREATE TABLE t (c2 integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)",
            "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')",
            "DELETE FROM t WHERE c2 = 3",
        ], """
            version: 1
            tables:
              t:
                columns:
                  c2: serial
                  v: text
                primary_key: [c2]
            """)
        #expect(try h.rows("INSERT INTO t (v) VALUES ('d') RETURNING c2", in: Self.tenant) == [["4"]])
    }

    @Test func plainColumnBecomesSerialAndContinues() async throws {
        let h = try await Harness.make(prefix: "serial_plain")
        try Self.convert(h, [
            "CREATE TABLE t (c2 integer PRIMARY KEY, v text)",
            "INSERT INTO t VALUES (7, 'a'), (8, 'b')",
        ], """
            version: 1
            tables:
              t:
                columns:
                  c2: serial
                  v: text
                primary_key: [c2]
            """)
        #expect(try h.rows("INSERT INTO t (v) VALUES ('c') RETURNING c2", in: Self.tenant) == [["9"]])
    }

    /// A tenant converted by an earlier release has its identity sequence named
    /// `t_c2_seq1`: it is renamed to the name a new tenant's has.
    @Test func misnamedIdentitySequenceIsRenamed() async throws {
        let h = try await Harness.make(prefix: "ident_name")
        let plan = try Self.convert(h, [
            "CREATE TABLE t (c2 serial PRIMARY KEY, v text)",
            "INSERT INTO t (v) VALUES ('a')",
            "ALTER TABLE t ALTER COLUMN c2 DROP DEFAULT",
            "ALTER TABLE t ALTER COLUMN c2 ADD GENERATED ALWAYS AS IDENTITY (START WITH 2)",
            "DROP SEQUENCE t_c2_seq",
        ], """
            version: 1
            tables:
              t:
                columns:
                  c2: { type: integer, identity: always }
                  v: text
                primary_key: [c2]
            """)
        #expect(plan.changeSets.flatMap(\.changes).map(\.sql) == [#"ALTER SEQUENCE "t_c2_seq1" RENAME TO "t_c2_seq""#])
        #expect(try h.rows("INSERT INTO t (v) VALUES ('b') RETURNING c2", in: Self.tenant) == [["2"]])
    }

    // MARK: - Finding 2: type changes without an assignment cast convert by USING

    static func yaml(_ columns: String, enums: String = "") -> String {
        """
        version: 1
        \(enums.isEmpty ? "" : "enums:\n  " + enums + "\n")tables:
          t:
            columns:
              id: integer
        \(columns.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            primary_key: [id]
        """
    }

    @Test func textToEnumAndArraysConvertByExplicitCast() async throws {
        let h = try await Harness.make(prefix: "cast_enum")
        let yaml = Self.yaml("mood: mood\nmoods: \"mood[]\"", enums: "mood: [sad, ok, happy]")
        let held = try Self.convert(h, [
            "CREATE TABLE t (id integer PRIMARY KEY, mood text, moods text[])",
            "INSERT INTO t VALUES (1, 'sad', '{ok,happy}'), (2, 'happy', '{}'), (3, NULL, NULL)",
        ], yaml, converges: false)
        // Without --allow-destructive: held back, as before.
        #expect(held.changeSets.flatMap(\.held).map(\.object).sorted() == ["column t.mood", "column t.moods"])
        let plan = try Self.convert(h, [], yaml, allowDestructive: true)
        let sql = plan.changeSets.flatMap(\.changes).map(\.sql)
        #expect(sql.contains(#"ALTER TABLE "t" ALTER COLUMN "mood" TYPE mood USING "mood"::mood"#))
        #expect(sql.contains(#"ALTER TABLE "t" ALTER COLUMN "moods" TYPE mood[] USING "moods"::mood[]"#))
        #expect(try h.rows("SELECT id, mood::text, moods::text FROM t ORDER BY id", in: Self.tenant)
                == [["1", "sad", "{ok,happy}"], ["2", "happy", "{}"], ["3", nil, nil]])
    }

    @Test func textToIntegerFailsOnlyOnTheTenantWhoseValuesDoNotConvert() async throws {
        let h = try await Harness.make(prefix: "cast_int")
        let declaration = try DeclarationLoader.parse(yaml: Self.yaml("n: integer"), file: "schema.yaml")
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY, n text)", "INSERT INTO t VALUES (1, '42'), (2, NULL)"],
                  in: "good", createSchema: true)
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY, n text)", "INSERT INTO t VALUES (1, 'abc')"],
                  in: "bad", createSchema: true)
        let plan = try h.plan(declaration, tenants: ["good", "bad"], allowDestructive: true)
        let change = try #require(plan.changeSets.first?.changes.first { $0.op == .alterColumnType })
        #expect(change.sql == #"ALTER TABLE "t" ALTER COLUMN "n" TYPE integer USING "n"::integer"#)
        #expect(change.hazards.contains(.mayFailOnExistingData))
        let report = try h.apply(plan)
        #expect(outcomes(report) == ["good": .applied, "bad": .failed], "\(describe(report))")
        let failure = report.results.first { $0.tenant == "bad" }?.failure
        #expect(failure?.sqlState == "22P02", "\(describe(report))")
        #expect(try h.rows("SELECT n + 1 FROM t ORDER BY id", in: "good") == [["43"], [nil]])
        #expect(try h.rows("SELECT n, pg_typeof(n)::text FROM t", in: "bad") == [["abc", "text"]])
    }

    @Test func declaredUsingConvertsAndIsANoOpOnceTheTypeMatches() async throws {
        let h = try await Harness.make(prefix: "cast_using")
        let yaml = Self.yaml(#"priority: { type: integer, using: "CASE priority WHEN 'high' THEN 2 ELSE 1 END" }"#)
        let plan = try Self.convert(h, [
            "CREATE TABLE t (id integer PRIMARY KEY, priority text)",
            "INSERT INTO t VALUES (1, 'high'), (2, 'low')",
        ], yaml, allowDestructive: true)
        #expect(plan.changeSets.flatMap(\.changes).map(\.sql) == [
            #"ALTER TABLE "t" ALTER COLUMN "priority" TYPE integer USING CASE priority WHEN 'high' THEN 2 ELSE 1 END"#,
        ])
        #expect(try h.rows("SELECT id, priority FROM t ORDER BY id", in: Self.tenant) == [["1", "2"], ["2", "1"]])
    }

    @Test func noConversionIsAPlanErrorAtTheLine() async throws {
        let h = try await Harness.make(prefix: "cast_none")
        try h.run(["CREATE TABLE t (id integer PRIMARY KEY, d integer)", "INSERT INTO t VALUES (1, 20260101)"],
                  in: Self.tenant, createSchema: true)
        let before = try h.fingerprint(Self.tenant)
        for allow in [false, true] {
            let declaration = try DeclarationLoader.parse(yaml: Self.yaml("d: date"), file: "schema.yaml")
            do {
                _ = try h.plan(declaration, tenants: [Self.tenant], allowDestructive: allow)
                Issue.record("planning integer → date succeeded")
            } catch let error as InputErrors {
                let e = try #require(error.errors.first)
                #expect(e.message.contains("cannot change from integer to date"), "\(e)")
                #expect(e.location?.line == 6, "\(e)")
                #expect(e.hint?.contains("using:") == true)
            }
        }
        let bad = try DeclarationLoader.parse(yaml: Self.yaml(#"d: { type: date, using: "no_such_column::date" }"#),
                                              file: "schema.yaml")
        do {
            _ = try h.plan(bad, tenants: [Self.tenant], allowDestructive: true)
            Issue.record("planning a using: that names a missing column succeeded")
        } catch let error as InputErrors {
            let e = try #require(error.errors.first)
            #expect(e.message.contains("PostgreSQL rejects using:") && e.message.contains("no_such_column"), "\(e)")
            #expect(e.location?.line == 6 && e.location?.column ?? 0 > 20, "\(e)")
        }
        #expect(try h.fingerprint(Self.tenant) == before)
    }
}
