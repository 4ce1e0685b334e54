import Apply
@testable import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// Standalone sequences against the real server: what reflection reads (and
/// leaves to serial and identity columns), import round trip of a tenant with
/// rows, the stamp both sides compute, and the lock `OWNED BY` claims.
@Suite struct SequenceTests {
    static let ddl = [
        "CREATE TABLE invoices (id serial PRIMARY KEY, ref bigint GENERATED ALWAYS AS IDENTITY, number bigint NOT NULL)",
        "CREATE SEQUENCE invoice_number START WITH 1000 OWNED BY invoices.number",
        "ALTER TABLE invoices ALTER COLUMN number SET DEFAULT nextval('invoice_number')",
        "COMMENT ON SEQUENCE invoice_number IS 'next invoice'",
        #"CREATE SEQUENCE "Count Down" AS integer INCREMENT BY -2 MINVALUE -100 MAXVALUE 10 START WITH 10 CACHE 5 CYCLE"#,
        "CREATE SEQUENCE plain",
        "CREATE SEQUENCE loose_owner AS smallint OWNED BY invoices.number",
        "INSERT INTO invoices DEFAULT VALUES",
        "INSERT INTO invoices DEFAULT VALUES",
        #"SELECT nextval('"Count Down"')"#,
    ]

    @Test func reflectedSequencesAreTheStandaloneOnes() async throws {
        let h = try await Harness.make(prefix: "seq_reflect")
        try h.run(Self.ddl, in: "acme", createSchema: true)
        let state = try #require(try h.state("acme"))
        // The serial's and the identity's sequences stay their columns'.
        #expect(state.sequences.map(\.name) == ["Count Down", "invoice_number", "loose_owner", "plain"])
        #expect(state.table(named: "invoices")?.column(named: "id")?.ownedSequence == "invoices_id_seq")
        #expect(state.table(named: "invoices")?.column(named: "number")?.ownedSequence == nil)
        #expect(state.sequence(named: "invoice_number") == SequenceState(
            name: "invoice_number", start: 1000, ownedBy: "invoices.number", comment: "next invoice"))
        #expect(state.sequence(named: "Count Down") == SequenceState(
            name: "Count Down", type: "integer", start: 10, increment: -2, minValue: -100, maxValue: 10, cache: 5,
            cycle: true))
        #expect(state.sequence(named: "loose_owner") == SequenceState(
            name: "loose_owner", type: "smallint", maxValue: 32767, ownedBy: "invoices.number"))
        // Values handed out are data: the state is the same after more of them.
        try h.run(["SELECT nextval('plain')", "INSERT INTO invoices DEFAULT VALUES"], in: "acme")
        #expect(try h.state("acme")?.sequences == state.sequences)
    }

    @Test func tenantWithSequencesImportsExactly() async throws {
        let h = try await Harness.make(prefix: "seq_import")
        try h.run(Self.ddl, in: "acme", createSchema: true)
        let declaration = try ImportTests().expectExactImport(h, "acme")
        #expect(declaration.sequences.map(\.name) == ["Count Down", "invoice_number", "loose_owner", "plain"])
        let sequences = Importer.withoutLocations(declaration).sequences
        #expect(sequences.first { $0.name == "invoice_number" } == SequenceDeclaration(
            name: "invoice_number", type: "bigint", start: 1000, ownedBy: "invoices.number", comment: "next invoice"))
        // A descending sequence starts at its maximum by default: start: is left out.
        #expect(sequences.first { $0.name == "Count Down" } == SequenceDeclaration(
            name: "Count Down", type: "integer", increment: -2, minValue: -100, maxValue: 10, cache: 5, cycle: true))
        #expect(sequences.first { $0.name == "plain" } == SequenceDeclaration(name: "plain", type: "bigint"))
        let invoices = try #require(declaration.table(named: "invoices"))
        #expect(invoices.column(named: "id")?.type == "serial")
        #expect(invoices.column(named: "number")?.defaultExpression == "nextval('invoice_number'::regclass)")
        #expect(try h.rows("SELECT count(*) FROM invoices", in: "acme") == [["2"]])
    }

    /// Every change of a sequence's options, owner or comment changes the
    /// stamp, on both sides alike; handing out values does not.
    @Test(arguments: [
        "ALTER SEQUENCE plain INCREMENT BY 3",
        "ALTER SEQUENCE plain AS integer",
        "ALTER SEQUENCE plain CACHE 10",
        "ALTER SEQUENCE plain START WITH 7",
        "ALTER SEQUENCE plain CYCLE",
        "ALTER SEQUENCE plain OWNED BY invoices.number",
        "ALTER SEQUENCE invoice_number OWNED BY NONE",
        "COMMENT ON SEQUENCE plain IS 'new'",
        "COMMENT ON SEQUENCE invoice_number IS NULL",
        "ALTER SEQUENCE plain RENAME TO renamed",
        "CREATE SEQUENCE another",
        "DROP SEQUENCE plain",
    ])
    func everySequenceChangeChangesTheStamp(change: String) async throws {
        let h = try await Harness.make(prefix: "seq_stamp")
        try h.run(Self.ddl, in: "t", createSchema: true)
        let before = try #require(try StampTests.reflected(h, "t"))
        #expect(try StampTests.serverStamp(h, "t") == before.stamp)
        try h.run([change], in: "t")
        let after = try #require(try StampTests.reflected(h, "t"))
        #expect(after.stamp != before.stamp)
        #expect(try StampTests.serverStamp(h, "t") == after.stamp)
    }

    @Test func handingOutValuesKeepsTheStamp() async throws {
        let h = try await Harness.make(prefix: "seq_stamp_values")
        try h.run(Self.ddl, in: "t", createSchema: true)
        let before = try #require(try StampTests.reflected(h, "t"))
        try h.run(["SELECT nextval('plain')", "SELECT setval('invoice_number', 5000)"], in: "t")
        #expect(try StampTests.serverStamp(h, "t") == before.stamp)
        #expect(try StampTests.reflected(h, "t")?.stamp == before.stamp)
    }

    /// `OWNED BY` holds ACCESS SHARE on the owning table, as it claims; the
    /// other sequence steps hold no lock on it. (Their locks on the sequence
    /// itself: `LockLevelTests.sequenceLocks`.)
    @Test(arguments: [
        Step.sequenceOwnedBy(name: "s", ownedBy: "lk_t.n"),
        Step.alterSequence(from: SequenceState(name: "s"), to: SequenceState(name: "s", increment: 5, cache: 3)),
        Step.commentOnSequence("s", comment: "x"),
    ])
    func sequenceChangesTakeTheLocksTheyClaim(step: Step) async throws {
        let h = try await Harness.make(prefix: "seq_locks")
        try h.run(["CREATE TABLE lk_t (id integer PRIMARY KEY, n bigint)", "CREATE SEQUENCE s",
                   "INSERT INTO lk_t SELECT g, g FROM generate_series(1, 50) g"],
                  in: LockLevelTests.tenant, createSchema: true)
        let session = try h.db.connect()
        defer { session.close() }
        try session.execute("SELECT set_config('search_path', $1, false)", [LockLevelTests.tenant])
        try session.execute("BEGIN")
        try session.execute(step.sql)
        let claimed = step.locks(hazards: [])
        let held = try h.connection.query("""
            SELECT mode FROM pg_locks WHERE pid = $1::int AND locktype = 'relation' AND granted
            AND relation = $2::regclass
            """, [String(session.backendPID), "\(LockLevelTests.tenant).lk_t"]).rows.compactMap { $0.first ?? nil }
        let strongest = LockLevel.allCases.filter { held.contains($0.pgLocksMode) }.max()
        #expect(strongest == claimed.first { $0.relation == "lk_t" }?.mode, "\(step.sql): held \(held)")
        try session.execute("ROLLBACK")
    }
}
