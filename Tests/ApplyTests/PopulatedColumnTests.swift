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
        try h.run(setup, in: tenant, createSchema: true)
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
}
