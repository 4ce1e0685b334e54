import Foundation
import Postgres
import SQLSyntax
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interrupts and feedback while applying, with the built binary and real signals
/// (SPEC §2): SIGINT or SIGTERM lets the tenants in flight finish or roll back,
/// prints the report with a note and exits 130; a second interrupt rolls back at
/// once; `plan` exits 130 without a plan file. Progress shows lock waits (and who
/// holds the lock) and retries while they happen; a lock timeout names the
/// blocking session; failures are red on a terminal only.
@Suite struct InterruptTests {
    /// Forty tenants with a row each, planned to get `orders.extra`.
    static func fortyTenants(_ prefix: String) async throws -> (SafetySite, [String]) {
        let site = try await SafetySite.make(prefix)
        let tenants = (1...40).map { String(format: "t%02d", $0) }
        try site.write("tenants.yaml", tenantsYAML(tenants))
        try site.write("schema.yaml", SafetyTests.ordersSchema())
        try await site.planAndApply()
        for tenant in tenants {
            try site.execute("INSERT INTO \(quoteIdentifier(tenant)).orders (id, note) VALUES (1, $1)", ["row of \(tenant)"])
        }
        try site.write("schema.yaml", SafetyTests.ordersSchema(extra: "      extra: { type: integer }\n"))
        let plan = try await site.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")
        return (site, tenants)
    }

    /// A session of the site's database holding `table` in ACCESS SHARE mode (enough
    /// to block the applier's ALTER TABLE), in an open transaction.
    static func hold(_ site: SafetySite, _ table: String, application: String = "psql") throws -> Connection {
        let holder = try site.connect()
        try holder.execute("SELECT set_config('application_name', $1, false)", [application])
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE \(table) IN ACCESS SHARE MODE")
        return holder
    }

    /// Polls `run`'s standard error until it contains `text`.
    static func waitForStandardError(_ run: BackgroundTenantplan, containing text: String, timeout: TimeInterval = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let err = try? String(contentsOf: run.stderrURL, encoding: .utf8), err.contains(text) { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw TestSupportError("stderr never said '\(text)'")
    }

    // MARK: The first interrupt

    /// Two workers wait at t05 and t06 behind held locks (lock timeout 60 s) when
    /// SIGINT arrives: nothing new starts, the two finish once the locks go, the
    /// report lists the rest as not started with the note, and the exit is 130.
    @Test func aFirstInterruptFinishesTheTenantsInFlightReportsAndExits130() async throws {
        let (site, tenants) = try await Self.fortyTenants("intr_once")
        let holders = try ["t05", "t06"].map { try Self.hold(site, "\($0).orders") }
        defer { for holder in holders { holder.close() } }
        let run = try site.start(["apply", site.path("plan.json"), "--parallel", "2", "--lock-timeout", "60s"], name: "apply")
        defer { run.kill(SIGKILL) }  // a no-op once it exited
        let first = try await site.waitForApplierWaitingOnLock(statementPrefix: #"ALTER TABLE "orders""#)
        _ = try await site.waitForApplierWaitingOnLock(statementPrefix: #"ALTER TABLE "orders""#, not: first)

        run.kill(SIGINT)
        try await Self.waitForStandardError(run, containing: "SIGINT: interrupted; starting no new tenant")
        #expect(run.isRunning, "the run waits for its tenants in flight")
        for holder in holders { try holder.execute("ROLLBACK") }
        let result = try await run.finish(timeout: 60)

        #expect(result.exitCode == 130, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "  not started: 34 tenants: t07, t08, t09, t10, t11, t12, t13, t14, t15, t16 and 24 more",
            "warning: database 'main': --lock-timeout 60s is not below the server's deadlock_timeout 1s: a deadlock with the application may be broken by aborting the application's transaction instead of tenantplan's; use a lock timeout below 1s",
            "Interrupted: 34 tenants not started; run the same apply again to continue.",
            "Apply: 6 applied, 0 already applied, 0 stale, 0 failed, 34 not started.",
        ], "\(result)")
        // Each tenant is before or after its change, with its row.
        for (i, tenant) in tenants.enumerated() {
            let expected = i < 6 ? ["id", "note", "extra"] : ["id", "note"]
            #expect(try site.columns(tenant, "orders") == expected, "\(tenant)")
            #expect(try site.query("SELECT note FROM \(quoteIdentifier(tenant)).orders") == [["row of \(tenant)"]])
        }

        // The same apply again finishes the job.
        let again = try await site.tenantplan(["apply", "plan.json"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.stdout.contains("  already applied: 6 tenants: t01, t02, t03, t04, t05, t06\n"), "\(again)")
        #expect(again.stdout.contains("Apply: 34 applied, 6 already applied, 0 stale, 0 failed, 0 not started."), "\(again)")
        try await site.expectInSync()
    }

    // MARK: The second interrupt

    /// SIGTERM, then SIGINT, while tenant_b has altered `accounts` and waits at
    /// `orders` under a 60 s lock timeout: the wait is cancelled at once, both of
    /// tenant_b's changes roll back, and the JSON report says so.
    @Test func aSecondInterruptRollsBackTheTenantInFlightAtOnce() async throws {
        let (site, holder) = try await SafetyTests.twoTableSiteWithHeldLock("intr_twice")
        defer { holder.close() }
        let run = try site.start(["apply", site.path("plan.json"), "--parallel", "1", "--lock-timeout", "60s",
                                  "--format", "json"], name: "apply")
        defer { run.kill(SIGKILL) }
        _ = try await site.waitForApplierWaitingOnLock(statementPrefix: #"ALTER TABLE "orders""#)
        run.kill(SIGTERM)
        try await Self.waitForStandardError(run, containing: "SIGTERM: interrupted; starting no new tenant")
        // A first interrupt cancels nothing.
        _ = try await site.waitForApplierWaitingOnLock(statementPrefix: #"ALTER TABLE "orders""#, timeout: 1)
        let started = Date()
        run.kill(SIGINT)
        let result = try await run.finish(timeout: 50)
        let elapsed = Date().timeIntervalSince(started)

        #expect(result.exitCode == 130, "\(result)")
        #expect(elapsed < 10, "rolled back \(elapsed) s after the second interrupt, not at the 60 s lock timeout")
        #expect(result.stderr.contains("SIGINT: interrupted again; rolling back the tenants in flight"), "\(result)")
        let report = try ApplyJSON.decode(result)
        #expect(report.outcomes == ["tenant_a": "applied", "tenant_b": "interrupted", "tenant_c": "not_started"], "\(result)")
        #expect(report.result("tenant_b")?.failure?.sqlstate == SQLState.queryCanceled.rawValue, "\(result)")
        #expect(report.counts["interrupted"] == 1 && report.succeeded == false)
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["interrupted"] as? Bool == true)
        // tenant_b is untouched: its first change went with the transaction.
        #expect(try site.columns("tenant_b", "accounts") == ["id"])
        #expect(try site.columns("tenant_b", "orders") == ["id", "note"])
        #expect(try site.query("SELECT note FROM tenant_b.orders") == [["keep me"]])
        try await site.waitForNoApplierSessions()

        try holder.execute("ROLLBACK")
        let again = try await site.tenantplan(["apply", "plan.json", "--format", "json"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(try ApplyJSON.decode(again).outcomes
                == ["tenant_a": "already_applied", "tenant_b": "applied", "tenant_c": "applied"], "\(again)")
        try await site.expectInSync()
    }

    /// A server that accepts connections and never answers: `apply` hangs while it
    /// checks the database. The first interrupt waits for that check (it starts no
    /// tenant), the second exits at once, changing nothing.
    @Test func aSecondInterruptBeforeAnyTenantStartsExitsAtOnce() async throws {
        let site = try await SafetySite.make("intr_hang")
        try site.write("tenants.yaml", tenantsYAML(["t1"]))
        try site.write("schema.yaml", SafetyTests.ordersSchema())
        let plan = try await site.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")
        let socket = try SilentServer(path: site.path(".s.PGSQL.5432"))
        defer { socket.close() }
        let run = try site.start(["apply", site.path("plan.json"), "--database-url",
                                  "host=\(site.directory.path) port=5432 dbname=nowhere user=nobody"], name: "apply")
        defer { run.kill(SIGKILL) }
        // Connected: the signal handlers are in place (installed before any connection).
        try await SafetySite.onOwnThread { try socket.acceptOne(timeout: 60) }
        run.kill(SIGINT)
        try await Self.waitForStandardError(run, containing: "SIGINT: interrupted; starting no new tenant")
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(run.isRunning, "the first interrupt waits for the database check")
        run.kill(SIGINT)
        let result = try await run.finish(timeout: 10)
        #expect(result.exitCode == 130, "\(result)")
        #expect(result.stderr.contains("SIGINT: interrupted again while no tenant is being applied; exiting now"), "\(result)")
        #expect(try site.query("SELECT 1 FROM pg_namespace WHERE nspname = 't1'").isEmpty, "nothing was applied")
    }

    // MARK: plan

    /// `plan` interrupted while it discovers tenants (a query that sleeps): exit 130
    /// at once, the plan file of an earlier run untouched, no temporary file left.
    static let sleepy = "select n.nspname from pg_namespace n, pg_sleep(60) where n.nspname = 't1'"

    @Test func anInterruptedPlanExits130AndWritesNoPlanFile() async throws {
        let site = try await SafetySite.make("intr_plan")
        try site.write("schema.yaml", SafetyTests.ordersSchema())
        try site.write("tenants.yaml", tenantsYAML(["t1"]))
        try await site.planAndApply()
        let earlier = try Data(contentsOf: URL(fileURLWithPath: site.path("plan.json")))
        try site.write("tenants.yaml", """
            version: 1
            discover:
              - { query: "\(Self.sleepy)" }

            """)
        let before = try FileManager.default.contentsOfDirectory(atPath: site.directory.path).sorted()
        let run = try site.start(["plan", "--schema", site.path("schema.yaml"), "--tenants", site.path("tenants.yaml"),
                                  "--out", site.path("plan.json")], name: "plan")
        defer { run.kill(SIGKILL) }
        // Interrupt while the discovery query sleeps.
        let deadline = Date().addingTimeInterval(30)
        while try site.query("SELECT 1 FROM pg_stat_activity WHERE starts_with(query, $1)", [Self.sleepy]).isEmpty {
            if !run.isRunning || Date() > deadline {
                Issue.record("the discovery query never ran: \(try await run.finish(timeout: 5))")
                return
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let started = Date()
        run.kill(SIGINT)
        let result = try await run.finish(timeout: 65)
        #expect(result.exitCode == 130, "\(result)")
        // Well under the query's 60 s: the interrupt cancelled it (10 s was once
        // exceeded, at 11.3 s, on a machine running four builds).
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.stderr.contains("SIGINT: interrupted; no plan file was written"), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: site.path("plan.json"))) == earlier)
        let after = try FileManager.default.contentsOfDirectory(atPath: site.directory.path).sorted()
        #expect(after == (before + ["plan.err", "plan.out"]).sorted(), "\(after)")
    }

    // MARK: Progress and lock timeouts

    /// tenant_b waits at `orders` behind a session named `billing` (6 s lock timeout,
    /// one retry). Without a terminal, progress lines every five seconds show the
    /// wait while it lasts, with the holder, and then the retry; the report names
    /// the holder and says what to do.
    @Test func progressShowsLockWaitsAndRetriesAndALockTimeoutNamesTheHolder() async throws {
        let (site, first) = try await SafetyTests.twoTableSiteWithHeldLock("intr_progress")
        first.close()
        let holder = try Self.hold(site, "tenant_b.orders", application: "billing")
        defer { holder.close() }
        let holderPID = holder.backendPID
        let (result, elapsed) = try await site.timedTenantplan(
            ["apply", "plan.json", "--parallel", "1", "--lock-timeout", "6s", "--retries", "1"], timeout: 90)
        #expect(result.exitCode == 1, "\(result)")
        #expect(elapsed < 30, "\(elapsed) s")

        let progress = result.stderr.split(separator: "\n").map(String.init)
        #expect(!result.stderr.contains("\r") && !hasEscape(result.stderr), "\(result.stderr)")
        #expect(progress.contains { $0.hasPrefix("applying: 1/3 tenants done, 1 in flight") }, "\(result.stderr)")
        let blocked = "; blocked by pid \(holderPID) (billing, idle in transaction, transaction open "
        #expect(progress.contains { $0.hasPrefix("  tenant_b: waiting ") && $0.contains(" for a lock on tenant_b.orders (attempt 1 of 2)" + blocked) },
                "\(result.stderr)")
        #expect(progress.contains {
            $0.hasPrefix("  tenant_b: attempt 1 of 2 failed: 55P03 canceling statement due to lock timeout; trying again (")
                && $0.contains(" of --lock-budget left)" + blocked)
                && $0.hasSuffix("): LOCK TABLE tenant_b.orders IN ACCESS SHARE MODE")
        }, "\(result.stderr)")

        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  tenant_b  failed: 55P03 canceling statement due to lock timeout"), "\(result)")
        #expect(lines.contains { $0.hasPrefix("      blocked by: pid \(holderPID) (billing, idle in transaction, transaction open ")
                                 && $0.hasSuffix("): LOCK TABLE tenant_b.orders IN ACCESS SHARE MODE") }, "\(result)")
        #expect(lines.contains { $0.hasPrefix("      hint: a session holds a lock on tenant_b.orders; tenantplan waited --lock-timeout 6s, 2 times over ")
                                 && $0.hasSuffix(" (--lock-budget 30s); retry later, end that session, or raise --retries or --lock-budget") },
                "\(result)")
        #expect(try site.columns("tenant_b", "accounts") == ["id"])
    }

    /// The report on a terminal: the failed tenant in red; with NO_COLOR, no escape at all.
    @Test func failuresAreRedOnATerminalOnly() async throws {
        let w = try await Workspace.make(prefix: "intr_colour")
        try w.write("tenants.yaml", "version: 1\ntenants: [t1, t2]\n")
        try w.write("schema.yaml", SafetyTests.ordersSchema())
        #expect(try await w.tenantplan(["plan"]).exitCode == 0)
        #expect(try await w.tenantplan(["apply", "plan.json"]).exitCode == 0)
        _ = try w.query("INSERT INTO t1.orders VALUES (1, 'fine'), (2, NULL)")
        try w.write("schema.yaml", SafetyTests.ordersSchema(note: "{ type: text, nullable: false }"))
        #expect(try await w.tenantplan(["plan", "--transactional"]).exitCode == 0)

        let plain = try await w.tenantplanOnTerminal(["apply", "plan.json"], environment: ["NO_COLOR": "1"])
        #expect(plain.exitCode == 1, "\(plain.terminal)")
        #expect(plain.terminal.contains("t1  failed: 23502 "), "\(plain.terminal)")
        #expect(!hasEscape(plain.terminal), "\(plain.terminal)")

        let coloured = try await w.tenantplanOnTerminal(["apply", "plan.json"])
        #expect(coloured.exitCode == 1, "\(coloured.terminal)")
        #expect(coloured.terminal.contains("t1  \u{1B}[31mfailed: 23502 "), "\(coloured.terminal)")
        #expect(coloured.terminal.contains("already applied: 1 tenant: t2"), "\(coloured.terminal)")

        let piped = try await w.tenantplan(["apply", "plan.json"])
        #expect(piped.exitCode == 1 && !hasEscape(piped.stdout), "\(piped)")
    }
}

/// A Unix socket that takes connections and never answers.
final class SilentServer: Sendable {
    let descriptor: Int32
    let path: String
    private let accepted = Mutex<[Int32]>([])

    init(path: String) throws {
        self.path = path
        #if canImport(Glibc)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = Darwin.socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestSupportError("socket failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw TestSupportError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            closeDescriptor(fd)
            throw TestSupportError("cannot listen on \(path): errno \(errno)")
        }
        descriptor = fd
    }

    /// Waits for a client to connect and accepts it (keeping it open, unanswered).
    func acceptOne(timeout: TimeInterval) throws {
        var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, Int32(timeout * 1000)) == 1 else {
            throw TestSupportError("nothing connected to \(path) within \(Int(timeout)) s")
        }
        let client = accept(descriptor, nil, nil)
        guard client >= 0 else { throw TestSupportError("accept failed: errno \(errno)") }
        accepted.withLock { $0.append(client) }
    }

    func close() {
        for client in accepted.withLock({ $0 }) { closeDescriptor(client) }
        closeDescriptor(descriptor)
        unlink(path)
    }
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
