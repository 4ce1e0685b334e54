import Testing
import Plan
import State

/// A plan over one database: `acme` to create, `globex` to change, `initech` in sync.
func smallPlan(changes: [Change]? = nil, tenantsToChange: [String] = ["globex"]) -> PlanFile {
    let changeSet = PlanFile.ChangeSet(
        id: 2, from: String(repeating: "a", count: 64), to: "desired",
        changes: changes ?? [
            Step.setNotNull(table: "customers", column: "name").change(hazards: [.longLock, .mayFailOnExistingData]),
            Step.addColumn(table: "customers", ColumnDeclaration(name: "phone", type: "text")).change(),
            Step.dropColumn(table: "orders", column: "legacy").change(hazards: [.dataLoss, .dropsUnmanagedObject]),
        ],
        held: [], tenants: ["main": tenantsToChange])
    return PlanFile(
        toolVersion: "0.1.0", createdAt: "2025-01-02T03:04:05Z", schemaSHA256: "0", allowDestructive: true,
        databases: [PlanFile.DatabaseEntry(name: "main", systemIdentifier: nil, databaseName: "app",
                                           serverVersion: 160_000, desiredFingerprint: "desired")],
        changeSets: [
            PlanFile.ChangeSet(id: 1, from: SchemaState.absentFingerprint, to: "desired",
                               changes: Shop.differ().diff(actual: nil).changes, held: [],
                               tenants: ["main": ["acme"]]),
            changeSet,
            PlanFile.ChangeSet(id: 3, from: "desired", to: "desired", changes: [], held: [],
                               tenants: ["main": ["initech"]]),
        ])
}

@Suite("Plan report")
struct PlanReportTests {
    @Test("the summary line counts tenants")
    func summaryLine() {
        #expect(PlanReport(plan: smallPlan()).summaryLine == "Plan: 1 tenant to create, 1 to change, 1 in sync.")
        let more = smallPlan(tenantsToChange: ["a", "b", "c"])
        #expect(PlanReport(plan: more).summaryLine == "Plan: 1 tenant to create, 3 to change, 1 in sync.")

        var none = smallPlan()
        none.changeSets = [none.changeSets[2]]
        #expect(PlanReport(plan: none).summaryLine == "Plan: 0 tenants to create, 0 to change, 1 in sync.")
    }

    @Test("the text ends with the summary line and marks creates, changes and drops")
    func text() {
        let text = PlanReport(plan: smallPlan()).text()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "tenantplan: 3 tenants in 1 database: main (app)")
        #expect(lines.last == "Plan: 1 tenant to create, 1 to change, 1 in sync.")
        #expect(lines.contains("Create 1 tenant (10 changes): acme"))
        #expect(lines.contains("Change 1 tenant (3 changes): globex"))
        #expect(lines.contains("In sync: 1 tenant: initech"))
        #expect(lines.contains("  + schema"))
        #expect(lines.contains("  + table customers"))
        #expect(lines.contains(
            "  ~ column customers.name not null  [long_lock, may_fail_on_existing_data]  (scans customers under ACCESS EXCLUSIVE)"))
        #expect(lines.contains("  + column customers.phone"))
        #expect(lines.contains("  - column orders.legacy  [data_loss, drops_unmanaged_object]"))
        #expect(text.contains("Warning: this plan drops data or undeclared objects (1 destructive change)."))
        #expect(!text.contains("\u{1B}"))
        // Without `sql`, no statement is printed.
        #expect(!text.contains("ALTER TABLE"))
    }

    @Test("with sql, each change is followed by its indented statement")
    func textWithSQL() {
        let text = PlanReport(plan: smallPlan()).text(sql: true)
        #expect(text.contains("""
              ~ column customers.name not null  [long_lock, may_fail_on_existing_data]  (scans customers under ACCESS EXCLUSIVE)
                  ALTER TABLE "customers" ALTER COLUMN "name" SET NOT NULL
            """))
        // A multi-line statement keeps its lines, each indented.
        #expect(text.contains("""
                  CREATE TABLE "customers" (
                      "id" bigint GENERATED ALWAYS AS IDENTITY,
            """))
        #expect(!text.contains("\u{1B}"))
    }

    @Test("colour is used only when asked for")
    func color() {
        let colored = PlanReport(plan: smallPlan(), color: true).text()
        #expect(colored.contains("\u{1B}[32m+\u{1B}[0m table customers"))
        #expect(colored.contains("\u{1B}[33m~\u{1B}[0m column customers.name"))
        #expect(colored.contains("\u{1B}[31m-\u{1B}[0m column orders.legacy"))
        #expect(!PlanReport(plan: smallPlan(), color: false).text(sql: true).contains("\u{1B}"))
        #expect(!PlanReport(plan: smallPlan(), color: false).markdown().contains("\u{1B}"))
    }

    @Test("long tenant lists fold into \"and N more\"")
    func folding() {
        let names = (1...13).map { "tenant_\($0 < 10 ? "0" : "")\($0)" }
        let plan = smallPlan(tenantsToChange: names)
        let text = PlanReport(plan: plan).text()
        #expect(text.contains("Change 13 tenants (3 changes): "
            + names.prefix(10).joined(separator: ", ") + " and 3 more"))
        #expect(!text.contains("tenant_11"))

        let wide = PlanReport(plan: plan, tenantsShown: 13).text()
        #expect(wide.contains(names.joined(separator: ", ")))
        #expect(!wide.contains("more"))

        let narrow = PlanReport(plan: plan, tenantsShown: 2).text()
        #expect(narrow.contains("Change 13 tenants (3 changes): tenant_01, tenant_02 and 11 more"))
    }

    @Test("tenants are named with their database when the plan covers several")
    func multipleDatabases() {
        var plan = smallPlan()
        plan.databases.append(PlanFile.DatabaseEntry(name: "eu", systemIdentifier: "1", databaseName: "app_eu",
                                                     serverVersion: 160_000, desiredFingerprint: "desired"))
        plan.changeSets[1].tenants["eu"] = ["initech_eu"]
        let text = PlanReport(plan: plan).text()
        #expect(text.contains("tenantplan: 4 tenants in 2 databases: main (app), eu (app_eu)"))
        #expect(text.contains("Change 2 tenants (3 changes): main/globex, eu/initech_eu"))
        #expect(text.hasSuffix("Plan: 1 tenant to create, 2 to change, 1 in sync."))
    }

    @Test("undeclared objects kept are in sync, not drift")
    func keptUndeclared() {
        var plan = smallPlan()
        plan.changeSets[2].held = [HeldChange(object: "table audit", reason: "table audit is not in schema.yaml",
                                              sql: "DROP TABLE \"audit\"", undeclared: true)]
        let report = PlanReport(plan: plan)
        #expect(report.summaryLine == "Plan: 1 tenant to create, 1 to change, 1 in sync.")
        #expect(report.text().contains("In sync, keeping objects not in schema.yaml: 1 tenant: initech"))
        #expect(plan.hasChanges)   // the other sets have changes
        plan.changeSets[0].changes = []
        plan.changeSets[1].changes = []
        #expect(!plan.hasChanges)
    }

    @Test("held-back changes are listed and counted")
    func held() {
        var plan = smallPlan()
        plan.changeSets[2].held = [HeldChange(object: "column orders.note", reason: "changing orders.note from text to character varying(10) may lose or alter data",
                                              sql: "ALTER TABLE \"orders\" ALTER COLUMN \"note\" TYPE varchar(10)")]
        let report = PlanReport(plan: plan)
        #expect(report.summaryLine == "Plan: 1 tenant to create, 1 to change, 0 in sync, 1 with only held-back changes.")
        let text = report.text()
        #expect(text.contains("Nothing planned, changes held back: 1 tenant: initech"))
        #expect(text.contains("  Held back:\n  ! column orders.note: changing orders.note"))
        #expect(report.markdown().contains("held back `column orders.note`"))
        plan.changeSets[0].changes = []
        plan.changeSets[1].changes = []
        #expect(plan.hasChanges)   // drift held back still counts for --detailed-exitcode
    }

    @Test("markdown leads with hazards, destructive ones first, then the change sets")
    func markdown() {
        let markdown = PlanReport(plan: smallPlan()).markdown()
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "### tenantplan")
        #expect(lines.contains("**Plan: 1 tenant to create, 1 to change, 1 in sync.**"))
        let hazards = lines.firstIndex(of: "#### Hazards")
        let firstSet = lines.firstIndex { $0.hasPrefix("#### Change set") }
        #expect(hazards != nil)
        if let hazards, let firstSet { #expect(hazards < firstSet) }

        let drop = lines.firstIndex { $0.contains("🛑") && $0.contains("column orders.legacy") }
        let notNull = lines.firstIndex { $0.contains("⚠️") && $0.contains("column customers.name not null") }
        #expect(drop != nil)
        #expect(notNull != nil)
        #expect(lines.contains { $0.contains("`- column orders.legacy`: loses data; drops an object not in schema.yaml") })
        // The set-not-null change comes first in the plan; the drop must still lead.
        if let drop, let notNull { #expect(drop < notNull) }

        #expect(markdown.contains("```diff\n+ schema\n"))
        #expect(markdown.contains("- column orders.legacy\n```"))
        #expect(markdown.contains("```sql\n"))
        #expect(markdown.contains("ALTER TABLE \"orders\" DROP COLUMN \"legacy\";"))
        #expect(markdown.contains("Tenants: `globex`"))
    }

    @Test("markdown folds long tenant lists into a details block")
    func markdownFolding() {
        let names = (1...12).map { "t\($0)" }
        let markdown = PlanReport(plan: smallPlan(tenantsToChange: names)).markdown()
        #expect(markdown.contains("<details><summary>12 tenants</summary>\n\n"
            + names.map { "`\($0)`" }.joined(separator: ", ") + "\n\n</details>"))
    }

    @Test("markdown without hazards has no hazards section")
    func markdownWithoutHazards() {
        let plan = smallPlan(changes: [
            Step.addColumn(table: "customers", ColumnDeclaration(name: "phone", type: "text")).change(),
        ])
        var quiet = plan
        quiet.changeSets = [plan.changeSets[1], plan.changeSets[2]]
        #expect(!PlanReport(plan: quiet).markdown().contains("Hazards"))
    }
}

@Suite("Printable output")
struct PrintableTests {
    @Test("control characters in names are shown escaped, never sent to the terminal")
    func controlCharacters() {
        #expect("a\u{1B}[31mb".printable == "a\\u{1B}[31mb")
        #expect("tab\there\nnext".printable == "tab\\u{9}here\\u{A}next")
        #expect("ünïcødé 日本".printable == "ünïcødé 日本")
    }
}
