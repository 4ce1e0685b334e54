import Apply
import Foundation
import Testing

/// The apply report and progress as people read them, with no server: summaries
/// instead of a line per tenant, colour, the note after an interrupt, a lock
/// timeout's holders and hint, and the progress lines.
@Suite struct ApplyReportTextTests {
    static func result(_ tenant: String, _ outcome: Outcome, failure: TenantResult.Failure? = nil,
                       database: String = "main") -> TenantResult {
        TenantResult(database: database, tenant: tenant, outcome: outcome, changeSet: 1, attempts: 1, failure: failure)
    }

    static let holder = LockHolder(pid: 4242, application: "billing", state: "idle in transaction",
                                   transactionSeconds: 41.2, query: "LOCK TABLE acme.orders IN ACCESS EXCLUSIVE MODE")

    static let lockFailure = TenantResult.Failure(
        sqlState: "55P03", message: "canceling statement due to lock timeout",
        statement: #"ALTER TABLE "orders" ADD COLUMN "extra" integer"#,
        lock: LockContention(relation: "acme.orders", lockTimeout: "5s", timeouts: 3, holders: [holder]))

    @Test func alreadyAppliedAndNotStartedTenantsAreOneCappedLineEach() {
        let done = (1...299).map { Self.result(String(format: "t%03d", $0), .alreadyApplied) }
        let rest = (300...312).map { Self.result(String(format: "t%03d", $0), .notStarted) }
        let report = ApplyReport(results: done.reversed() + rest)
        let lines = report.text().components(separatedBy: "\n")
        #expect(lines == [
            "  already applied: 299 tenants: t001, t002, t003, t004, t005, t006, t007, t008, t009, t010 and 289 more",
            "  not started: 13 tenants: t300, t301, t302, t303, t304, t305, t306, t307, t308, t309 and 3 more",
            "Apply: 0 applied, 299 already applied, 0 stale, 0 failed, 13 not started.",
        ])
        // Verbose: a line per tenant, as before.
        #expect(report.text(verbose: true).components(separatedBy: "\n").count == 299 + 13 + 1)
        #expect(ApplyReport(results: [Self.result("solo", .alreadyApplied)]).text()
                == "  already applied: 1 tenant: solo\nApply: 0 applied, 1 already applied, 0 stale, 0 failed, 0 not started.")
    }

    @Test func tenantsOfSeveralDatabasesAreNamedWithTheirDatabase() {
        let report = ApplyReport(results: [Self.result("acme", .alreadyApplied), Self.result("acme", .alreadyApplied, database: "eu")])
        #expect(report.text().hasPrefix("  already applied: 2 tenants: eu/acme, main/acme\n"))
    }

    @Test func aLockTimeoutNamesTheHoldersAndSaysWhatToDo() {
        let report = ApplyReport(results: [Self.result("acme", .failed, failure: Self.lockFailure), Self.result("b", .applied)])
        #expect(report.text().components(separatedBy: "\n") == [
            "  acme  failed: 55P03 canceling statement due to lock timeout",
            #"      statement: ALTER TABLE "orders" ADD COLUMN "extra" integer"#,
            "      blocked by: pid 4242 (billing, idle in transaction, transaction open 41 s): LOCK TABLE acme.orders IN ACCESS EXCLUSIVE MODE",
            "      hint: a session holds a lock on acme.orders; tenantplan waited --lock-timeout 5s, 3 times; retry later, end that session, or raise --lock-timeout",
            "Apply: 1 applied, 0 already applied, 0 stale, 1 failed, 0 not started.",
        ])
        var unseen = Self.lockFailure.lock!
        unseen.holders = []
        unseen.relation = nil
        unseen.timeouts = 1
        #expect(unseen.hint == "tenantplan waited --lock-timeout 5s, once, for a lock that another session held; retry later, or raise --lock-timeout")
        var two = Self.lockFailure.lock!
        two.holders.append(Self.holder)
        #expect(two.hint.hasPrefix("2 sessions hold or wait for a lock on acme.orders; tenantplan waited --lock-timeout 5s, 3 times;"))
    }

    @Test func aHolderOfAnotherRoleIsShownAsFarAsItMayBeSeen() {
        let hidden = LockHolder(pid: 7, application: "", state: "", transactionSeconds: nil, query: "<insufficient privilege>")
        #expect(hidden.summary == "pid 7 (no application_name): <insufficient privilege>")
        let multiline = LockHolder(pid: 8, application: "app", state: "active", transactionSeconds: 125,
                                   query: "UPDATE orders\nSET total = 0")
        #expect(multiline.summary == "pid 8 (app, active, transaction open 2 min 5 s): UPDATE orders SET total = 0")
    }

    @Test func theJSONKeepsEveryTenantAndTheLockDetails() throws {
        let report = ApplyReport(results: [Self.result("acme", .failed, failure: Self.lockFailure)]
                                 + (1...30).map { Self.result("t\($0)", .alreadyApplied) })
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect((object["results"] as? [Any])?.count == 31)
        #expect(object["interrupted"] == nil)
        let failure = try #require(((object["results"] as? [[String: Any]])?.first?["failure"]) as? [String: Any])
        let lock = try #require(failure["lock"] as? [String: Any])
        #expect(lock["relation"] as? String == "acme.orders")
        #expect(lock["lock_timeout"] as? String == "5s")
        #expect(lock["timeouts"] as? Int == 3)
        let holder = try #require((lock["holders"] as? [[String: Any]])?.first)
        #expect(Set(holder.keys) == ["pid", "application", "state", "transaction_seconds", "query"])
        #expect(holder["pid"] as? Int == 4242)
        // Round trip.
        let decoded = try JSONDecoder().decode(ApplyReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.results == report.results)
    }

    @Test func anInterruptedRunEndsWithANoteAndCountsTheRolledBack() throws {
        let cancelled = TenantResult.Failure(sqlState: "57014", message: "canceling statement due to user request")
        let report = ApplyReport(
            results: [Self.result("a", .applied), Self.result("b", .interrupted, failure: cancelled),
                      Self.result("c", .notStarted), Self.result("d", .notStarted)],
            stoppedReason: "interrupted: no further tenants were started", interrupted: true)
        #expect(report.text().components(separatedBy: "\n") == [
            "  b  interrupted: rolled back (57014 canceling statement due to user request)",
            "  not started: 2 tenants: c, d",
            "Interrupted: 2 tenants not started, 1 rolled back; run the same apply again to continue.",
            "Apply: 1 applied, 0 already applied, 0 stale, 0 failed, 2 not started, 1 interrupted.",
        ])
        #expect(!report.succeeded)
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(object["interrupted"] as? Bool == true)
        #expect((object["counts"] as? [String: Int])?["interrupted"] == 1)
        #expect(try JSONDecoder().decode(ApplyReport.self, from: JSONEncoder().encode(report)).interrupted)

        let nothingLeft = ApplyReport(results: [Self.result("a", .applied)], interrupted: true)
        #expect(nothingLeft.interruptionNote == "Interrupted: every tenant had started and finished; nothing was left undone by the interrupt.")
    }

    @Test func failuresAreRedAndStaleYellowOnlyWithColour() {
        let report = ApplyReport(results: [
            Self.result("f", .failed, failure: TenantResult.Failure(sqlState: "23502", message: "null values")),
            Self.result("s", .stale), Self.result("ok", .applied),
        ])
        let coloured = report.text(color: true)
        #expect(coloured.contains("  f  \u{1B}[31mfailed: 23502 null values\u{1B}[0m"), "\(coloured)")
        #expect(coloured.contains("  s  \u{1B}[33mstale: its state changed since the plan was made; plan again\u{1B}[0m"))
        #expect(!report.text().contains("\u{1B}"))
    }

    // MARK: Progress

    static func wait(_ seconds: Double) -> LockWait {
        LockWait(relation: "acme.orders", seconds: seconds, holders: [holder])
    }

    @Test func progressShowsLockWaitsLongStepsAndRetries() {
        let progress = ApplyProgress(
            finished: 108, total: 300, failed: 2, elapsed: 9,
            active: [
                .init(tenant: "acme", database: "main", attempt: 2, attempts: 4, step: "running its changes", seconds: 3.1,
                      lockWait: Self.wait(3.1)),
                .init(tenant: "big", database: "eu", attempt: 1, attempts: 4, step: "running its changes", seconds: 31),
                .init(tenant: "quick", database: "main", attempt: 1, attempts: 4, step: "committing", seconds: 0.1),
            ],
            retries: [.init(tenant: "globex", database: "main", attempt: 1, attempts: 4,
                            failure: .init(sqlState: "55P03", message: "canceling statement due to lock timeout"),
                            holders: [Self.holder])])
        #expect(progress.headline == "applying: 108/300 tenants done, 2 failed, 3 in flight (12.0/s, ETA 16 s)")
        #expect(progress.lines == [
            progress.headline,
            "  acme: waiting 3.1 s for a lock on acme.orders (attempt 2 of 4); blocked by pid 4242 (billing, idle in transaction, transaction open 41 s): LOCK TABLE acme.orders IN ACCESS EXCLUSIVE MODE",
            "  eu/big: running its changes for 31 s (attempt 1 of 4)",
            "  globex: attempt 1 of 4 failed: 55P03 canceling statement due to lock timeout; trying again; blocked by pid 4242 (billing, idle in transaction, transaction open 41 s): LOCK TABLE acme.orders IN ACCESS EXCLUSIVE MODE",
        ])
        #expect(progress.statusLine == progress.headline + "; acme waiting 3.1 s for a lock on acme.orders held by pid 4242")
        #expect(progress.retryLines == [progress.lines[3]])
    }

    @Test func progressCapsEachKindOfLine() {
        let waiting = (1...8).map {
            ApplyProgress.Activity(tenant: "t\($0)", database: "main", attempt: 1, attempts: 1, step: "taking its lock",
                                   seconds: Double($0), lockWait: Self.wait(Double($0)))
        }
        let progress = ApplyProgress(finished: 0, total: 8, elapsed: 1, active: waiting, interruption: .stopping)
        #expect(progress.headline == "applying: 0/8 tenants done, 8 in flight; interrupted: no new tenant starts")
        #expect(progress.events.count == ApplyProgress.shown + 1)
        #expect(progress.events.first?.hasPrefix("  t8: waiting 8.0 s") == true, "longest first")
        #expect(progress.events.last == "  ... and 3 more tenants waiting for locks")
        #expect(progress.statusLine.hasSuffix("; t8 waiting 8.0 s for a lock on acme.orders held by pid 4242 (8 waiting)"))
    }
}
