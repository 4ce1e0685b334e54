import Apply
import Catalog
import Foundation
import Plan
import Planning
import State
import Testing
import TestSupport

/// Online forms against real tenants that hold rows: every kind converges,
/// a tenant stopped after any step resumes from it, an INVALID index left by a
/// failed concurrent build is rebuilt, and `--transactional` keeps the old form.
@Suite struct OnlineApplyTests {
    /// customers and orders as an application made them, without the keys,
    /// checks and indexes the declaration adds.
    static let before = [
        "CREATE TABLE customers (id bigint, email text, name text, \"Order\" integer)",
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric(12,2) NOT NULL, note text)",
        "CREATE INDEX orders_note_idx ON orders (note)",
    ]

    static let seed = [
        "INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'name ' || g, g FROM generate_series(1, 3000) g",
        "INSERT INTO orders SELECT g, 1 + g % 3000, g % 100, 'note ' || g FROM generate_series(1, 5000) g",
    ]

    /// `schema.yaml` for the two tables `before` makes: their columns as built (but the
    /// customers' columns in `notNull`, NOT NULL), and the lines `customers` and `orders` add
    /// under each table (keys, checks, indexes), indented as there.
    static func declaration(notNull: Set<String> = [], customers: String = "", orders: String) throws -> Declaration {
        func type(_ column: String, _ type: String) -> String {
            "{ type: \(type)\(notNull.contains(column) ? ", nullable: false" : "") }"
        }
        return try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              customers:
                columns:
                  id: { type: bigint }
                  email: \(type("email", "text"))
                  name: \(type("name", "text"))
                  Order: \(type("Order", "integer"))
            \(customers)
              orders:
                columns:
                  id: { type: bigint }
                  customer_id: { type: bigint }
                  total: { type: "numeric(12,2)", nullable: false }
                  note: text
                primary_key: [id]
            \(orders)
            """, file: "schema.yaml")
    }

    /// orders' check and foreign key to customers.
    static let ordersConstraints = """
            checks:
              orders_total_positive: "total >= 0"
            foreign_keys:
              orders_customer_id_fkey: { columns: [customer_id], references: { table: customers, columns: [id] } }
        """

    /// Every online kind at once: keys, a unique key, NOT NULLs, a check, a foreign key, indexes.
    static func declaration() throws -> Declaration {
        try declaration(notNull: ["email", "Order"], customers: """
                primary_key: [id]
                unique:
                  customers_email_key: [email]
                indexes:
                  customers_name_idx: { columns: [name] }
            """, orders: ordersConstraints + """

                indexes:
                  orders_note_idx: { columns: [lower(note)] }
            """)
    }

    /// The rows both tables hold, summed up.
    static func rowSummary(_ h: Harness, _ tenant: String) throws -> [[String?]] {
        try h.rows("SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), "
                   + "(SELECT sum(total) FROM orders), (SELECT count(DISTINCT email) FROM customers)", in: tenant)
    }

    static let rows: [[String?]] = [["3000", "5000", "247500.00", "3000"]]

    /// A populated tenant per name, built by hand.
    static func tenants(_ h: Harness, _ names: [String]) throws {
        for name in names { try h.run(before + seed, in: name, createSchema: true) }
    }

    /// The tenant's state, compared with a fresh tenant made from the declaration.
    static func expectDesired(_ h: Harness, _ tenant: String, _ declaration: Declaration,
                              sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        if try h.state("reference") == nil {
            let plan = try h.plan(declaration, tenants: ["reference"])
            _ = try h.apply(plan)
        }
        expectSameState(try h.state(tenant), try h.state("reference"), tenant, sourceLocation: sourceLocation)
        #expect(try h.rows("""
            SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relnamespace = $1::regnamespace AND NOT i.indisvalid
            """, [tenant]) == [["0"]], "no INVALID index in \(tenant)", sourceLocation: sourceLocation)
        #expect(try h.rows("""
            SELECT count(*) FROM pg_constraint WHERE connamespace = $1::regnamespace AND NOT convalidated
            """, [tenant]) == [["0"]], "no NOT VALID constraint in \(tenant)", sourceLocation: sourceLocation)
    }

    @Test("every online change kind converges on a populated tenant, in steps, and re-plans in sync")
    func converges() async throws {
        let h = try await Harness.make(prefix: "online")
        try Self.tenants(h, ["acme"])
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme"])
        let set = try #require(plan.changeSets.first { !$0.inSync })
        #expect(set.changes.map(\.op.rawValue) == [
            "drop_index_concurrently",
            "add_constraint_not_valid", "add_constraint_not_valid", "add_constraint_not_valid",
            "add_constraint_not_valid",
            "create_index_concurrently", "create_index_concurrently", "create_index_concurrently",
            "create_index_concurrently",
            "validate_constraint", "validate_constraint", "validate_constraint", "validate_constraint",
            "set_not_null", "set_not_null", "set_not_null",
            "add_constraint_using_index", "add_constraint_using_index",
            "drop_constraint", "drop_constraint", "drop_constraint", "add_constraint_not_valid", "validate_constraint",
        ])
        let steps = try #require(set.steps)
        #expect(steps.map(\.transactional) == [false, true, false, false, false, false, true, true, true])
        #expect(steps.map(\.changes).reduce(0, +) == set.changes.count)
        #expect(steps.last?.to == set.to)

        let report = try h.apply(plan)
        #expect(outcomes(report) == ["acme": .applied], "\(describe(report))")
        #expect(try Self.rowSummary(h, "acme") == Self.rows)
        try Self.expectDesired(h, "acme", declaration)
        let again = try h.plan(declaration, tenants: ["acme"])
        #expect(again.changeSets.allSatisfy { $0.inSync })
    }

    @Test("--transactional plans the single-transaction form, which converges too")
    func transactional() async throws {
        let h = try await Harness.make(prefix: "online_tx")
        try Self.tenants(h, ["acme"])
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme"], transactional: true)
        let set = try #require(plan.changeSets.first { !$0.inSync })
        let ops = Set(set.changes.map(\.op.rawValue))
        #expect(ops == ["drop_index", "set_not_null", "add_constraint", "create_index"])
        #expect(set.steps?.count == 1)
        #expect(set.steps?.first?.transactional == true)
        let report = try h.apply(plan)
        #expect(outcomes(report) == ["acme": .applied], "\(describe(report))")
        #expect(try Self.rowSummary(h, "acme") == Self.rows)
        try Self.expectDesired(h, "acme", declaration)
    }

    /// Runs the plan's first `count` steps by hand, as a run killed after them
    /// would leave the tenant: transactional steps in a transaction each, the
    /// others statement by statement.
    static func runSteps(_ h: Harness, _ set: PlanFile.ChangeSet, tenant: String, count: Int) throws {
        var start = 0
        for step in (set.steps ?? []).prefix(count) {
            let sqls = set.changes[start..<(start + step.changes)].map { $0.statement(tenant: tenant) }
            try h.run(step.transactional ? ["BEGIN"] + sqls + ["COMMIT"] : sqls, in: tenant)
            start += step.changes
        }
    }

    @Test("a tenant stopped after any step is at that step's recorded fingerprint, and apply resumes it to the desired state")
    func resumesFromEveryStep() async throws {
        let h = try await Harness.make(prefix: "online_resume")
        let declaration = try Self.declaration()
        try Self.tenants(h, ["probe"])
        let probe = try #require(try h.plan(declaration, tenants: ["probe"]).changeSets.first { !$0.inSync })
        let count = try #require(probe.steps?.count)
        let names = (1..<count).map { "stopped_\($0)" }
        try Self.tenants(h, names)
        let plan = try h.plan(declaration, tenants: names)
        let set = try #require(plan.changeSets.first { !$0.inSync })
        #expect(set.tenantCount == names.count)
        for (k, name) in zip(1..., names) {
            try Self.runSteps(h, set, tenant: name, count: k)
            // The fingerprint the plan recorded for the step is the state PostgreSQL shows.
            #expect(try h.fingerprint(name) == set.steps![k - 1].to, "after step \(k)")
        }
        let report = try h.apply(plan)
        #expect(outcomes(report) == Dictionary(uniqueKeysWithValues: names.map { ($0, Outcome.applied) }),
                "\(describe(report))")
        for name in names {
            #expect(try Self.rowSummary(h, name) == Self.rows)
            try Self.expectDesired(h, name, declaration)
        }
    }

    @Test("an INVALID index left by a failed concurrent build is dropped and rebuilt by the next run")
    func invalidIndexRebuilt() async throws {
        let h = try await Harness.make(prefix: "online_invalid")
        try Self.tenants(h, ["acme"])
        // Two customers share an email: the unique index cannot be built.
        try h.run(["UPDATE customers SET email = 'c1@example.com' WHERE id = 2"], in: "acme")
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme"])
        let first = try h.apply(plan)
        #expect(outcomes(first) == ["acme": .failed], "\(describe(first))")
        #expect(first.results.first?.failure?.sqlState == "23505")
        // The failed build left the index INVALID, and reflection says so.
        let state = try #require(try h.state("acme"))
        let index = try #require(state.table(named: "customers")?.index(named: "customers_email_key"))
        #expect(index.invalid)

        try h.run(["UPDATE customers SET email = 'c2@example.com' WHERE id = 2"], in: "acme")
        let second = try h.apply(plan)
        #expect(outcomes(second) == ["acme": .applied], "\(describe(second))")
        #expect(try Self.rowSummary(h, "acme") == Self.rows)
        try Self.expectDesired(h, "acme", declaration)
    }

    @Test("a fresh plan of a tenant with an INVALID index drops and rebuilds it, and validates a NOT VALID constraint")
    func replanAfterFailure() async throws {
        let h = try await Harness.make(prefix: "online_replan")
        try Self.tenants(h, ["acme"])
        try h.run([
            "CREATE UNIQUE INDEX customers_email_key ON customers (email)",
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'customers_email_key'::regclass",
            "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID",
        ], in: "acme")
        let declaration = try Self.declaration()
        let plan = try h.plan(declaration, tenants: ["acme"])
        let set = try #require(plan.changeSets.first { !$0.inSync })
        #expect(set.changes.contains { $0.op == .dropIndexConcurrently && $0.object == "index customers_email_key" })
        #expect(set.changes.contains { $0.op == .validateConstraint && $0.object.hasPrefix("constraint orders_total_positive") })
        #expect(!set.changes.contains { $0.op == .addConstraintNotValid && $0.object.hasPrefix("constraint orders_total_positive") })
        let report = try h.apply(plan)
        #expect(outcomes(report) == ["acme": .applied], "\(describe(report))")
        try Self.expectDesired(h, "acme", declaration)
    }

    /// orders' check and foreign key only: one stage adds both `NOT VALID`,
    /// commits unread, and the next validates both.
    static func constraintsOnly() throws -> Declaration {
        try declaration(customers: "    primary_key: [id]", orders: ordersConstraints + """

                indexes:
                  orders_note_idx: { columns: [note] }
            """)
    }

    @Test("NOT VALID, then VALIDATE: a row that breaks the check fails the tenant with the server's error, keeping its rows and the NOT VALID constraints; mended, the same plan finishes it")
    func validationFailsAfterTheUnreadStage() async throws {
        let h = try await Harness.make(prefix: "online_violated")
        try Self.tenants(h, ["acme", "clean"])
        try h.run(["ALTER TABLE customers ADD PRIMARY KEY (id)"], in: "acme")
        try h.run(["ALTER TABLE customers ADD PRIMARY KEY (id)"], in: "clean")
        let declaration = try Self.constraintsOnly()
        // Planned alike; then one order of `acme` breaks the check.
        let plan = try h.plan(declaration, tenants: ["acme", "clean"])
        let set = try #require(plan.changeSets.first { !$0.inSync })
        #expect(set.tenantCount == 2)
        #expect(set.changes.map(\.op) == [.addConstraintNotValid, .addConstraintNotValid,
                                          .validateConstraint, .validateConstraint])
        #expect(try #require(set.steps).map(\.transactional) == [true, true])
        try h.run(["UPDATE orders SET total = -1 WHERE id = 7"], in: "acme")

        let first = try h.apply(plan)
        #expect(outcomes(first) == ["acme": .failed, "clean": .applied], "\(describe(first))")
        #expect(first.results.first { $0.tenant == "acme" }?.failure?.sqlState == "23514")
        // The first step committed: both constraints are there, NOT VALID; every row is kept.
        #expect(try h.rows("""
            SELECT string_agg(conname || ' ' || convalidated, ', ' ORDER BY conname) FROM pg_constraint
            WHERE conrelid = 'orders'::regclass AND contype IN ('c', 'f')
            """, in: "acme") == [["orders_customer_id_fkey false, orders_total_positive false"]])
        #expect(try h.rows("SELECT count(*), sum(total) FROM orders", in: "acme") == [["5000", "247492.00"]])
        try Self.expectDesired(h, "clean", declaration)

        // Mended, the same plan takes the tenant on from the second step.
        try h.run(["UPDATE orders SET total = 7 WHERE id = 7"], in: "acme")
        let second = try h.apply(plan)
        #expect(outcomes(second) == ["acme": .applied, "clean": .alreadyApplied], "\(describe(second))")
        #expect(try Self.rowSummary(h, "acme") == Self.rows)
        try Self.expectDesired(h, "acme", declaration)
    }

    @Test("NOT NULL online on a column holding a NULL: the tenant fails at VALIDATE, keeping its rows and the NOT VALID temporary check; mended, the same plan and a new plan each finish it")
    func notNullOnAColumnHoldingANull() async throws {
        let h = try await Harness.make(prefix: "online_null")
        let tenants = ["resumed", "replanned"]
        try Self.tenants(h, tenants)
        let declaration = try Self.declaration(notNull: ["name"], orders: """
                indexes:
                  orders_note_idx: { columns: [note] }
            """)
        // A plan each, so that one tenant is taken on by its first plan, the other by a new one.
        let plans = try tenants.map { try h.plan(declaration, tenants: [$0]) }
        for plan in plans {
            let set = try #require(plan.changeSets.first { !$0.inSync })
            #expect(set.changes.map(\.op) == [.addConstraintNotValid, .validateConstraint, .setNotNull, .dropConstraint])
        }
        for tenant in tenants { try h.run(["UPDATE customers SET name = NULL WHERE id = 5"], in: tenant) }

        for (tenant, plan) in zip(tenants, plans) {
            let first = try h.apply(plan)
            #expect(outcomes(first) == [tenant: .failed], "\(describe(first))")
            #expect(first.results.first?.failure?.sqlState == "23514", "\(describe(first))")
        }
        for tenant in tenants {
            #expect(try h.rows("""
                SELECT conname, convalidated::text FROM pg_constraint WHERE conrelid = 'customers'::regclass
                """, in: tenant) == [["tenantplan_not_null_name", "false"]], "\(tenant)")
            #expect(try h.rows("SELECT count(*), count(name) FROM customers", in: tenant) == [["3000", "2999"]])
            try h.run(["UPDATE customers SET name = 'name 5' WHERE id = 5"], in: tenant)
        }

        // The same plan goes on from the VALIDATE; a new plan starts from the state as it is.
        let resumed = try h.apply(plans[0])
        #expect(outcomes(resumed) == ["resumed": .applied], "\(describe(resumed))")
        let replan = try h.plan(declaration, tenants: ["replanned"])
        let again = try #require(replan.changeSets.first { !$0.inSync })
        #expect(again.held.isEmpty)
        // The temporary check left behind is dropped and made again (see `OnlineForm.isTemporaryCheck`).
        #expect(again.changes.map(\.op) == [.dropConstraint, .addConstraintNotValid, .validateConstraint, .setNotNull,
                                            .dropConstraint])
        let replanned = try h.apply(replan)
        #expect(outcomes(replanned) == ["replanned": .applied], "\(describe(replanned))")
        for tenant in tenants {
            #expect(try Self.rowSummary(h, tenant) == Self.rows, "\(tenant)")
            #expect(try h.rows("SELECT count(*) FROM pg_constraint WHERE conrelid = 'customers'::regclass",
                               in: tenant) == [["0"]], "\(tenant)")
            try Self.expectDesired(h, tenant, declaration)
        }
    }
}
