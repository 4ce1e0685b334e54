import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// Domains against the real server: import round trip of a tenant with rows,
/// and the stamp both sides compute.
@Suite struct DomainTests {
    static let ddl = [
        "CREATE TYPE status AS ENUM ('open', 'closed')",
        #"CREATE DOMAIN "Open Status" AS status DEFAULT 'open' CONSTRAINT not_closed CHECK (VALUE <> 'closed')"#,
        "CREATE DOMAIN email AS varchar(320) COLLATE \"C\" NOT NULL CONSTRAINT email_has_at CHECK (VALUE ~ '@') CONSTRAINT email_short CHECK (length(VALUE) < 300)",
        "COMMENT ON DOMAIN email IS 'an address'",
        "CREATE DOMAIN work_email AS email CONSTRAINT work_domain CHECK (VALUE LIKE '%@work.example')",
        "CREATE DOMAIN amount AS numeric(12,2) DEFAULT 0",
        #"CREATE TABLE contacts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, address email, work work_email, state "Open Status", others email[], total amount NOT NULL)"#,
        "INSERT INTO contacts (address, work, others, total) VALUES ('a@x', 'b@work.example', '{c@y}', 3), ('d@z', 'e@work.example', NULL, 4)",
    ]

    @Test func tenantWithDomainsImportsExactly() async throws {
        let h = try await Harness.make(prefix: "domain_import")
        try h.run(Self.ddl, in: "acme", createSchema: true)
        let declaration = try ImportTests().expectExactImport(h, "acme")
        #expect(declaration.domains.map(\.name) == ["Open Status", "amount", "email", "work_email"])
        let email = try #require(declaration.domain(named: "email"))
        #expect(email.type == "character varying(320)")
        #expect(!email.nullable)
        #expect(email.collation == "\"C\"")
        #expect(email.checks.map(\.name) == ["email_has_at", "email_short"])
        #expect(email.comment == "an address")
        #expect(declaration.domain(named: "Open Status")?.defaultExpression == "'open'::status")
        #expect(declaration.table(named: "contacts")?.column(named: "others")?.type == "email[]")
        #expect(try h.rows("SELECT count(*) FROM contacts", in: "acme") == [["2"]])
    }

    @Test func reflectedDomainIsTheServersRendering() async throws {
        let h = try await Harness.make(prefix: "domain_reflect")
        try h.run(Self.ddl, in: "acme", createSchema: true)
        let state = try #require(try h.state("acme"))
        #expect(state.others.isEmpty)
        #expect(state.domain(named: "Open Status") == DomainState(
            name: "Open Status", type: "status", defaultExpression: "'open'::status",
            checks: [ConstraintState(name: "not_closed", kind: .check, definition: "CHECK (VALUE <> 'closed'::status)")]))
        #expect(state.domain(named: "email") == DomainState(
            name: "email", type: "character varying(320)", notNull: true, collation: "\"C\"",
            checks: [ConstraintState(name: "email_has_at", kind: .check, definition: "CHECK (VALUE::text ~ '@'::text)"),
                     ConstraintState(name: "email_short", kind: .check, definition: "CHECK (length(VALUE::text) < 300)")],
            comment: "an address"))
        #expect(state.domain(named: "work_email")?.type == "email")
        #expect(state.table(named: "contacts")?.column(named: "state")?.type == "\"Open Status\"")
    }

    /// Every change of a domain changes the stamp, on both sides alike.
    @Test(arguments: [
        "ALTER DOMAIN email SET DEFAULT 'x@y'",
        "ALTER DOMAIN email DROP NOT NULL",
        "ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE >= 0)",
        "ALTER DOMAIN email DROP CONSTRAINT email_short",
        "ALTER DOMAIN email RENAME CONSTRAINT email_short TO email_len",
        "COMMENT ON DOMAIN email IS 'changed'",
        "COMMENT ON DOMAIN amount IS 'new'",
        "ALTER DOMAIN amount RENAME TO money_amount",
    ])
    func everyDomainChangeChangesTheStamp(change: String) async throws {
        let h = try await Harness.make(prefix: "domain_stamp")
        try h.run(Self.ddl, in: "t", createSchema: true)
        let before = try #require(try StampTests.reflected(h, "t"))
        #expect(try StampTests.serverStamp(h, "t") == before.stamp)
        try h.run([change], in: "t")
        let after = try #require(try StampTests.reflected(h, "t"))
        #expect(after.stamp != before.stamp)
        #expect(try StampTests.serverStamp(h, "t") == after.stamp)
    }

    /// The locks the domain changes claim, against `pg_locks`: those that check
    /// existing values hold SHARE on each table using the domain; the others none.
    @Test(arguments: [
        Step.setDomainNotNull(domain: "code", tables: ["lk_t"]),
        Step.addDomainCheck(domain: "code", CheckDeclaration(name: "code_short", expression: "length(VALUE) < 9"),
                            tables: ["lk_t"]),
        Step.validateDomainCheck(domain: "code", name: "code_nv", tables: ["lk_t"]),
        Step.addDomainCheckNotValid(domain: "code", CheckDeclaration(name: "code_short", expression: "length(VALUE) < 9")),
        Step.alterDomainDefault(domain: "code", expression: "'x'"),
        Step.dropDomainCheck(domain: "code", name: "code_nv"),
    ])
    func domainChangesTakeTheLocksTheyClaim(step: Step) async throws {
        let h = try await Harness.make(prefix: "domain_locks")
        try h.run(["CREATE DOMAIN code AS text",
                   "ALTER DOMAIN code ADD CONSTRAINT code_nv CHECK (VALUE <> '') NOT VALID",
                   "CREATE TABLE lk_t (id integer PRIMARY KEY, c code)",
                   "INSERT INTO lk_t SELECT g, 'c' || g FROM generate_series(1, 500) g"],
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
        #expect(strongest == claimed.first?.mode, "\(step.sql): held \(held)")
        try session.execute("ROLLBACK")
    }
}
