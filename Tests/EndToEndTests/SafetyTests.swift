import SQLSyntax
import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `apply` under real faults (docs/guarantees.md): a held lock, a slow statement, two appliers
/// at once, `kill -9` at a random moment, a terminated backend, failing tenants with
/// a canary and a failure budget, destructive changes, hostile names. Every fault is
/// made for real against the test server and the built binary, then the database is
/// checked: each tenant is before or after its change, never in between, and running
/// `apply` again (or a new `plan`) finishes the job.
@Suite struct SafetyTests {
    // MARK: 1. A held lock

    @Test func aLockedTableFailsOnlyItsTenantInBoundedTimeAndARerunFinishes() async throws {
        let site = try await SafetySite.make("safety_lock")
        try site.write("tenants.yaml", tenantsYAML(["tenant_a", "tenant_b", "tenant_c"]))
        try site.write("schema.yaml", Self.ordersSchema())
        try await site.planAndApply()
        try site.execute(#"INSERT INTO tenant_b.orders (id, note) VALUES (1, 'keep me')"#)

        try site.write("schema.yaml", Self.ordersSchema(extra: "      extra: { type: integer }\n"))
        let plan = try await site.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("Change 3 tenants (1 change): tenant_a, tenant_b, tenant_c"), "\(plan)")

        // Another session holds tenant_b.orders.
        let holder = try site.connect()
        defer { holder.close() }
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE tenant_b.orders IN ACCESS EXCLUSIVE MODE")

        let (apply, elapsed) = try await site.timedTenantplan(
            ["apply", "plan.json", "--lock-timeout", "200ms", "--retries", "1", "--format", "json"], timeout: 60)
        #expect(elapsed < 15, "apply took \(elapsed) s behind a held lock")
        #expect(apply.exitCode == 1, "\(apply)")
        let report = try ApplyJSON.decode(apply)
        #expect(report.succeeded == false)
        #expect(report.outcomes == ["tenant_a": "applied", "tenant_b": "failed", "tenant_c": "applied"], "\(apply)")
        let failed = try #require(report.result("tenant_b"))
        #expect(failed.failure?.sqlstate == SQLState.lockNotAvailable.rawValue, "\(apply)")
        #expect(failed.failure?.message == "canceling statement due to lock timeout", "\(apply)")
        #expect(failed.attempts == 2, "one try plus --retries 1: \(apply)")
        #expect(report.result("tenant_a")?.attempts == 1 && report.result("tenant_c")?.attempts == 1)
        #expect(report.counts["applied"] == 2 && report.counts["failed"] == 1 && report.counts["not_started"] == 0)

        // tenant_b is untouched; the others have the column.
        #expect(try site.columns("tenant_b", "orders") == ["id", "note"])
        #expect(try site.columns("tenant_a", "orders") == ["id", "note", "extra"])
        #expect(try site.columns("tenant_c", "orders") == ["id", "note", "extra"])
        try holder.execute("ROLLBACK")

        // The same plan again: only tenant_b still needs it.
        let again = try await site.tenantplan(["apply", "plan.json", "--format", "json"])
        #expect(again.exitCode == 0, "\(again)")
        let second = try ApplyJSON.decode(again)
        #expect(second.outcomes == ["tenant_a": "already_applied", "tenant_b": "applied", "tenant_c": "already_applied"],
                "\(again)")
        #expect(try site.columns("tenant_b", "orders") == ["id", "note", "extra"])
        #expect(try site.query("SELECT note FROM tenant_b.orders") == [["keep me"]])
        try await site.expectInSync()
    }

    // MARK: 2. A statement that runs too long

    @Test func aStatementTimeoutFailsTheSlowTenantAndChangesNothingThere() async throws {
        let site = try await SafetySite.make("safety_stmt")
        try site.write("tenants.yaml", tenantsYAML(["big", "small"]))
        let events = """
            version: 1
            tables:
              events:
                columns:
                  id: { type: bigint, nullable: false }
                  payload: { type: text, nullable: false }

            """
        try site.write("schema.yaml", events)
        try await site.planAndApply()
        try site.execute("INSERT INTO big.events SELECT g, md5(g::text) FROM generate_series(1, 200000) g")
        // Done now, autovacuum's ANALYZE of the new rows cannot hold the table when the
        // index build wants it: its lock timeout would be a first, retried attempt.
        try site.execute("VACUUM ANALYZE big.events")

        try site.write("schema.yaml", events + """
                indexes:
                  events_payload_md5_idx: { columns: ["md5(repeat(payload, 2000))"] }

            """)
        let plan = try await site.tenantplan(["plan", "--transactional"])
        try #require(plan.exitCode == 0, "\(plan)")

        // Hashing 64 kB per row, the big tenant's index takes about 10 s unloaded; the
        // small tenant's, on an empty table, a few milliseconds. A second is far from
        // both, even on a busy machine where the small tenant's reads take hundreds.
        let apply = try await site.tenantplan(["apply", "plan.json", "--statement-timeout", "1s", "--format", "json"])
        #expect(apply.exitCode == 1, "\(apply)")
        let report = try ApplyJSON.decode(apply)
        #expect(report.outcomes == ["big": "failed", "small": "applied"], "\(apply)")
        let big = try #require(report.result("big"))
        #expect(big.failure?.sqlstate == SQLState.queryCanceled.rawValue, "\(apply)")
        #expect(big.failure?.message == "canceling statement due to statement timeout", "\(apply)")
        #expect(big.failure?.statement?.hasPrefix(#"CREATE INDEX "events_payload_md5_idx""#) == true, "\(apply)")
        #expect(big.attempts == 1, "a statement timeout is not retried: \(apply)")

        #expect(try site.indexes("big") == [])
        #expect(try site.indexes("small") == ["events_payload_md5_idx"])
        #expect(try site.query("SELECT count(*) FROM big.events") == [["200000"]])
        let replan = try await site.tenantplan(["plan", "--detailed-exitcode"])
        #expect(replan.exitCode == 2, "\(replan)")
        #expect(replan.stdout.contains("Change 1 tenant (1 change): big"), "\(replan)")
        #expect(replan.stdout.contains("In sync: 1 tenant: small"), "\(replan)")
    }

    // MARK: 3. Two appliers at once

    @Test func twoAppliersStartedTogetherApplyEachTenantExactlyOnce() async throws {
        let site = try await SafetySite.make("safety_two")
        let tenants = (1...20).map { String(format: "shop_%02d", $0) }
        try site.write("tenants.yaml", tenantsYAML(tenants))
        try site.write("schema.yaml", try String(contentsOf: packageRoot.appendingPathComponent("schema.yaml"), encoding: .utf8))
        let plan = try await site.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")

        let args = ["apply", site.path("plan.json"), "--parallel", "4", "--format", "json"]
        let first = try site.start(args, name: "first")
        defer { first.kill(SIGKILL) }  // a no-op once it exited: a failing test leaves no process behind
        let second = try site.start(args, name: "second")
        defer { second.kill(SIGKILL) }
        let one = try await first.finish(timeout: 120)
        let two = try await second.finish(timeout: 120)
        #expect(one.exitCode == 0, "\(one)")
        #expect(two.exitCode == 0, "\(two)")
        let a = try ApplyJSON.decode(one)
        let b = try ApplyJSON.decode(two)
        #expect(a.results.map(\.tenant).sorted() == tenants, "\(one)")
        #expect(b.results.map(\.tenant).sorted() == tenants, "\(two)")
        for tenant in tenants {
            let pair = [a.outcomes[tenant] ?? "?", b.outcomes[tenant] ?? "?"].sorted()
            #expect(pair == ["already_applied", "applied"], "\(tenant): \(pair)")
        }
        #expect((a.counts["applied"] ?? 0) + (b.counts["applied"] ?? 0) == tenants.count)
        try await site.expectInSync()
    }

    // MARK: 4. kill -9

    @Test func killingApplyAtRandomMomentsLeavesEveryTenantBeforeOrAfterItsChange() async throws {
        let site = try await SafetySite.make("safety_kill")
        let tenants = (1...40).map { String(format: "t%02d", $0) }
        try site.write("tenants.yaml", tenantsYAML(tenants))
        let base = try String(contentsOf: packageRoot.appendingPathComponent("schema.yaml"), encoding: .utf8)
        let country = "      country:    { type: char(2), comment: ISO 3166-1 alpha-2 code }\n"
        try #require(base.contains(country))
        try #require(base.components(separatedBy: "\ntables:\n").count == 2)
        // Round 1 creates the tenants; rounds 2 and 3 change the ones that exist and create the rest.
        let versions = [
            base,
            base.replacingOccurrences(of: "\ntables:\n", with: """

                tables:
                  audit_log:
                    columns:
                      id:  { type: bigint, identity: always }
                      at:  { type: timestamptz, nullable: false, default: now() }
                      what: { type: text, nullable: false }
                    primary_key: [id]
                    indexes:
                      audit_log_at_idx: { columns: [at] }

                """),
        ]
        let third = versions[1].replacingOccurrences(
            of: country, with: country + "      loyalty:    { type: integer, nullable: false, default: 0 }\n")
        let rounds = versions + [third]
        // How many tenants a round has brought to its new state (a committed tenant shows all of it).
        let progress = [
            "SELECT count(*) FROM pg_namespace n WHERE n.nspname = ANY($1::text[])",
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[]) AND c.relname = 'audit_log'
            """,
            """
            SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[]) AND c.relname = 'customers' AND a.attname = 'loyalty'
            """,
        ]
        var interrupted = 0
        for (round, schema) in rounds.enumerated() {
            try site.write("schema.yaml", schema)
            let planned = try await site.tenantplan(["plan", "--out", "round\(round).json", "--format", "json"])
            try #require(planned.exitCode == 0, "\(planned)")
            let plan = try PlanJSON.decode(planned.stdout)
            let expected = plan.tenantStates()
            #expect(expected.count == tenants.count)

            // kill -9 at a random moment once the run is under way (the first tenant
            // committed), timed on a plain thread so that a busy test run cannot delay it.
            let delay = Double.random(in: 0...0.4)
            let run = try site.start(["apply", site.path("round\(round).json"), "--parallel", "2"], name: "round\(round)")
            defer { run.kill(SIGKILL) }
            Self.kill(run, delay: delay, afterOneOf: tenants, reaches: progress[round], in: site.db)
            let result = try await run.finish(timeout: 30)
            #expect(result.exitCode == 128 + SIGKILL || result.exitCode == 0, "round \(round): \(result)")

            // The process and its sessions are gone.
            #expect(!run.isAlive)
            #expect(processes(mentioning: site.directory.path) == [], "a tenantplan process outlived kill -9")
            try await site.waitForNoApplierSessions()

            // Every tenant is in the state its change set starts from or the one it leads to.
            let check = try await site.tenantplan(["plan", "--out", "check\(round).json", "--format", "json"])
            try #require(check.exitCode == 0, "\(check)")
            let now = try PlanJSON.decode(check.stdout).tenantStates()
            var done = 0
            for tenant in tenants {
                let (from, to) = try #require(expected[tenant])
                let current = try #require(now[tenant]).from
                #expect(current == from || current == to,
                        "round \(round) (killed \(delay) s after a first tenant): \(tenant) is in state \(current.prefix(12)), neither \(from.prefix(12)) nor \(to.prefix(12))")
                if current == to && from != to { done += 1 }
            }
            if done > 0 && done < tenants.count { interrupted += 1 }
            // Nothing but the tenants was created.
            let schemas = try site.query(#"SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', '_tenantplan') ORDER BY 1"#)
                .compactMap { $0[0] }
            #expect(Set(schemas).isSubset(of: Set(tenants + ["public"])), "\(schemas)")
        }
        #expect(interrupted >= 1, "no round was killed part-way; the kill delays need tuning")

        // Running it again finishes the job.
        let finish = try await site.tenantplan(["plan"])
        try #require(finish.exitCode == 0, "\(finish)")
        let apply = try await site.tenantplan(["apply", "plan.json", "--format", "json"])
        #expect(apply.exitCode == 0, "\(apply)")
        #expect(try ApplyJSON.decode(apply).succeeded)
        try await site.expectInSync()
        #expect(try site.columns("t40", "customers").contains("loyalty"))
    }

    /// On a plain thread: waits until `sql` (given the tenant names) counts more than it
    /// did at the start, sleeps `delay` seconds, and kills `run` with SIGKILL.
    static func kill(_ run: BackgroundTenantplan, delay: TimeInterval, afterOneOf tenants: [String],
                     reaches sql: String, in db: TestDatabase) {
        let names = "{" + tenants.joined(separator: ",") + "}"
        Thread.detachNewThread {
            if let c = try? db.connect() {
                defer { c.close() }
                let start = (try? c.query(sql, [names]).scalar).flatMap { $0.flatMap { Int($0) } } ?? 0
                let deadline = Date().addingTimeInterval(60)
                while run.isRunning && Date() < deadline {
                    let now = (try? c.query(sql, [names]).scalar).flatMap { $0.flatMap { Int($0) } } ?? 0
                    if now > start { break }
                    Thread.sleep(forTimeInterval: 0.002)
                }
            }
            Thread.sleep(forTimeInterval: delay)
            run.kill(SIGKILL)
        }
    }

    // MARK: 5. A terminated backend

    @Test func aTerminatedBackendIsReconnectedAndRetriedWithNothingHalfDone() async throws {
        let (site, holder) = try await Self.twoTableSiteWithHeldLock("safety_term")
        defer { holder.close() }
        let run = try site.start(["apply", site.path("plan.json"), "--lock-timeout", "30s", "--retries", "2",
                                  "--parallel", "2", "--format", "json"], name: "apply")
        defer { run.kill(SIGKILL) }  // a no-op once it exited: a failing test leaves no process behind
        // tenant_b's session has added accounts.tier and waits to alter orders.
        let first = try await site.waitForApplierWaitingOnLock(statementPrefix: #"ALTER TABLE "orders""#)
        #expect(try site.columns("tenant_b", "accounts") == ["id"], "an uncommitted change is visible")
        #expect(try site.query("SELECT pg_terminate_backend($1::int)", [String(first)]) == [["t"]])

        // The applier reconnects and tries tenant_b again, from the start.
        let retry = try await site.waitForApplierWaitingOnLock(statementPrefix: #"ALTER TABLE "orders""#, not: first)
        #expect(retry != first)
        try holder.execute("ROLLBACK")
        let result = try await run.finish(timeout: 60)
        #expect(result.exitCode == 0, "\(result)")
        let report = try ApplyJSON.decode(result)
        #expect(report.outcomes == ["tenant_a": "applied", "tenant_b": "applied", "tenant_c": "applied"], "\(result)")
        #expect(report.result("tenant_b")?.attempts == 2, "\(result)")
        #expect(try site.columns("tenant_b", "accounts") == ["id", "tier"])
        #expect(try site.columns("tenant_b", "orders") == ["id", "note", "extra"])
        #expect(try site.query("SELECT note FROM tenant_b.orders") == [["keep me"]])
        try await site.expectInSync()
    }

    @Test func aTerminatedBackendWithoutRetriesFailsItsTenantUntouchedAndARerunFinishes() async throws {
        let (site, holder) = try await Self.twoTableSiteWithHeldLock("safety_term0")
        defer { holder.close() }
        let run = try site.start(["apply", site.path("plan.json"), "--lock-timeout", "30s", "--retries", "0",
                                  "--parallel", "2", "--format", "json"], name: "apply")
        defer { run.kill(SIGKILL) }  // a no-op once it exited: a failing test leaves no process behind
        let pid = try await site.waitForApplierWaitingOnLock(statementPrefix: #"ALTER TABLE "orders""#)
        #expect(try site.query("SELECT pg_terminate_backend($1::int)", [String(pid)]) == [["t"]])
        let result = try await run.finish(timeout: 60)
        #expect(result.exitCode == 1, "\(result)")
        let report = try ApplyJSON.decode(result)
        #expect(report.outcomes == ["tenant_a": "applied", "tenant_b": "failed", "tenant_c": "applied"], "\(result)")
        let failed = try #require(report.result("tenant_b"))
        #expect(failed.attempts == 1)
        #expect(failed.failure?.sqlstate == SQLState.adminShutdown.rawValue, "\(result)")
        #expect(failed.failure?.message == "terminating connection due to administrator command", "\(result)")
        // Neither of tenant_b's two changes is there.
        #expect(try site.columns("tenant_b", "accounts") == ["id"])
        #expect(try site.columns("tenant_b", "orders") == ["id", "note"])
        try holder.execute("ROLLBACK")

        let again = try await site.tenantplan(["apply", "plan.json", "--format", "json"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(try ApplyJSON.decode(again).outcomes
                == ["tenant_a": "already_applied", "tenant_b": "applied", "tenant_c": "already_applied"], "\(again)")
        try await site.expectInSync()
    }

    /// Three tenants with `accounts` and `orders`, a plan adding a column to each table,
    /// and a session holding ACCESS SHARE on tenant_b.orders: the applier reads
    /// tenant_b and alters `accounts`, then waits at `orders`.
    static func twoTableSiteWithHeldLock(_ prefix: String) async throws -> (SafetySite, Connection) {
        let site = try await SafetySite.make(prefix)
        try site.write("tenants.yaml", tenantsYAML(["tenant_a", "tenant_b", "tenant_c"]))
        func schema(_ tier: String, _ extra: String) -> String {
            """
            version: 1
            tables:
              accounts:
                columns:
                  id: { type: bigint, nullable: false }
            \(tier)    primary_key: [id]
              orders:
                columns:
                  id: { type: bigint, nullable: false }
                  note: { type: text }
            \(extra)    primary_key: [id]

            """
        }
        try site.write("schema.yaml", schema("", ""))
        try await site.planAndApply()
        try site.execute(#"INSERT INTO tenant_b.orders (id, note) VALUES (1, 'keep me')"#)
        try site.write("schema.yaml", schema("      tier: { type: integer }\n", "      extra: { type: integer }\n"))
        let plan = try await site.tenantplan(["plan", "--format", "json"])
        try #require(plan.exitCode == 0, "\(plan)")
        let sets = try PlanJSON.decode(plan.stdout).changeSets
        try #require(sets.count == 1)
        #expect(sets[0].changes.map(\.sql) == [#"ALTER TABLE "accounts" ADD COLUMN "tier" integer"#,
                                               #"ALTER TABLE "orders" ADD COLUMN "extra" integer"#])
        let holder = try site.connect()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE tenant_b.orders IN ACCESS SHARE MODE")
        return (site, holder)
    }

    // MARK: 6. Canary and failure budget

    @Test func aFailingCanaryStopsTheRunAndTheFailureBudgetStopsStartingTenants() async throws {
        let site = try await SafetySite.make("safety_canary")
        let tenants = (1...10).map { String(format: "c%02d", $0) }
        try site.write("tenants.yaml", tenantsYAML(tenants))
        try site.write("schema.yaml", Self.ordersSchema())
        try await site.planAndApply()
        for tenant in tenants {
            let bad = tenant == "c02" || tenant == "c07"
            try site.execute("INSERT INTO \(quoteIdentifier(tenant)).orders (id, note) VALUES (1, $1)", [bad ? nil : "fine"])
        }
        // Rows do not change a tenant's state: one change set for all ten.
        try site.write("schema.yaml", Self.ordersSchema(note: "{ type: text, nullable: false }"))
        let plan = try await site.tenantplan(["plan", "--transactional", "--format", "json"])
        try #require(plan.exitCode == 0, "\(plan)")
        let sets = try PlanJSON.decode(plan.stdout).changeSets
        try #require(sets.count == 1)
        #expect(sets[0].tenants["main"] == tenants)
        #expect(sets[0].changes.map(\.sql) == [#"ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL"#])

        let canary = try await site.tenantplan(["apply", "plan.json", "--canary", "3", "--format", "json"])
        #expect(canary.exitCode == 1, "\(canary)")
        let report = try ApplyJSON.decode(canary)
        var expected = Dictionary(uniqueKeysWithValues: tenants.map { ($0, "not_started") })
        expected["c01"] = "applied"
        expected["c02"] = "failed"
        expected["c03"] = "applied"
        #expect(report.outcomes == expected, "\(canary)")
        #expect(report.result("c02")?.failure?.sqlstate == SQLState.notNullViolation.rawValue, "\(canary)")
        #expect(report.stoppedReason?.contains("canary") == true, "\(canary)")
        #expect(report.results.filter { $0.outcome == "not_started" }.allSatisfy { $0.attempts == 0 })
        #expect(try site.notNull(tenants) == ["c01": true, "c02": false, "c03": true, "c04": false, "c05": false,
                                              "c06": false, "c07": false, "c08": false, "c09": false, "c10": false])

        // One tenant at a time, stop after the first failure: c02 again.
        let budget = try await site.tenantplan(["apply", "plan.json", "--max-failures", "1", "--parallel", "1"])
        #expect(budget.exitCode == 1, "\(budget)")
        let lines = budget.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("  already applied: 1 tenant: c01"), "\(budget)")
        #expect(lines.contains(#"  c02  failed: 23502 column "note" of relation "orders" contains null values"#), "\(budget)")
        #expect(lines.contains(#"      statement: ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL"#), "\(budget)")
        #expect(lines.contains("  not started: 8 tenants: " + tenants.dropFirst(2).joined(separator: ", ")), "\(budget)")
        #expect(lines.contains("Stopped early: 1 tenant(s) failed, reaching --max-failures 1; no further tenants were started"),
                "\(budget)")
        #expect(lines.last(where: { !$0.isEmpty }) == "Apply: 0 applied, 1 already applied, 0 stale, 1 failed, 8 not started.",
                "\(budget)")
        #expect(try site.notNull(tenants).filter(\.value).keys.sorted() == ["c01", "c03"])

        // With the data fixed the same plan finishes.
        for tenant in ["c02", "c07"] {
            try site.execute("UPDATE \(quoteIdentifier(tenant)).orders SET note = 'fixed'")
        }
        let finish = try await site.tenantplan(["apply", "plan.json", "--canary", "3", "--max-failures", "1"])
        #expect(finish.exitCode == 0, "\(finish)")
        #expect(finish.stdout.contains("Apply: 8 applied, 2 already applied, 0 stale, 0 failed, 0 not started."), "\(finish)")
        try await site.expectInSync()
    }

    // MARK: 7. Destructive changes

    @Test func undeclaredObjectsAreKeptUnlessDestructiveChangesAreAllowed() async throws {
        let site = try await SafetySite.make("safety_destructive")
        try site.write("tenants.yaml", tenantsYAML(["alpha", "beta"]))
        try site.write("schema.yaml", Self.ordersSchema())
        try await site.planAndApply()
        // What the Alembic recipe leaves behind, and a column someone added by hand.
        try site.execute("""
            CREATE TABLE alpha.alembic_version (version_num varchar(32) NOT NULL,
                                                CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))
            """)
        try site.execute("INSERT INTO alpha.alembic_version VALUES ('ae1027a6acf')")
        try site.execute("ALTER TABLE alpha.orders ADD COLUMN legacy text")
        try site.execute("INSERT INTO alpha.orders (id, note, legacy) VALUES (1, 'n', 'old data')")

        let plan = try await site.tenantplan(["plan", "--detailed-exitcode"])
        #expect(plan.exitCode == 0, "undeclared objects kept are in sync: \(plan)")
        #expect(plan.stdout.contains("In sync, keeping objects not in schema.yaml: 1 tenant: alpha"), "\(plan)")
        #expect(plan.stdout.contains("  ! column orders.legacy: column orders.legacy is not in schema.yaml; dropping it loses its data; plan with --allow column:orders.legacy to allow it"), "\(plan)")
        #expect(plan.stdout.contains("  ! table alembic_version: table alembic_version is not in schema.yaml; dropping it loses its rows; plan with --allow table:alembic_version to allow it"), "\(plan)")
        #expect(plan.stdout.contains("Plan: 0 tenants to create, 0 to change, 2 in sync."), "\(plan)")
        #expect(!plan.stdout.contains("Warning"), "\(plan)")
        let apply = try await site.tenantplan(["apply", "plan.json"])
        #expect(apply.exitCode == 0, "\(apply)")
        #expect(try site.query("SELECT version_num FROM alpha.alembic_version") == [["ae1027a6acf"]])
        #expect(try site.query("SELECT legacy FROM alpha.orders") == [["old data"]])

        let destructive = try await site.tenantplan(["plan", "--allow-destructive"])
        #expect(destructive.exitCode == 0, "\(destructive)")
        #expect(destructive.stdout.contains("Change 1 tenant (2 changes): alpha"), "\(destructive)")
        #expect(destructive.stdout.contains("  - column orders.legacy  [data_loss, drops_unmanaged_object]"), "\(destructive)")
        #expect(destructive.stdout.contains("  - table alembic_version  [data_loss, drops_unmanaged_object]"), "\(destructive)")
        #expect(destructive.stdout.contains("Warning: this plan drops data or undeclared objects (2 destructive changes)."),
                "\(destructive)")
        let show = try await site.tenantplan(["show", "plan.json"])
        #expect(show.exitCode == 0, "\(show)")
        #expect(show.stdout.contains(#"DROP TABLE "alembic_version""#), "\(show)")
        #expect(show.stdout.contains(#"ALTER TABLE "orders" DROP COLUMN "legacy""#), "\(show)")
        #expect(show.stdout.contains("Warning: this plan drops data"), "\(show)")

        let drop = try await site.tenantplan(["apply", "plan.json"])
        #expect(drop.exitCode == 0, "\(drop)")
        #expect(try site.tables("alpha") == ["orders"])
        #expect(try site.columns("alpha", "orders") == ["id", "note"])
        #expect(try site.query("SELECT id, note FROM alpha.orders") == [["1", "n"]])
        try await site.expectInSync()
    }

    // MARK: 8. Hostile names and injection

    static let hostileTenants = [#"Ten"ant"#, "a;drop schema public cascade;--", "Ünïcode Tenant"]

    static let hostileSchema = #"""
        version: 1
        enums:
          'Stätus "E"; x': ['a''b', 'c;d', 'Ünï "q"']
        tables:
          'Or"ders; DROP TABLE x':
            comment: "it's \"quoted\"; -- not a comment"
            columns:
              'Id "x"': { type: bigint, nullable: false }
              'Nämé; --': { type: text, default: "'it''s; \"q\"'" }
              'Ünïcode Spalte': { type: integer }
              'CamelCase': { type: '"Stätus ""E""; x"', default: "'c;d'" }
            primary_key: [ 'Id "x"' ]
            unique:
              'Uniq"ue; Key': [ 'Nämé; --' ]
            indexes:
              'Idx "Ünï"; x': { columns: [ '"Ünïcode Spalte"' ] }
            checks:
              'Chk; "pos"': '"Ünïcode Spalte" > 0'
          'Líne Ítems':
            columns:
              'Order "Id"': { type: bigint, nullable: false }
            foreign_keys:
              'FK; "to" orders':
                columns: ['Order "Id"']
                references: { table: 'Or"ders; DROP TABLE x', columns: ['Id "x"'] }

        """#

    @Test func hostileTenantAndObjectNamesAreCreatedExactlyAndPublicIsUntouched() async throws {
        let site = try await SafetySite.make("safety_hostile")
        try site.execute("CREATE TABLE public.sentinel (id integer PRIMARY KEY)")
        try site.execute("INSERT INTO public.sentinel VALUES (42)")
        let publicBefore = try site.publicObjects()
        try site.write("tenants.yaml", tenantsYAML(Self.hostileTenants))
        try site.write("schema.yaml", Self.hostileSchema)

        try await site.planAndApply()
        try await site.expectInSync()

        let schemas = try site.query(#"SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', 'public', '_tenantplan') ORDER BY nspname COLLATE "C""#)
        #expect(schemas.map { $0[0] } == Self.hostileTenants.sorted().map { Optional($0) })
        for tenant in Self.hostileTenants {
            #expect(try site.relations(tenant) == [
                "FK; \"to\" orders": "c:f", "Chk; \"pos\"": "c:c", "Idx \"Ünï\"; x": "i", "Líne Ítems": "r",
                "Or\"ders; DROP TABLE x": "r", "Or\"ders; DROP TABLE x_pkey": "i", "Uniq\"ue; Key": "i",
            ], "\(tenant)")
            #expect(try site.columns(tenant, #"Or"ders; DROP TABLE x"#) == [#"Id "x""#, "Nämé; --", "Ünïcode Spalte", "CamelCase"])
            #expect(try site.columns(tenant, "Líne Ítems") == [#"Order "Id""#])
            #expect(try site.query("""
                SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
                JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2 ORDER BY e.enumsortorder
                """, [tenant, #"Stätus "E"; x"#]) == [["a'b"], ["c;d"], [#"Ünï "q""#]])
            #expect(try site.query("""
                SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2
                """, [tenant, #"Or"ders; DROP TABLE x"#]) == [[#"it's "quoted"; -- not a comment"#]])
        }
        // The objects work as declared.
        let first = quoteIdentifier(Self.hostileTenants[1])
        try site.execute(#"INSERT INTO \#(first)."Or""ders; DROP TABLE x" ("Id ""x""", "Ünïcode Spalte") VALUES (1, 5)"#)
        #expect(try site.query(#"SELECT "Nämé; --", "CamelCase"::text FROM \#(first)."Or""ders; DROP TABLE x""#)
                == [[#"it's; "q""#, "c;d"]])

        #expect(try site.publicObjects() == publicBefore)
        #expect(try site.query("SELECT id FROM public.sentinel") == [["42"]])
    }

    @Test(arguments: [
        ("1); DROP TABLE public.sentinel; CREATE TABLE public.pwned (a int", "cannot insert multiple commands into a prepared statement"),
        ("1); DROP TABLE public.sentinel; --", "syntax error"),
    ])
    func sqlInjectedIntoADefaultIsRefusedAndChangesNothing(_ injection: String, _ message: String) async throws {
        let site = try await SafetySite.make("safety_inject")
        try site.execute("CREATE TABLE public.sentinel (id integer PRIMARY KEY)")
        try site.execute("INSERT INTO public.sentinel VALUES (42)")
        let publicBefore = try site.publicObjects()
        try site.write("tenants.yaml", tenantsYAML(["victim"]))
        let escaped = injection.replacingOccurrences(of: "\"", with: "\\\"")
        try site.write("schema.yaml", """
            version: 1
            tables:
              victim:
                columns:
                  id: { type: integer, default: "\(escaped)" }

            """)
        let plan = try await site.tenantplan(["plan", "--out", "injected.json"])
        #expect(plan.exitCode == 1, "\(plan)")
        #expect(plan.stderr.contains("schema.yaml:3:3: error: PostgreSQL rejects this declaration: \(message)"), "\(plan)")
        #expect(plan.stderr.contains("(SQLSTATE 42601)"), "\(plan)")
        #expect(!FileManager.default.fileExists(atPath: site.path("injected.json")))
        #expect(try site.query("SELECT id FROM public.sentinel") == [["42"]])
        #expect(try site.query("SELECT to_regclass('public.pwned')::text") == [[nil]])
        #expect(try site.publicObjects() == publicBefore)
        #expect(try site.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'victim'") == [["0"]])
    }

    // MARK: Schemas

    /// One `orders` table; `extra` adds column lines.
    static func ordersSchema(note: String = "{ type: text }", extra: String = "") -> String {
        """
        version: 1
        tables:
          orders:
            columns:
              id: { type: bigint, nullable: false }
              note: \(note)
        \(extra)    primary_key: [id]

        """
    }
}

// MARK: - Support

/// `tenants.yaml` listing `names`, each single-quoted for YAML.
func tenantsYAML(_ names: [String]) -> String {
    "version: 1\ntenants:\n" + names.map { "  - '\($0.replacingOccurrences(of: "'", with: "''"))'\n" }.joined()
}

/// A directory for `schema.yaml`, `tenants.yaml` and plans, and a database of its own.
final class SafetySite: Sendable {
    let directory: URL
    let db: TestDatabase

    static func make(_ prefix: String) async throws -> SafetySite {
        try await SafetySite.onOwnThread { try SafetySite(prefix) }
    }

    private init(_ prefix: String) throws {
        _ = try TestCluster.shared()
        directory = try temporaryDirectory()
        db = try TestCluster.shared().createDatabase(prefix: prefix)
    }

    deinit { db.drop() }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    /// Runs the binary to completion in this directory, against this database.
    func tenantplan(_ args: [String], timeout: TimeInterval = 120) async throws -> CommandResult {
        let env = db.environment
        let dir = directory
        return try await Self.onOwnThread { try runTenantplan(args, environment: env, currentDirectory: dir, timeout: timeout) }
    }

    /// `tenantplan`, and how long the process ran, measured on the thread that waits for it.
    func timedTenantplan(_ args: [String], timeout: TimeInterval = 120) async throws -> (CommandResult, TimeInterval) {
        let env = db.environment
        let dir = directory
        return try await Self.onOwnThread {
            let started = Date()
            let result = try runTenantplan(args, environment: env, currentDirectory: dir, timeout: timeout)
            return (result, Date().timeIntervalSince(started))
        }
    }

    /// Starts the binary in the background; its output goes to files here.
    func start(_ args: [String], name: String) throws -> BackgroundTenantplan {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        for key in ["HOME", "LANG"] { env[key] = ProcessInfo.processInfo.environment[key] }
        env.merge(db.environment) { _, given in given }
        return try BackgroundTenantplan(
            binary: try tenantplanBinary(), arguments: args, environment: env,
            stdout: directory.appendingPathComponent("\(name).out"), stderr: directory.appendingPathComponent("\(name).err"))
    }

    /// `plan` then `apply`, both expected to succeed.
    func planAndApply(sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        let plan = try await tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)", sourceLocation: sourceLocation)
        let apply = try await tenantplan(["apply", "plan.json"])
        try #require(apply.exitCode == 0, "\(apply)", sourceLocation: sourceLocation)
    }

    /// A new plan finds every tenant in sync.
    func expectInSync(sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        let plan = try await tenantplan(["plan", "--detailed-exitcode", "--out", "in-sync-check.json"])
        #expect(plan.exitCode == 0, "\(plan)", sourceLocation: sourceLocation)
        #expect(plan.stdout.contains(" 0 tenants to create, 0 to change, "), "\(plan)", sourceLocation: sourceLocation)
    }

    func connect() throws -> Connection { try db.connect() }

    func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        let connection = try connect()
        defer { connection.close() }
        return try connection.query(sql, parameters).rows
    }

    func execute(_ sql: String, _ parameters: [String?] = []) throws {
        _ = try query(sql, parameters)
    }

    /// The columns of `schema`.`table` in order (names bound as values, never spliced).
    func columns(_ schema: String, _ table: String) throws -> [String] {
        try query("""
            SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, [schema, table]).compactMap { $0[0] }
    }

    func tables(_ schema: String) throws -> [String] {
        try query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname COLLATE "C"
            """, [schema]).compactMap { $0[0] }
    }

    func indexes(_ schema: String) throws -> [String] {
        try query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1", [schema]).compactMap { $0[0] }
    }

    /// Every relation (`relkind`) and constraint (`c:contype`) of `schema` by name, but
    /// NOT NULL constraints (catalogued from PostgreSQL 18 on).
    func relations(_ schema: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for row in try query("""
            SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind <> 'S'
            UNION ALL
            SELECT co.conname, 'c:' || co.contype::text FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
            WHERE n.nspname = $1 AND co.contype IN ('c', 'f')
            """, [schema]) {
            out[row[0]!] = row[1]!
        }
        return out
    }

    /// Whether `orders.note` is NOT NULL, by tenant.
    func notNull(_ tenants: [String]) throws -> [String: Bool] {
        var out: [String: Bool] = [:]
        for row in try query("""
            SELECT n.nspname, a.attnotnull::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[]) AND c.relname = 'orders' AND a.attname = 'note'
            """, ["{" + tenants.joined(separator: ",") + "}"]) {
            out[row[0]!] = row[1] == "true"
        }
        return out
    }

    /// Every object of `public` (relations, types, functions) with its kind, for before/after comparisons.
    func publicObjects() throws -> [[String?]] {
        try query("""
            SELECT 'class', c.relname, c.relkind::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
            UNION ALL SELECT 'type', t.typname, t.typtype::text FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace
            UNION ALL SELECT 'proc', p.proname, p.prokind::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
            UNION ALL SELECT 'count', count(*)::text, '' FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
            ORDER BY 1, 2
            """)
    }

    /// Polls until a `tenantplan` session of this database waits on a lock while
    /// running a statement that starts with `statementPrefix`; returns its pid.
    func waitForApplierWaitingOnLock(statementPrefix: String, not excluded: Int32? = nil,
                                     timeout: TimeInterval = 60) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let rows = try query("""
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = 'tenantplan'
                  AND wait_event_type = 'Lock' AND starts_with(query, $1) AND pid <> $2::int
                """, [statementPrefix, String(excluded ?? 0)])
            if let value = rows.first?.first ?? nil, let pid = Int32(value) { return pid }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw TestSupportError("no tenantplan session waited on a lock at \(statementPrefix) within \(Int(timeout)) s")
    }

    /// Waits until no `tenantplan` session is connected to this database (a killed
    /// client's sessions end when the server notices the closed socket).
    func waitForNoApplierSessions(timeout: TimeInterval = 20) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var rows: [[String?]] = []
        while Date() < deadline {
            rows = try query("""
                SELECT pid::text, state, query FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = 'tenantplan'
                """)
            if rows.isEmpty { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        Issue.record("tenantplan sessions outlived the killed process: \(rows)")
    }

    /// Runs blocking work on a plain thread, keeping the cooperative pool free.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// The pids of processes (other than this one) whose command line mentions `text`.
func processes(mentioning text: String) -> [Int32] {
    #if os(Linux)
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
    }.sorted()
    #else
    return []
    #endif
}

/// A `tenantplan` process started with `posix_spawn` (not Foundation's `Process`, which
/// hangs under Swift Testing) that a test can kill. Output goes to files; the child
/// gets default signal handling, an empty signal mask and no descriptor but 0, 1, 2.
final class BackgroundTenantplan: Sendable {
    let pid: pid_t
    let stdoutURL: URL
    let stderrURL: URL
    private let status = Mutex<Int32?>(nil)
    private let exited = DispatchSemaphore(value: 0)

    init(binary: URL, arguments: [String], environment: [String: String], stdout: URL, stderr: URL) throws {
        stdoutURL = stdout
        stderrURL = stderr
        let child = try spawnChild(
            executable: binary.path, arguments: arguments, environment: environment,
            stdout: .truncate(stdout.path, mode: 0o644), stderr: .truncate(stderr.path, mode: 0o644))
        pid = child
        let spawned = child

        // Wait without reaping first, so that `kill` never hits a recycled pid.
        Thread.detachNewThread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(spawned), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            status.withLock { status in
                var raw: Int32 = 0
                while waitpid(spawned, &raw, 0) == -1 && errno == EINTR {}
                status = raw
            }
            exited.signal()
        }
    }

    /// Sends `signal` if the process has not been reaped yet.
    func kill(_ signal: Int32) {
        status.withLock { status in
            if status == nil { _ = sendSignal(pid, signal) }
        }
    }

    /// Whether the process has not exited yet.
    var isRunning: Bool {
        status.withLock { $0 == nil }
    }

    /// Whether the process still exists (not yet reaped, or reaped but somehow alive).
    var isAlive: Bool {
        let reaped = status.withLock { $0 != nil }
        return !reaped || sendSignal(pid, 0) == 0
    }

    private var rawStatus: Int32 {
        status.withLock { $0 ?? 0 }
    }

    /// Waits for the process to exit; kills it and throws after `timeout` seconds.
    func finish(timeout: TimeInterval) async throws -> CommandResult {
        let done = exited
        let finished: Bool = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: done.wait(timeout: .now() + timeout) == .success)
            }
        }
        if !finished {
            kill(SIGKILL)
            throw TestSupportError("tenantplan (pid \(pid)) did not finish within \(Int(timeout)) s; killed it.\n\(output(code: -1))")
        }
        done.signal()  // let a second `finish` return at once
        let raw = rawStatus
        let code: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return output(code: code)
    }

    private func output(code: Int32) -> CommandResult {
        let out = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return CommandResult(exitCode: code, stdout: out, stderr: err)
    }
}

/// `kill(2)`.
private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.kill(pid, signal)
    #else
    Darwin.kill(pid, signal)
    #endif
}

/// `apply --format json`, as far as these tests read it.
struct ApplyJSON: Decodable {
    struct Failure: Decodable {
        var sqlstate: String
        var message: String
        var statement: String?
    }

    struct Result: Decodable {
        var tenant: String
        var outcome: String
        var attempts: Int
        var failure: Failure?
    }

    var succeeded: Bool
    var counts: [String: Int]
    var stoppedReason: String?
    var results: [Result]

    enum CodingKeys: String, CodingKey {
        case succeeded, counts, results
        case stoppedReason = "stopped_reason"
    }

    static func decode(_ result: CommandResult) throws -> ApplyJSON {
        do {
            return try JSONDecoder().decode(ApplyJSON.self, from: Data(result.stdout.utf8))
        } catch {
            throw TestSupportError("not an apply report (\(error)):\n\(result)")
        }
    }

    var outcomes: [String: String] {
        Dictionary(results.map { ($0.tenant, $0.outcome) }, uniquingKeysWith: { a, b in "\(a)+\(b)" })
    }

    func result(_ tenant: String) -> Result? { results.first { $0.tenant == tenant } }
}

/// A plan file, as far as these tests read it.
struct PlanJSON: Decodable {
    struct Change: Decodable {
        var op: String
        var sql: String
    }

    struct ChangeSet: Decodable {
        var from: String
        var to: String
        var changes: [Change]
        var tenants: [String: [String]]
    }

    var changeSets: [ChangeSet]

    enum CodingKeys: String, CodingKey { case changeSets = "change_sets" }

    static func decode(_ text: String) throws -> PlanJSON {
        try JSONDecoder().decode(PlanJSON.self, from: Data(text.utf8))
    }

    /// Each tenant's (from, to) fingerprints.
    func tenantStates() -> [String: (from: String, to: String)] {
        var out: [String: (from: String, to: String)] = [:]
        for set in changeSets {
            for tenant in set.tenants.values.joined() { out[tenant] = (set.from, set.to) }
        }
        return out
    }
}
