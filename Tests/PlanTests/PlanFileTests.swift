import Foundation
import Testing
import Plan
import State

/// A small plan: one tenant to create, two to change, one in sync, one with
/// changes held back only, over two databases.
func samplePlan() -> PlanFile {
    let create = PlanFile.ChangeSet(
        id: 1, from: SchemaState.absentFingerprint, to: Shop.desired.fingerprint,
        changes: Shop.differ().diff(actual: nil).changes, held: [],
        tenants: ["main": ["acme"]])
    let change = PlanFile.ChangeSet(
        id: 2, from: String(repeating: "a", count: 64), to: Shop.desired.fingerprint,
        changes: [
            Step.addColumn(table: "customers", ColumnDeclaration(name: "phone", type: "text")).change(),
            Step.setNotNull(table: "customers", column: "name").change(hazards: [.longLock, .mayFailOnExistingData]),
            Step.dropColumn(table: "orders", column: "legacy").change(hazards: [.dataLoss, .dropsUnmanagedObject]),
        ],
        held: [],
        tenants: ["main": ["globex"], "eu": ["initech"]])
    let inSync = PlanFile.ChangeSet(
        id: 3, from: Shop.desired.fingerprint, to: Shop.desired.fingerprint, changes: [], held: [],
        tenants: ["main": ["hooli"]])
    let heldOnly = PlanFile.ChangeSet(
        id: 4, from: String(repeating: "b", count: 64), to: String(repeating: "b", count: 64), changes: [],
        held: [HeldChange(object: "table audit", reason: "table audit is not in schema.yaml", sql: "DROP TABLE \"audit\"", undeclared: true),
               HeldChange(object: "column orders.note", reason: "changing orders.note may lose or alter data")],
        tenants: ["eu": ["umbrella"]])
    return PlanFile(
        toolVersion: "0.1.0", createdAt: "2025-01-02T03:04:05Z",
        schemaSHA256: SHA256.hex("version: 1\n"), allowDestructive: true,
        databases: [
            PlanFile.DatabaseEntry(name: "main", systemIdentifier: "7301234567890123456", databaseName: "app",
                                   serverVersion: 160_004, desiredFingerprint: Shop.desired.fingerprint),
            PlanFile.DatabaseEntry(name: "eu", url: "postgresql://eu.example.com/app", urlEnv: nil,
                                   systemIdentifier: nil, databaseName: "app_eu", serverVersion: 150_008,
                                   desiredFingerprint: Shop.desired.fingerprint),
        ],
        changeSets: [create, change, inSync, heldOnly])
}

/// The error `body` throws, as an `InputError`; records an issue otherwise.
func planInputError(_ body: () throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> InputError? {
    do {
        try body()
        Issue.record("expected an InputError, got none", sourceLocation: sourceLocation)
    } catch let error as InputError {
        return error
    } catch {
        Issue.record("expected an InputError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Every leaf of a JSON document, with a path for messages.
enum JSONLeaf {
    static func paths(_ value: Any, _ path: [Any] = []) -> [[Any]] {
        if let object = value as? [String: Any] {
            return object.keys.sorted().flatMap { paths(object[$0]!, path + [$0]) }
        }
        if let array = value as? [Any] {
            return array.indices.flatMap { paths(array[$0], path + [$0]) }
        }
        return [path]
    }

    static func get(_ value: Any, _ path: ArraySlice<Any>) -> Any {
        guard let first = path.first else { return value }
        if let key = first as? String { return get((value as! [String: Any])[key]!, path.dropFirst()) }
        return get((value as! [Any])[first as! Int], path.dropFirst())
    }

    static func set(_ value: Any, _ path: ArraySlice<Any>, _ new: Any) -> Any {
        guard let first = path.first else { return new }
        if let key = first as? String {
            var object = value as! [String: Any]
            object[key] = set(object[key]!, path.dropFirst(), new)
            return object
        }
        var array = value as! [Any]
        array[first as! Int] = set(array[first as! Int], path.dropFirst(), new)
        return array
    }
}

@Suite("Plan file")
struct PlanFileTests {
    @Test("encoding then decoding gives the same plan, digest filled in")
    func roundTrip() throws {
        let plan = samplePlan()
        let data = try plan.encoded()
        let decoded = try PlanFile.decode(data, file: "plan.json")
        var expected = plan
        expected.digest = try plan.computeDigest()
        #expect(decoded == expected)
        #expect(decoded.digest?.hasPrefix("sha256:") == true)
        #expect(decoded.digest?.count == "sha256:".count + 64)
        // Stable: encoding the decoded plan gives the same bytes.
        #expect(try decoded.encoded() == data)
        #expect(data.last == 0x0A)
    }

    @Test("the file carries the documented keys and no credentials")
    func layout() throws {
        let text = String(decoding: try samplePlan().encoded(), as: UTF8.self)
        for key in ["\"format\" : \"tenantplan-plan\"", "\"format_version\" : 2", "\"tool_version\" : \"0.1.0\"",
                    "\"schema_sha256\"", "\"allow_destructive\" : true", "\"change_sets\"", "\"digest\" : \"sha256:",
                    "\"system_identifier\" : \"7301234567890123456\"", "\"desired_fingerprint\"",
                    "\"url\" : \"postgresql://eu.example.com/app\"", "\"transactional\" : true",
                    "\"hazards\" : [", "\"data_loss\"", "\"from\" : \"absent\""] {
            #expect(text.contains(key), "missing \(key)")
        }
    }

    @Test("the digest does not depend on the stored digest or on whitespace")
    func digestIgnoresFormatting() throws {
        let plan = samplePlan()
        var withDigest = plan
        withDigest.digest = "sha256:whatever"
        #expect(try withDigest.computeDigest() == plan.computeDigest())

        // Re-indented JSON with the same content is the same plan.
        let json = try JSONSerialization.jsonObject(with: plan.encoded())
        let compact = try JSONSerialization.data(withJSONObject: json, options: [])
        #expect(try PlanFile.decode(compact, file: "plan.json") == PlanFile.decode(plan.encoded(), file: "plan.json"))
    }

    @Test("editing a value in the file makes the plan refused", arguments: [
        ("\"acme\"", "\"acmf\""),
        ("\"globex\"", "\"glebex\""),
        ("ADD COLUMN \\\"phone\\\" text", "ADD COLUMN \\\"phone\\\" tExt"),
        ("\"allow_destructive\" : true", "\"allow_destructive\" : false"),
        ("\"server_version\" : 160004", "\"server_version\" : 160005"),
        ("\"database_name\" : \"app\"", "\"database_name\" : \"apq\""),
        ("\"data_loss\"", "\"long_lock\""),
    ])
    func tamperedByte(_ original: String, _ edited: String) throws {
        let text = String(decoding: try samplePlan().encoded(), as: UTF8.self)
        #expect(text.contains(original))
        let data = Data(text.replacingOccurrences(of: original, with: edited).utf8)
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message == "the plan's content does not match its digest: it was edited after it was written")
        #expect(error?.hint?.contains("plan again") == true)
        #expect(error?.file == "plan.json")
    }

    @Test("editing the digest itself makes the plan refused")
    func tamperedDigest() throws {
        var text = String(decoding: try samplePlan().encoded(), as: UTF8.self)
        let range = try #require(text.range(of: "\"digest\" : \"sha256:"))
        let at = text.index(range.upperBound, offsetBy: 5)
        text.replaceSubrange(at...at, with: text[at] == "0" ? "1" : "0")
        let error = planInputError { _ = try PlanFile.decode(Data(text.utf8), file: "plan.json") }
        #expect(error?.message.contains("digest") == true)
    }

    @Test("changing any value of the file makes the plan refused")
    func tamperedValues() throws {
        let data = try samplePlan().encoded()
        let json = try JSONSerialization.jsonObject(with: data)
        let leaves = JSONLeaf.paths(json)
        #expect(leaves.count > 50)
        // Values from a closed set are swapped for another valid member, so that
        // the file still decodes and only the digest can catch the edit.
        let swaps: [String: String] = [
            "+": "-", "-": "~", "~": "+", "data_loss": "table_rewrite", "table_rewrite": "long_lock",
            "long_lock": "data_loss", "blocks_writes": "data_loss", "may_fail_on_existing_data": "data_loss",
            "drops_unmanaged_object": "data_loss",
            "ACCESS EXCLUSIVE": "SHARE", "SHARE": "ACCESS EXCLUSIVE", "SHARE ROW EXCLUSIVE": "SHARE",
            "SHARE UPDATE EXCLUSIVE": "SHARE", "scan": "none", "none": "rewrite", "rewrite": "scan",
        ]
        for path in leaves {
            let where_ = path.map { "\($0)" }.joined(separator: ".")
            let old = JSONLeaf.get(json, path[...])
            let new: Any
            let key = path.last as? String
            if key == "allow_destructive" || key == "transactional" || key == "undeclared" {
                new = !((old as? Bool) ?? (old as! NSNumber).boolValue)
            } else if let n = old as? Int {
                new = n + 1
            } else if let s = old as? String {
                new = swaps[s] ?? s + "x"
            } else {
                Issue.record("unexpected leaf at \(where_): \(old)")
                continue
            }
            let edited = try JSONSerialization.data(withJSONObject: JSONLeaf.set(json, path[...], new))
            let error = planInputError({ _ = try PlanFile.decode(edited, file: "plan.json") })
            switch key {
            case "format":
                #expect(error?.message.contains("not a tenantplan plan file") == true, "\(where_)")
            case "format_version":
                #expect(error?.message.contains("unsupported plan format version 3") == true, "\(where_)")
            default:
                #expect(error?.message.contains("digest") == true, "\(where_): \(String(describing: error))")
            }
        }
    }

    @Test("a plan without its digest is refused")
    func missingDigest() throws {
        var json = try JSONSerialization.jsonObject(with: samplePlan().encoded()) as! [String: Any]
        json["digest"] = nil
        let data = try JSONSerialization.data(withJSONObject: json)
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message.contains("digest") == true)
    }

    @Test("another format version is refused with a clear message", arguments: [1, 3])
    func wrongVersion(version: Int) throws {
        // 1: a plan from before steps (`prelude_to`), which this version must not guess at.
        var json = try JSONSerialization.jsonObject(with: samplePlan().encoded()) as! [String: Any]
        json["format_version"] = version
        let data = try JSONSerialization.data(withJSONObject: json)
        let error = planInputError { _ = try PlanFile.decode(data, file: "old/plan.json") }
        #expect(error?.message == "unsupported plan format version \(version); this tenantplan reads version 2")
        #expect(error?.file == "old/plan.json")
        #expect(error?.hint == "plan again with this version of tenantplan")
    }

    /// A future version may change the layout; the version must still be what
    /// the message talks about, not a missing key.
    @Test("another format version with another layout is refused by its version")
    func wrongVersionOtherLayout() {
        let data = Data(#"{"format": "tenantplan-plan", "format_version": 3, "tenants": {}}"#.utf8)
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message.contains("unsupported plan format version 3") == true,
                "\(String(describing: error))")
    }

    @Test("another format is refused with a clear message")
    func wrongFormat() throws {
        var json = try JSONSerialization.jsonObject(with: samplePlan().encoded()) as! [String: Any]
        json["format"] = "terraform-plan"
        let data = try JSONSerialization.data(withJSONObject: json)
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message == "not a tenantplan plan file (format 'terraform-plan')")
    }

    @Test("garbage is refused as not a plan file", arguments: [
        "", "not json", "{", "[]", "{}", "null", "{\"format\": 1}", "\u{FEFF}{]",
    ])
    func garbage(_ text: String) {
        let error = planInputError { _ = try PlanFile.decode(Data(text.utf8), file: "plan.json") }
        #expect(error?.message.hasPrefix("not a valid tenantplan plan file") == true, "\(String(describing: error))")
        #expect(error?.hint?.contains("tenantplan plan") == true)
    }

    @Test("a missing key is named in the message")
    func missingKey() throws {
        var json = try JSONSerialization.jsonObject(with: samplePlan().encoded()) as! [String: Any]
        json["change_sets"] = nil
        let data = try JSONSerialization.data(withJSONObject: json)
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message.contains("change_sets") == true, "\(String(describing: error))")
    }

    @Test("read refuses a missing file and reads a written one")
    func read() throws {
        let missing = NSTemporaryDirectory() + "tenantplan-no-such-plan-\(UUID().uuidString).json"
        let error = planInputError { _ = try PlanFile.read(path: missing) }
        #expect(error?.message == "cannot read the plan file")
        #expect(error?.file == missing)

        let path = NSTemporaryDirectory() + "tenantplan-plan-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let plan = samplePlan()
        try plan.encoded().write(to: URL(fileURLWithPath: path))
        var expected = plan
        expected.digest = try plan.computeDigest()
        #expect(try PlanFile.read(path: path) == expected)
    }

    @Test("summary counts tenants by what the plan does to them")
    func summary() {
        let plan = samplePlan()
        #expect(plan.tenantCount == 5)
        let s = plan.summary
        #expect(s.create == 1)
        #expect(s.change == 2)
        #expect(s.inSync == 1)
        #expect(s.heldOnly == 1)
        #expect(plan.hasChanges)
        #expect(plan.changeSets[0].creates)
        #expect(!plan.changeSets[1].creates)
        #expect(plan.changeSets[2].inSync)
        #expect(plan.changeSets[1].tenantCount == 2)

        // A set with nothing to run but a declared object held back is drift.
        var quiet = plan
        quiet.changeSets = [plan.changeSets[2], plan.changeSets[3]]
        #expect(quiet.hasChanges)
        #expect(quiet.summary.create == 0 && quiet.summary.change == 0)
        // Only undeclared objects kept: in sync.
        quiet.changeSets[1].held.removeAll { !$0.undeclared }
        #expect(!quiet.hasChanges)
        #expect(quiet.summary.inSync == 2 && quiet.summary.heldOnly == 0)
    }
}
