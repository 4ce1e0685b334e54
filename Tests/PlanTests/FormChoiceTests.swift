import Foundation
import Testing
import Plan
import State

/// The form each tenant's changes take by the size of the tables they scan,
/// and the sizes the plan records and shows beside locks and hazards.
@Suite("Form choice and table sizes")
struct FormChoiceTests {
    @Test("sizes are read as PostgreSQL writes memory settings")
    func parsesSizes() {
        #expect(FormChoice.bytes(fromSize: "0") == 0)
        #expect(FormChoice.bytes(fromSize: "65536") == 65_536)
        #expect(FormChoice.bytes(fromSize: "64kB") == 65_536)
        #expect(FormChoice.bytes(fromSize: "16MB") == 16 << 20)
        #expect(FormChoice.bytes(fromSize: "2 GB") == 2 << 30)
        #expect(FormChoice.bytes(fromSize: "1TB") == 1 << 40)
        #expect(FormChoice.bytes(fromSize: "512B") == 512)
        for bad in ["", "MB", "16mb", "16 XB", "-1", "1.5GB", "99999999999TB"] {
            #expect(FormChoice.bytes(fromSize: bad) == nil, "\(bad)")
        }
    }

    @Test("sizes are written in units of 1024, one decimal below 10")
    func writesSizes() {
        #expect(FormChoice.sizeText(0) == "0 bytes")
        #expect(FormChoice.sizeText(1023) == "1023 bytes")
        #expect(FormChoice.sizeText(8192) == "8 kB")
        #expect(FormChoice.sizeText(1536) == "1.5 kB")
        #expect(FormChoice.sizeText(16 << 20) == "16 MB")
        #expect(FormChoice.sizeText(2_040_109_465) == "1.9 GB")
        #expect(FormChoice.sizeText(10_199) == "10 kB")
        #expect(FormChoice.sizeText(300 << 20) == "300 MB")
    }

    @Test("a tenant gets the online form when one scanned table reaches the threshold; 0 means always")
    func choosesByLargestTable() {
        let threshold = FormChoice.defaultThresholdBytes
        #expect(!FormChoice.online(tableBytes: [:], threshold: threshold))
        #expect(!FormChoice.online(tableBytes: ["orders": threshold - 1, "items": 8192], threshold: threshold))
        #expect(FormChoice.online(tableBytes: ["orders": threshold, "items": 8192], threshold: threshold))
        #expect(FormChoice.online(tableBytes: [:], threshold: 0))
        #expect(FormChoice.online(tableBytes: ["items": 8192], threshold: 64 << 10) == false)
        #expect(FormChoice.online(tableBytes: ["items": 70_000], threshold: 64 << 10))
    }

    /// `items(id, note)`, declared with an index on `note` the tenant lacks.
    static let declaration = Declaration(file: "schema.yaml", tables: [TableDeclaration(
        name: "items", columns: [ColumnDeclaration(name: "id", type: "integer"), ColumnDeclaration(name: "note", type: "text")],
        indexes: [IndexDeclaration(name: "items_note_idx", columns: ["note"])])])
    static let columns = [ColumnState(name: "id", type: "integer"), ColumnState(name: "note", type: "text")]
    static let desired = SchemaState(tables: [TableState(
        name: "items", columns: columns, indexes: [IndexState(name: "items_note_idx", definition: "USING btree (note)")])])
    static let actual = SchemaState(tables: [TableState(name: "items", columns: columns)])

    static func statePlan(_ actual: SchemaState?) -> StatePlan {
        var online = Differ(declaration: declaration, desired: desired)
        online.online = true
        let single = Differ(declaration: declaration, desired: desired)
        return StatePlan(online.diff(actual: actual), singleTransaction: single.diff(actual: actual), from: "from")
    }

    @Test("a state's plan carries both forms when they differ, and the tables they scan")
    func bothForms() {
        let plan = Self.statePlan(Self.actual)
        #expect(plan.changes.map(\.op.rawValue) == ["create_index_concurrently"])
        #expect(plan.steps?.map(\.transactional) == [false])
        let single = plan.form(online: false)
        #expect(single.changes.map(\.sql) == ["CREATE INDEX \"items_note_idx\" ON \"items\" (\"note\")"])
        #expect(single.steps?.map(\.transactional) == [true])
        #expect(single.steps?.last?.to == plan.steps?.last?.to, "both forms reach the same state")
        #expect(plan.form(online: true).changes == plan.changes)
        #expect(plan.scannedTables == ["items"])
        #expect(FormChoice.scannedTables(single.changes) == ["items"])
    }

    @Test("a new tenant's plan has one form only: nothing to choose")
    func oneForm() {
        let plan = Self.statePlan(nil)
        #expect(plan.singleTransaction == nil)
        #expect(plan.form(online: false).changes == plan.changes)
        #expect(plan.scannedTables.isEmpty)
    }

    /// One change set of `tenants` in `form`, adding the index, with the largest `items` in `acme`.
    static func sizedPlan(form: PlanFile.Form, tenants: [String], bytes: Int64, threshold: Int64? = 16 << 20) -> PlanFile {
        let statePlan = Self.statePlan(Self.actual).form(online: form == .online)
        var plan = PlanFile(
            toolVersion: "0.1.0", createdAt: "2025-01-02T03:04:05Z", schemaSHA256: "0", allowDestructive: false,
            databases: [PlanFile.DatabaseEntry(name: "main", systemIdentifier: nil, databaseName: "app",
                                               serverVersion: 160_000, desiredFingerprint: "desired")],
            changeSets: [PlanFile.ChangeSet(
                id: 1, from: "from", to: "to", changes: statePlan.changes, held: [], tenants: ["main": tenants],
                steps: statePlan.steps, form: form,
                tableSizes: ["items": PlanFile.TableSize(bytes: bytes, database: "main", tenant: "acme")])])
        plan.onlineThreshold = threshold
        return plan
    }

    @Test("the text report shows each scanned table's size beside its lock, and why the set got its form")
    func textReport() {
        let big = PlanReport(plan: Self.sizedPlan(form: .online, tenants: ["acme", "globex"], bytes: 2_040_109_465)).text()
        #expect(big.contains("  Online form: a table its changes scan is 16 MB or more (largest: items, up to 1.9 GB, tenant acme)."))
        #expect(big.contains(
            "  + index items_note_idx on items  (scans items (up to 1.9 GB, tenant acme) under SHARE UPDATE EXCLUSIVE)"), "\(big)")

        let small = PlanReport(plan: Self.sizedPlan(form: .transactional, tenants: ["acme"], bytes: 73_728)).text()
        #expect(small.contains("  Single transaction: every table its changes scan is below 16 MB (largest: items, 72 kB)."))
        #expect(small.contains("  + index items_note_idx on items  [blocks_writes]  (scans items (72 kB) under SHARE)"), "\(small)")

        let always = PlanReport(plan: Self.sizedPlan(form: .online, tenants: ["acme"], bytes: 8192, threshold: 0)).text()
        #expect(always.contains("  Online form: --online-threshold 0 (largest: items, 8 kB)."))
    }

    @Test("the markdown report shows the largest size beside each hazard, and each set's form")
    func markdownReport() {
        var plan = Self.sizedPlan(form: .transactional, tenants: ["acme", "globex"], bytes: 73_728)
        var second = plan.changeSets[0]
        second.id = 2
        second.from = "other"
        second.tenants = ["main": ["initech"]]
        second.tableSizes = ["items": PlanFile.TableSize(bytes: 9 << 20, database: "main", tenant: "initech")]
        plan.changeSets.append(second)
        let markdown = PlanReport(plan: plan).markdown()
        #expect(markdown.contains(
            "- ⚠️ `+ index items_note_idx on items`: blocks writes while building; scans items (up to 9 MB, tenant initech) "
                + "under SHARE (change sets 1, 2, 3 tenants)"), "\(markdown)")
        #expect(markdown.contains("Single transaction: every table its changes scan is below 16 MB (largest: items, up to 72 kB, tenant acme)."))
        #expect(markdown.contains("Single transaction: every table its changes scan is below 16 MB (largest: items, 9 MB)."))
    }

    @Test("form, sizes and threshold survive the file, and a plan without them still loads")
    func planFileFields() throws {
        let plan = Self.sizedPlan(form: .online, tenants: ["acme"], bytes: 123_456_789)
        let data = try plan.encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"online_threshold\" : 16777216"))
        #expect(text.contains("\"form\" : \"online\""))
        #expect(text.contains("\"table_sizes\" : {"))
        var read = try PlanFile.decode(data, file: "plan.json")
        read.digest = nil
        #expect(read == plan)
        #expect(read.changeSets[0].tableSizes?["items"] == PlanFile.TableSize(bytes: 123_456_789, database: "main", tenant: "acme"))

        // A plan written before these fields: none of them, and its digest still holds.
        var old = plan
        old.onlineThreshold = nil
        old.changeSets[0].form = nil
        old.changeSets[0].tableSizes = nil
        let oldData = try old.encoded()
        let oldText = String(decoding: oldData, as: UTF8.self)
        #expect(!oldText.contains("online_threshold") && !oldText.contains("table_sizes") && !oldText.contains("\"form\""))
        let oldRead = try PlanFile.decode(oldData, file: "plan.json")
        #expect(oldRead.changeSets[0].form == nil && oldRead.onlineThreshold == nil)
        #expect(PlanReport(plan: oldRead).text().contains("(scans items under SHARE UPDATE EXCLUSIVE)"))
    }
}
