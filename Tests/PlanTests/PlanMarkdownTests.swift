import Testing
import Plan
import State

/// Whether every fenced code block of `markdown` is closed, by CommonMark's
/// rule: a block opened by N backticks ends at a line of N or more backticks alone.
func fencesBalanced(_ markdown: String) -> Bool {
    var open: Int? = nil
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
        let ticks = line.prefix { $0 == "`" }.count
        if let length = open {
            if ticks >= length && line.dropFirst(ticks).allSatisfy({ $0 == " " }) { open = nil }
        } else if ticks >= 3 {
            open = ticks
        }
    }
    return open == nil
}

/// `4,980`.
func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    return String(digits.enumerated().flatMap { i, d in i > 0 && (digits.count - i) % 3 == 0 ? [",", d] : [d] })
}

/// GitHub's limit for a comment.
let commentLimit = 65_536

@Suite("Plan markdown for pull-request comments")
struct PlanMarkdownTests {
    /// A plan over `tenants` tenants in one database: `sets` change sets, the
    /// tenants spread evenly over them.
    static func largePlan(tenants: Int, sets: Int, distinctDrops: Bool = false) -> PlanFile {
        let names = (1...tenants).map { String(format: "tenant_%05d", $0) }
        let perSet = tenants / sets
        let changeSets = (0..<sets).map { i in
            PlanFile.ChangeSet(
                id: i + 1, from: String(repeating: "a", count: 63) + "\(i % 10)", to: "desired",
                changes: [
                    Step.addColumn(table: "customers", ColumnDeclaration(name: "phone_\(i)", type: "text")).change(),
                    Step.setNotNull(table: "customers", column: "name").change(hazards: [.longLock, .mayFailOnExistingData]),
                    Step.dropColumn(table: "orders", column: distinctDrops ? "legacy_\(i)" : "legacy").change(hazards: [.dataLoss, .dropsUnmanagedObject]),
                ],
                held: [HeldChange(object: "column orders.note", reason: "changing orders.note may lose data")],
                tenants: ["main": Array(names[(i * perSet)..<((i + 1) * perSet)])])
        }
        return PlanFile(
            toolVersion: "0.1.0", createdAt: "2026-01-01T00:00:00Z", schemaSHA256: "0", allowDestructive: true,
            databases: [mainDatabase], changeSets: changeSets)
    }

    /// Where the first SQL block starts, in UTF-8 bytes.
    static func firstSQL(_ markdown: String) throws -> Int {
        let range = try #require(markdown.range(of: "```sql\n"))
        return markdown[..<range.lowerBound].utf8.count
    }

    @Test("10,000 tenants in one change list: SQL first, then 20 names and a count")
    func oneLargeSet() throws {
        var plan = Self.largePlan(tenants: 10_000, sets: 1)
        plan.changeSets[0].changes = Shop.differ().diff(actual: nil).changes
        plan.changeSets[0].from = SchemaState.absentFingerprint
        let markdown = PlanReport(plan: plan).markdown()
        #expect(markdown.utf8.count < 10_000, "\(markdown.utf8.count) bytes")
        #expect(try Self.firstSQL(markdown) < 2_000)
        #expect(fencesBalanced(markdown))
        #expect(markdown.contains("CREATE TABLE \"customers\" ("))
        #expect(markdown.contains("<details><summary>10,000 tenants</summary>"))
        #expect(markdown.contains("`tenant_00020` and 9,980 more"))
        #expect(!markdown.contains("tenant_00021"))
        #expect(!markdown.contains("not shown"))
        // The changes and their SQL come before the tenant list.
        let sql = try #require(markdown.range(of: "```sql"))
        let tenants = try #require(markdown.range(of: "<details><summary>10,000 tenants"))
        #expect(sql.lowerBound < tenants.lowerBound)
    }

    @Test("2,000 distinct change lists: within the limit, the first SQL early, a note for the rest")
    func manySets() throws {
        let plan = Self.largePlan(tenants: 10_000, sets: 2_000)
        let markdown = PlanReport(plan: plan).markdown()
        #expect(markdown.utf8.count <= 60_000, "\(markdown.utf8.count) bytes")
        #expect(markdown.count < commentLimit)
        #expect(try Self.firstSQL(markdown) < 20_000)
        #expect(fencesBalanced(markdown))
        // Hazards: each distinct change once, with the sets it is in, capped.
        #expect(markdown.contains("- ⚠️ `~ column customers.name not null`: holds an ACCESS EXCLUSIVE lock while scanning; may fail on existing data (change sets 1, 2, 3, 4, 5 and 1,995 more, 10,000 tenants)"))
        #expect(markdown.contains("- ⏸ held back `column orders.note`: changing orders.note may lose data (change sets 1, 2, 3, 4, 5 and 1,995 more, 10,000 tenants)"))
        #expect(markdown.contains("- 🛑 `- column orders.legacy`: loses data; drops an object not in schema.yaml (change sets 1, 2, 3, 4, 5 and 1,995 more, 10,000 tenants)"))
        #expect(!markdown.contains("- … and "))
        // Later change lists give way to one note that says so and where to look.
        let note = try #require(markdown.split(separator: "\n").first { $0.contains("more change lists") })
        #expect(note.hasSuffix("not shown, to keep this comment within GitHub's size limit. The plan file has them all: `tenantplan show plan.json`._"))
        let shown = markdown.components(separatedBy: "#### Change set ").count - 1
        #expect(shown > 20 && shown < 2_000)
        #expect(note.hasPrefix("_\(grouped(2_000 - shown)) more change lists (\(grouped((2_000 - shown) * 5)) tenants)"))
        // Each shown set is whole: its SQL block closed and its tenants after it.
        #expect(markdown.contains("#### Change set \(shown): "))
        #expect(markdown.contains("Tenants: `tenant_\(String(format: "%05d", shown * 5 - 4))`"))
    }

    @Test("distinct hazardous changes are listed up to a cap, destructive ones first")
    func manyHazards() throws {
        let markdown = PlanReport(plan: Self.largePlan(tenants: 10_000, sets: 2_000, distinctDrops: true)).markdown()
        #expect(markdown.utf8.count <= 60_000, "\(markdown.utf8.count) bytes")
        let lines = markdown.split(separator: "\n").map(String.init)
        let hazards = lines.filter { $0.hasPrefix("- ") && lines.firstIndex(of: $0)! < lines.firstIndex { $0.hasPrefix("#### Change set") }! }
        #expect(hazards.count == 41)
        #expect(hazards.prefix(40).allSatisfy { $0.hasPrefix("- 🛑 `- column orders.legacy_") })
        #expect(hazards.last == "- … and 1,962 more; `tenantplan show plan.json` lists every change")
        #expect(try Self.firstSQL(markdown) < 20_000)
    }

    @Test("within a budget, whatever the size of one change list")
    func hugeChangeList() throws {
        var plan = Self.largePlan(tenants: 3, sets: 1)
        plan.changeSets[0].changes = (0..<5_000).map {
            Step.addColumn(table: "customers", ColumnDeclaration(name: "column_number_\($0)", type: "text")).change()
        }
        let markdown = PlanReport(plan: plan).markdown()
        #expect(markdown.utf8.count <= 60_000, "\(markdown.utf8.count) bytes")
        #expect(fencesBalanced(markdown))
        #expect(markdown.contains("ADD COLUMN \"column_number_0\" text;"))
        #expect(markdown.contains(" more changes, not shown here; `tenantplan show plan.json` lists them all._"))
        // The tenants still follow the truncated changes.
        #expect(markdown.contains("Tenants: `tenant_00001`, `tenant_00002`, `tenant_00003`"))
    }

    @Test("SQL or names holding backticks cannot close a block or a code span early")
    func backticks() throws {
        var plan = Self.largePlan(tenants: 12, sets: 1)
        plan.changeSets[0].changes = [
            Step.commentOnTable("orders", comment: "```\n# not a heading\n````").change(),
        ]
        plan.changeSets[0].tenants["main"]![0] = "odd`name"
        let markdown = PlanReport(plan: plan).markdown()
        #expect(fencesBalanced(markdown))
        #expect(markdown.contains("\n`````sql\n"))
        #expect(markdown.contains("``odd`name``"))
    }

    @Test("a tiny budget still gives well-formed markdown and the note")
    func tinyBudget() throws {
        let plan = Self.largePlan(tenants: 100, sets: 10)
        let markdown = PlanReport(plan: plan, markdownBudget: 3_000).markdown()
        #expect(markdown.utf8.count <= 3_000, "\(markdown.utf8.count) bytes")
        #expect(fencesBalanced(markdown))
        #expect(markdown.contains("more change lists ("))
    }
}
