import Catalog
import Foundation
import Plan
@testable import Planning
import State
import Testing
import TestSupport

/// A realistic application tenant that uses every kind `schema.yaml` declares,
/// built by hand and holding rows: imported, planned in sync against its own
/// file, created in a new tenant from it, and the two tenants' catalogs
/// compared; then the new tenant behaves as the old one does (its triggers
/// fire, its defaults draw from its sequence, its partitions route rows, its
/// policies filter them).
@Suite struct WholeTenantTests {
    static let roles = ["wt_app", "wt_reporting"]

    /// The hand-built tenant: a small invoicing application.
    static let ddl: [String] = [
        "CREATE TYPE invoice_status AS ENUM ('draft', 'sent', 'paid')",
        "CREATE DOMAIN email AS text CONSTRAINT email_has_at CHECK (VALUE ~ '@')",
        "COMMENT ON DOMAIN email IS 'an address'",
        "CREATE TYPE address AS (street text, city text, zip varchar(10))",
        "COMMENT ON TYPE address IS 'a postal address'",
        "CREATE SEQUENCE invoice_number AS bigint START WITH 1000 CACHE 1",
        "COMMENT ON SEQUENCE invoice_number IS 'numbers on paper'",
        """
        CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.updated_at := now(); RETURN NEW; END $$
        """,
        "CREATE FUNCTION cents(amount numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT (amount * 100)::bigint $$",
        "COMMENT ON FUNCTION cents(numeric) IS 'to cents'",
        "CREATE FUNCTION add_positive(total numeric, value numeric) RETURNS numeric LANGUAGE sql IMMUTABLE "
            + "AS $$ SELECT total + greatest(value, 0) $$",
        "CREATE AGGREGATE positive_sum(numeric) (SFUNC = add_positive, STYPE = numeric, INITCOND = '0')",
        """
        CREATE TABLE customers (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            contact email NOT NULL,
            billing address,
            owner name NOT NULL DEFAULT current_user,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT customers_contact_key UNIQUE (contact)
        )
        """,
        "COMMENT ON TABLE customers IS 'who we bill'",
        "COMMENT ON CONSTRAINT customers_contact_key ON customers IS 'one account per address'",
        "CREATE INDEX customers_created_at_idx ON customers (created_at DESC)",
        "COMMENT ON INDEX customers_created_at_idx IS 'newest first'",
        "CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_updated_at()",
        """
        CREATE TABLE invoices (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            number bigint NOT NULL DEFAULT nextval('invoice_number'),
            customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE DEFERRABLE,
            status invoice_status NOT NULL DEFAULT 'draft',
            total numeric(12, 2) NOT NULL DEFAULT 0 CONSTRAINT invoices_total_check CHECK (total >= 0),
            valid_during tstzrange,
            CONSTRAINT invoices_number_key UNIQUE (number),
            CONSTRAINT invoices_no_overlap EXCLUDE USING gist (valid_during WITH &&)
        )
        """,
        "ALTER SEQUENCE invoice_number OWNED BY invoices.number",
        "CREATE INDEX invoices_open_idx ON invoices (customer_id) WHERE status <> 'paid'",
        """
        CREATE TABLE events (
            id bigint GENERATED ALWAYS AS IDENTITY,
            at date NOT NULL,
            kind text NOT NULL,
            PRIMARY KEY (id, at)
        ) PARTITION BY RANGE (at)
        """,
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "CREATE TABLE events_rest PARTITION OF events DEFAULT",
        "CREATE UNLOGGED TABLE page_cache (key text PRIMARY KEY, body text)",
        "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY invoices_unpaid ON invoices FOR SELECT TO wt_reporting USING (status <> 'paid')",
        "CREATE POLICY invoices_app ON invoices TO wt_app USING (true) WITH CHECK (true)",
        "COMMENT ON POLICY invoices_unpaid ON invoices IS 'reporting sees what is owed'",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON customers, invoices TO wt_app",
        "GRANT SELECT ON invoices TO wt_reporting",
        "CREATE VIEW open_invoices AS SELECT id, customer_id, total FROM invoices WHERE status <> 'paid'",
        "COMMENT ON VIEW open_invoices IS 'what is owed'",
        """
        CREATE FUNCTION open_invoices_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO invoices (customer_id, total) VALUES (NEW.customer_id, NEW.total); RETURN NEW; END $$
        """,
        "CREATE TRIGGER open_invoices_write INSTEAD OF INSERT ON open_invoices FOR EACH ROW EXECUTE FUNCTION open_invoices_insert()",
        """
        CREATE MATERIALIZED VIEW customer_totals AS
        SELECT customer_id, positive_sum(total) AS owed, count(*) AS invoices FROM invoices GROUP BY customer_id
        """,
        "CREATE UNIQUE INDEX customer_totals_customer_idx ON customer_totals (customer_id)",
        // Rows, for the tenant that is imported.
        "INSERT INTO customers (contact, billing) VALUES ('a@example.com', ROW('1 Main St', 'Springfield', '12345')), "
            + "('b@example.com', NULL)",
        "INSERT INTO invoices (customer_id, total, status) SELECT id, 10 * id, 'sent' FROM customers",
        "INSERT INTO events (at, kind) VALUES ('2026-05-01', 'signup'), ('2030-01-01', 'later')",
    ]

    @Test func aTenantUsingEveryKindImportsPlansInSyncAndIsCreatedTheSame() async throws {
        let h = try await Harness.make(prefix: "whole_tenant")
        for role in Self.roles {
            try h.connection.execute(
                "DO $$ BEGIN CREATE ROLE \(role); EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        }
        try h.run(Self.ddl, in: "t1", createSchema: true)

        // Import: every kind comes back in the file, and the tenant verifies against it.
        let (declaration, notes) = try ImportRoundTripTests.importT1(h)
        #expect(notes.contains { $0.hasPrefix("verified: ") }, "\(notes)")
        #expect(declaration.enums.map(\.name) == ["invoice_status"])
        #expect(declaration.domains.map(\.name) == ["email"])
        #expect(declaration.compositeTypes.map(\.name) == ["address"])
        #expect(declaration.sequences.map(\.name) == ["invoice_number"])
        #expect(Set(declaration.functions.map(\.name))
                == ["add_positive", "cents", "open_invoices_insert", "positive_sum", "touch_updated_at"])
        #expect(Set(declaration.views.map(\.name)) == ["customer_totals", "open_invoices"])
        #expect(declaration.view(named: "open_invoices")?.triggers.map(\.name) == ["open_invoices_write"])
        #expect(declaration.view(named: "customer_totals")?.indexes.map(\.name) == ["customer_totals_customer_idx"])
        let invoices = try #require(declaration.table(named: "invoices"))
        #expect(invoices.policies.map(\.name).sorted() == ["invoices_app", "invoices_unpaid"])
        #expect(invoices.rowSecurity?.enabled == true)
        #expect(invoices.exclusions.map(\.name) == ["invoices_no_overlap"])
        #expect(invoices.grants?.isEmpty == false)
        #expect(declaration.table(named: "events")?.partitions.map(\.name) == ["events_2026", "events_rest"])
        #expect(declaration.table(named: "page_cache")?.unlogged == true)
        #expect(declaration.table(named: "customers")?.triggers.map(\.name) == ["customers_touch"])
        #expect(declaration.table(named: "customers")?.indexes.first?.comment == "newest first")

        // The tenant plans in sync against its own file; a new tenant is created from it.
        let plan = try h.plan(declaration, tenants: ["t1", "fresh"])
        let own = try #require(plan.changeSets.first { $0.tenants.values.contains { $0.contains("t1") } })
        #expect(own.inSync, "\(own.changes.map(\.sql))")
        #expect(plan.changeSets.flatMap(\.held).isEmpty, "\(plan.changeSets.flatMap(\.held))")
        let report = try h.apply(plan)
        #expect(report.succeeded, "\(describe(report))")
        #expect(try h.fingerprint("fresh") == (try h.fingerprint("t1")))
        // The conformance corpus's catalog comparison, independent of tenantplan's reflector.
        let made = try CatalogSnapshot.read("fresh", on: h.connection)
        let built = try CatalogSnapshot.read("t1", on: h.connection)
        #expect(made.lines.count > 90, "\(made.lines)")
        if let difference = built.difference(to: made, "t1", "fresh") { Issue.record("\(difference)") }
        let again = try h.plan(declaration, tenants: ["t1", "fresh"])
        let allInSync = again.changeSets.allSatisfy(\.inSync)
        #expect(allInSync)

        // The new tenant behaves as the old one does.
        try h.run([
            "INSERT INTO customers (contact) VALUES ('c@example.com')",
            "INSERT INTO open_invoices (customer_id, total) SELECT id, 5 FROM customers",
            "UPDATE customers SET updated_at = '2000-01-01' WHERE contact = 'c@example.com'",
            "INSERT INTO events (at, kind) VALUES ('2026-02-02', 'signup'), ('2031-01-01', 'later')",
        ], in: "fresh")
        #expect(try h.rows("SELECT number FROM invoices", in: "fresh") == [["1000"]])
        #expect(try h.rows("SELECT updated_at > '2001-01-01' FROM customers", in: "fresh") == [["t"]])
        #expect(try h.rows("SELECT tableoid::regclass::text FROM events ORDER BY at", in: "fresh")
                == [["events_2026"], ["events_rest"]])
        #expect(try h.rows("SELECT count(*) FROM invoices", in: "t1") == [["2"]])
        try h.connection.execute("GRANT USAGE ON SCHEMA fresh TO wt_reporting")
        try h.connection.execute("UPDATE fresh.invoices SET status = 'paid'")
        try h.connection.execute("SET ROLE wt_reporting")
        let seen = try h.rows("SELECT count(*) FROM fresh.invoices")
        try h.connection.execute("RESET ROLE")
        #expect(seen == [["0"]], "the policy hides paid invoices from reporting")
    }
}
