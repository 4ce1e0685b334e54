import Testing
import Plan
import State

/// `ALTER TABLE "orders" ADD COLUMN "<column>" text`, or other SQL for the same object.
func addColumn(_ column: String, sql: String? = nil) -> Change {
    Change(op: .addColumn, action: .create, object: "column orders.\(column)",
           sql: sql ?? "ALTER TABLE \"orders\" ADD COLUMN \"\(column)\" text")
}

let mainDatabase = PlanFile.DatabaseEntry(name: "main", systemIdentifier: "7301", databaseName: "app",
                                          serverVersion: 150_000, desiredFingerprint: "desired")

/// A plan of change sets given as (changes, tenants of `main`); ids and
/// fingerprints made up, in-sync sets where `changes` is empty.
func reviewPlan(_ sets: [([Change], [String])], allowDestructive: Bool = false,
                databases: [PlanFile.DatabaseEntry] = [mainDatabase]) -> PlanFile {
    PlanFile(
        toolVersion: "0.1.0", createdAt: "2026-01-01T00:00:00Z", schemaSHA256: "0", allowDestructive: allowDestructive,
        databases: databases,
        changeSets: sets.enumerated().map { i, set in
            let from = String(repeating: "\(i % 10)", count: 64)
            return PlanFile.ChangeSet(id: i + 1, from: from, to: set.0.isEmpty ? from : "desired", changes: set.0,
                                      held: [], tenants: ["main": set.1])
        })
}

@Suite("plan --reviewed: comparing a fresh plan with the reviewed one")
struct ReviewTests {
    @Test("the same plan holds nothing new")
    func samePlan() throws {
        let plan = reviewPlan([([addColumn("coupon"), addColumn("gift")], ["acme", "globex"]), ([], ["initech"])])
        let difference = try plan.newSince(reviewed: plan, file: "reviewed.json")
        #expect(difference.isEmpty)
        #expect(difference == ReviewDifference())
        #expect(difference.tenantCount == 0)

        // The sample plan too: several databases, held changes, a create.
        #expect(try samplePlan().newSince(reviewed: samplePlan(), file: "reviewed.json").isEmpty)
    }

    /// Pull request A added `gift` and was applied; B's reviewed plan had
    /// `coupon` and `gift` (planned on A merged), the fresh plan only `coupon`.
    @Test("a tenant whose change list shrank holds nothing new")
    func shrank() throws {
        let reviewed = reviewPlan([([addColumn("coupon"), addColumn("gift")], ["acme", "globex", "initech"])])
        let fresh = reviewPlan([([addColumn("coupon")], ["acme", "globex"]), ([], ["initech"])])
        #expect(try fresh.newSince(reviewed: reviewed, file: "reviewed.json").isEmpty)
        // Order does not matter, only membership.
        let reordered = reviewPlan([([addColumn("gift"), addColumn("coupon")], ["acme"])])
        #expect(try reordered.newSince(reviewed: reviewed, file: "reviewed.json").isEmpty)
    }

    @Test("a change with different SQL is new")
    func differentSQL() throws {
        let reviewed = reviewPlan([([addColumn("coupon")], ["acme", "globex"])])
        let changed = addColumn("coupon", sql: "ALTER TABLE \"orders\" ADD COLUMN \"coupon\" varchar(20)")
        let fresh = reviewPlan([([changed], ["acme", "globex"])])
        let difference = try fresh.newSince(reviewed: reviewed, file: "reviewed.json")
        #expect(difference.groups == [
            ReviewDifference.Group(changeSet: 1, reviewed: .otherChanges, changes: [changed],
                                   tenants: ["main": ["acme", "globex"]]),
        ])
        #expect(difference.tenantCount == 2)
        #expect(difference.allowedBeyondReview.isEmpty)

        // Same SQL, other object or operation: new as well.
        var renamed = addColumn("coupon")
        renamed.object = "column orders.voucher"
        var otherOp = addColumn("coupon")
        otherOp.op = .alterColumnType
        for change in [renamed, otherOp] {
            let other = reviewPlan([([change], ["acme"])])
            #expect(try other.newSince(reviewed: reviewed, file: "reviewed.json").groups.map(\.changes) == [[change]])
        }
    }

    @Test("only the changes the review did not hold are listed")
    func onlyTheNewOnes() throws {
        let reviewed = reviewPlan([([addColumn("coupon")], ["acme"])])
        let fresh = reviewPlan([([addColumn("coupon"), addColumn("gift"), addColumn("note")], ["acme"])])
        let difference = try fresh.newSince(reviewed: reviewed, file: "reviewed.json")
        #expect(difference.groups.map(\.changes) == [[addColumn("gift"), addColumn("note")]])
    }

    @Test("a tenant that was in sync at review time and now needs a change is new")
    func wasInSync() throws {
        let reviewed = reviewPlan([([addColumn("coupon")], ["acme"]), ([], ["globex"])])
        let fresh = reviewPlan([([addColumn("coupon")], ["acme", "globex"])])
        let difference = try fresh.newSince(reviewed: reviewed, file: "reviewed.json")
        #expect(difference.groups == [
            ReviewDifference.Group(changeSet: 1, reviewed: .inSync, changes: [addColumn("coupon")],
                                   tenants: ["main": ["globex"]]),
        ])
    }

    @Test("a tenant the reviewed plan did not have is new, even with changes reviewed for others")
    func absentTenant() throws {
        let reviewed = reviewPlan([([addColumn("coupon")], ["acme"])])
        let fresh = reviewPlan([([addColumn("coupon")], ["acme", "hooli"])])
        let difference = try fresh.newSince(reviewed: reviewed, file: "reviewed.json")
        #expect(difference.groups == [
            ReviewDifference.Group(changeSet: 1, reviewed: .absent, changes: [addColumn("coupon")],
                                   tenants: ["main": ["hooli"]]),
        ])
    }

    @Test("tenants are grouped by fresh set, new changes and what the review said")
    func grouping() throws {
        let eu = PlanFile.DatabaseEntry(name: "eu", systemIdentifier: nil, databaseName: "app_eu",
                                        serverVersion: 150_000, desiredFingerprint: "desired")
        var reviewed = reviewPlan([([addColumn("coupon")], ["a1", "a2"]), ([addColumn("gift")], ["b1"]), ([], ["c1"])],
                                  databases: [mainDatabase, eu])
        reviewed.changeSets[0].tenants["eu"] = ["e1"]
        var fresh = reviewPlan([([addColumn("coupon"), addColumn("gift")], ["a1", "a2", "b1", "c1", "d1"])],
                               databases: [mainDatabase, eu])
        fresh.changeSets[0].tenants["eu"] = ["e1", "e2"]
        let difference = try fresh.newSince(reviewed: reviewed, file: "reviewed.json")
        #expect(difference.groups == [
            ReviewDifference.Group(changeSet: 1, reviewed: .otherChanges, changes: [addColumn("gift")],
                                   tenants: ["main": ["a1", "a2"], "eu": ["e1"]]),
            ReviewDifference.Group(changeSet: 1, reviewed: .otherChanges, changes: [addColumn("coupon")],
                                   tenants: ["main": ["b1"]]),
            ReviewDifference.Group(changeSet: 1, reviewed: .inSync, changes: [addColumn("coupon"), addColumn("gift")],
                                   tenants: ["main": ["c1"]]),
            ReviewDifference.Group(changeSet: 1, reviewed: .absent, changes: [addColumn("coupon"), addColumn("gift")],
                                   tenants: ["main": ["d1"], "eu": ["e2"]]),
        ])
        #expect(difference.tenantCount == 7)
    }

    @Test("changes held back run nothing and are not new")
    func heldBack() throws {
        let reviewed = reviewPlan([([], ["acme"])])
        var fresh = reviewPlan([([], ["acme"])])
        fresh.changeSets[0].held = [HeldChange(object: "column orders.note", reason: "narrowing", sql: "ALTER ...")]
        #expect(try fresh.newSince(reviewed: reviewed, file: "reviewed.json").isEmpty)
    }

    @Test("allowing destructive changes the review did not allow needs a review, even with nothing new to run")
    func allowsMore() throws {
        let reviewed = reviewPlan([([addColumn("coupon")], ["acme"])])
        let fresh = reviewPlan([([addColumn("coupon")], ["acme"])], allowDestructive: true)
        #expect(fresh.allowancesBeyond(reviewed) == ["--allow-destructive"])
        let difference = try fresh.newSince(reviewed: reviewed, file: "reviewed.json")
        #expect(!difference.isEmpty)
        #expect(difference.groups.isEmpty)
        #expect(difference.allowedBeyondReview == ["--allow-destructive"])

        // Allowing less than the review is fine.
        let reviewedDestructive = reviewPlan([([addColumn("coupon")], ["acme"])], allowDestructive: true)
        let cautious = reviewPlan([([addColumn("coupon")], ["acme"])])
        #expect(cautious.allowancesBeyond(reviewedDestructive).isEmpty)
        #expect(try cautious.newSince(reviewed: reviewedDestructive, file: "reviewed.json").isEmpty)
        #expect(fresh.allowancesBeyond(reviewedDestructive).isEmpty)
    }

    @Test("an --allow selector the review did not have needs a review; the same selector, or a reviewed --allow-destructive, covers it")
    func allowsMoreBySelector() throws {
        let reviewed = reviewPlan([([addColumn("coupon")], ["acme"])])
        var fresh = reviewPlan([([addColumn("coupon")], ["acme"])])
        fresh.allowed = ["column:orders.note"]
        #expect(fresh.allowancesBeyond(reviewed) == ["--allow column:orders.note"])
        #expect(try !fresh.newSince(reviewed: reviewed, file: "reviewed.json").isEmpty)

        var same = reviewed
        same.allowed = ["column:orders.note", "index:hotfix_*"]
        #expect(fresh.allowancesBeyond(same).isEmpty)

        let destructive = reviewPlan([([addColumn("coupon")], ["acme"])], allowDestructive: true)
        #expect(fresh.allowancesBeyond(destructive).isEmpty)

        // A repeated selector is listed once; in markdown, globs are code, not emphasis.
        var globbed = reviewPlan([([addColumn("coupon")], ["acme"])])
        globbed.allowed = ["column:*.note*", "column:*.note*"]
        #expect(globbed.allowancesBeyond(reviewed) == ["--allow column:*.note*"])
        let difference = try globbed.newSince(reviewed: reviewed, file: "reviewed.json")
        let markdown = ReviewReport(difference: difference, fresh: globbed, reviewedFile: "reviewed.json").markdown()
        #expect(markdown.contains("(`--allow column:*.note*`)"), "\(markdown)")
    }

    @Test("a reviewed plan made against another database is refused")
    func otherDatabase() throws {
        let reviewed = reviewPlan([([addColumn("coupon")], ["acme"])])
        var elsewhere = mainDatabase
        elsewhere.systemIdentifier = "7302"
        let fresh = reviewPlan([([addColumn("coupon")], ["acme"])], databases: [elsewhere])
        let error = planInputError { _ = try fresh.newSince(reviewed: reviewed, file: "reviewed.json") }
        #expect(error?.message == "the reviewed plan was made for database 'main' = app on system 7301, but this plan reads app on system 7302")
        #expect(error?.file == "reviewed.json")
        #expect(error?.hint?.contains("reviewed for this database") == true)
        #expect(error?.nothingChanged == true)

        var otherName = mainDatabase
        otherName.databaseName = "app_staging"
        let staging = reviewPlan([([addColumn("coupon")], ["acme"])], databases: [otherName])
        let nameError = planInputError { _ = try staging.newSince(reviewed: reviewed, file: "reviewed.json") }
        #expect(nameError?.message.contains("but this plan reads app_staging on system 7301") == true)

        // A system identifier the role could not read is not a difference.
        var unknown = mainDatabase
        unknown.systemIdentifier = nil
        let unread = reviewPlan([([addColumn("coupon")], ["acme"])], databases: [unknown])
        #expect(try unread.newSince(reviewed: reviewed, file: "reviewed.json").isEmpty)
    }
}

@Suite("plan --reviewed: what is printed when a new review is needed")
struct ReviewReportTests {
    static func difference(tenants: Int) throws -> (PlanFile, ReviewDifference) {
        let reviewed = reviewPlan([([addColumn("coupon")], ["t00001"])])
        let names = (1...tenants).map { String(format: "t%05d", $0) }
        let fresh = reviewPlan([([addColumn("coupon"), addColumn("gift", sql: "ALTER TABLE \"orders\" ADD COLUMN \"gift\" boolean\n-- ```")], names)],
                               allowDestructive: true)
        return (fresh, try fresh.newSince(reviewed: reviewed, file: "reviewed.json"))
    }

    @Test("text lists what is allowed, the new changes with their SQL and the tenants, capped")
    func text() throws {
        let (fresh, difference) = try Self.difference(tenants: 5_000)
        let text = ReviewReport(difference: difference, fresh: fresh, reviewedFile: "reviewed.json").text()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "tenantplan: this plan holds what reviewed.json did not; it needs a new review.")
        #expect(lines.contains("Allowed now, not in the review: --allow-destructive"))
        #expect(lines.contains("New changes for 4,999 tenants not in the reviewed plan (change set 1): "
            + (2...21).map { String(format: "t%05d", $0) }.joined(separator: ", ") + " and 4,979 more"))
        #expect(lines.contains("  + column orders.gift"))
        #expect(lines.contains("      ALTER TABLE \"orders\" ADD COLUMN \"gift\" boolean"))
        #expect(lines.contains("New changes for 1 tenant, beyond the changes reviewed for them (change set 1): t00001"))
        #expect(lines.last == "Needs review: 5,000 tenants with changes that reviewed.json did not hold for them; the plan allows what the review did not (--allow-destructive). The fresh plan was not written.")
        #expect(text.utf8.count < 10_000)
    }

    @Test("markdown stays balanced and within its budget")
    func markdown() throws {
        let (fresh, difference) = try Self.difference(tenants: 5_000)
        let markdown = ReviewReport(difference: difference, fresh: fresh, reviewedFile: "reviewed.json").markdown()
        #expect(markdown.hasPrefix("### tenantplan: needs a new review\n"))
        #expect(markdown.contains("Allowed now, not in the review: `--allow-destructive`"))
        // The SQL holds three backticks, so the block is fenced with four.
        #expect(markdown.contains("\n````sql\n"))
        #expect(markdown.contains("`t00021` and 4,979 more"))
        #expect(fencesBalanced(markdown))
        #expect(markdown.hasSuffix("The fresh plan was not written.**"))

        // Many groups: later ones give way to a note, within the budget.
        var many = difference
        many.groups = (1...3_000).map { i in
            ReviewDifference.Group(changeSet: i, reviewed: .absent, changes: [addColumn("c\(i)")],
                                   tenants: ["main": (1...30).map { "tenant_\(i)_\($0)" }])
        }
        let long = ReviewReport(difference: many, fresh: fresh, reviewedFile: "reviewed.json").markdown()
        #expect(long.utf8.count <= 60_000)
        #expect(long.contains(" more groups of new changes not shown, to keep within GitHub's size limit._"))
        #expect(fencesBalanced(long))
        #expect(long.hasSuffix("The fresh plan was not written.**"))
    }
}
