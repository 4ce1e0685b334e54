import Foundation
import Postgres
import Testing
import TestSupport

/// The machine-readable and review formats: `plan`/`show --format json` (the plan
/// file's layout, checked against docs/plan-format.md), `apply --format json`,
/// the pull-request markdown, progress lines and colour.
@Suite struct OutputFormatTests {
    /// More tenants than a change set lists before folding them (10).
    static let tenants = (1...12).map { String(format: "t%02d", $0) }
    /// The tenant whose data makes the NOT NULL change fail.
    static let failing = "t03"

    static let outcomes = ["already_applied", "applied", "failed", "in_sync", "interrupted", "not_started", "stale"]

    /// Twelve tenants built from the example schema, then a schema.yaml whose plan
    /// has every kind of change review cares about: a destructive one (dropping
    /// orders.note), a table rewrite (price_cents to bigint), one that may fail on
    /// existing data (country NOT NULL, which t03 violates), and an enum label that
    /// a later change uses (so its addition runs first, outside the transaction).
    static func hazardousFleet(prefix: String) async throws -> Workspace {
        let w = try await Workspace.make(prefix: prefix)
        try w.write("tenants.yaml", "version: 1\ntenants: [\(tenants.joined(separator: ", "))]\n")
        let plan = try await w.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")
        let apply = try await w.tenantplan(["apply", "plan.json"])
        try #require(apply.exitCode == 0, "\(apply)")
        _ = try w.query("INSERT INTO \(failing).customers (email, name) VALUES ('x@example.com', 'X')")

        var schema = try w.read("schema.yaml")
        for (old, new) in [
            ("country:    { type: char(2), comment:", "country:    { type: char(2), nullable: false, comment:"),
            (" price_cents: { type: integer, nullable: false }", " price_cents: { type: bigint, nullable: false }"),
            ("      note:        { type: text, collation: \"C\" }\n", ""),
            ("order_status: [pending, paid, shipped, cancelled]", "order_status: [pending, paid, shipped, cancelled, refunded]"),
            ("\"shipped_on is null or status = 'shipped'\"", "\"shipped_on is null or status in ('shipped', 'refunded')\""),
        ] {
            try #require(schema.components(separatedBy: old).count == 2, "'\(old)' is not once in schema.yaml")
            schema = schema.replacingOccurrences(of: old, with: new)
        }
        try w.write("schema.yaml", schema)
        return w
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object:\n\(text)")
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    // MARK: JSON

    @Test func planShowAndApplyJSON() async throws {
        let w = try await Self.hazardousFleet(prefix: "fmt_json")

        let plan = try await w.tenantplan(["plan", "--transactional", "--allow-destructive", "--format", "json"])
        try #require(plan.exitCode == 0, "\(plan)")
        let file = try w.read("plan.json")
        #expect(plan.stdout == file, "plan --format json prints the plan file")
        let json = try Self.object(plan.stdout)
        #expect(Set(json.keys) == ["format", "format_version", "tool_version", "created_at", "schema_sha256",
                                   "allow_destructive", "databases", "change_sets", "digest"])
        #expect(json["format"] as? String == "tenantplan-plan")
        #expect(json["format_version"] as? Int == 2)
        #expect(!((json["tool_version"] as? String) ?? "").isEmpty)
        #expect(Self.matches(json["created_at"] as? String ?? "", #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#), "\(json["created_at"] ?? "")")
        #expect(Self.matches(json["schema_sha256"] as? String ?? "", "^[0-9a-f]{64}$"))
        #expect(json["allow_destructive"] as? Bool == true)
        #expect(Self.matches(json["digest"] as? String ?? "", "^sha256:[0-9a-f]{64}$"))

        let databases = try #require(json["databases"] as? [[String: Any]])
        try #require(databases.count == 1)
        let db = databases[0]
        #expect(db["name"] as? String == "main")
        #expect(db["database_name"] as? String == w.db.name)
        #expect(Self.matches(db["system_identifier"] as? String ?? "", "^[0-9]+$"))
        #expect((db["server_version"] as? Int ?? 0) >= 100000)
        #expect(Self.matches(db["desired_fingerprint"] as? String ?? "", "^[0-9a-f]{64}$"))

        let sets = try #require(json["change_sets"] as? [[String: Any]])
        try #require(sets.count == 1, "all twelve tenants are in one state: \(sets)")
        let set = sets[0]
        #expect(set["id"] as? Int == 1)
        #expect(set["tenants"] as? [String: [String]] == ["main": Self.tenants])
        #expect((set["held"] as? [Any])?.isEmpty == true)
        let from = try #require(set["from"] as? String)
        let to = try #require(set["to"] as? String)
        #expect(from != to && Self.matches(from, "^[0-9a-f]{64}$") && Self.matches(to, "^[0-9a-f]{64}$"))
        let changes = try #require(set["changes"] as? [[String: Any]])
        for change in changes {
            // `locks` only for a change that locks a relation that existed before the plan.
            #expect(Set(change.keys).subtracting(["locks"]) == ["op", "action", "object", "sql", "transactional", "hazards"],
                    "\(change)")
            #expect(["+", "~", "-"].contains(change["action"] as? String ?? ""), "\(change)")
            #expect(!((change["op"] as? String) ?? "").isEmpty && !((change["object"] as? String) ?? "").isEmpty)
            #expect(!((change["sql"] as? String) ?? "").isEmpty)
            #expect(change["transactional"] is Bool, "\(change)")
            #expect(change["hazards"] is [String], "\(change)")
        }
        func change(_ op: String) -> [String: Any]? { changes.first { $0["op"] as? String == op } }
        #expect((change("drop_column")?["hazards"] as? [String])?.contains("data_loss") == true, "\(changes)")
        #expect(change("drop_column")?["action"] as? String == "-")
        #expect((change("alter_column_type")?["hazards"] as? [String])?.contains("table_rewrite") == true, "\(changes)")
        #expect((change("set_not_null")?["hazards"] as? [String])?.contains("may_fail_on_existing_data") == true, "\(changes)")
        #expect(change("add_enum_value")?["transactional"] as? Bool == false, "\(changes)")

        // show --format json prints the file as it is.
        let show = try await w.tenantplan(["show", "plan.json", "--format", "json"])
        #expect(show.exitCode == 0, "\(show)")
        #expect(show.stdout == file)

        // apply --format json: one tenant fails on its data, the others apply.
        let apply = try await w.tenantplan(["apply", "plan.json", "--format", "json"])
        #expect(apply.exitCode == 1, "\(apply)")
        let report = try Self.object(apply.stdout)
        #expect(report["format_version"] as? Int == 1)
        #expect(report["succeeded"] as? Bool == false)
        let counts = try #require(report["counts"] as? [String: Int])
        #expect(counts == ["already_applied": 0, "applied": 11, "failed": 1, "in_sync": 0, "interrupted": 0, "not_started": 0,
                           "stale": 0])
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(Set(results.compactMap { $0["tenant"] as? String }) == Set(Self.tenants))
        #expect(results.count == Self.tenants.count)
        for result in results {
            #expect(result["database"] as? String == "main")
            #expect(Self.outcomes.contains(result["outcome"] as? String ?? ""), "\(result)")
            #expect(result["change_set"] as? Int == 1)
            #expect((result["attempts"] as? Int ?? 0) >= 1, "\(result)")
            #expect(result["seconds"] is Double || result["seconds"] is Int, "\(result)")
            let tenant = result["tenant"] as? String
            if tenant == Self.failing {
                #expect(result["outcome"] as? String == "failed")
                let failure = try #require(result["failure"] as? [String: Any], "\(result)")
                #expect(failure["sqlstate"] as? String == SQLState.notNullViolation.rawValue, "\(failure)")
                #expect((failure["message"] as? String ?? "").contains("country"), "\(failure)")
            } else {
                #expect(result["outcome"] as? String == "applied", "\(result)")
                #expect(result["failure"] == nil)
            }
        }
        // The failed tenant kept its data and its NULL country.
        #expect(try w.query("SELECT count(*)::text FROM \(Self.failing).customers WHERE country IS NULL") == [["1"]])
        #expect(!hasEscape(apply.stdout) && !hasEscape(apply.stderr), "\(apply)")
    }

    // MARK: Markdown

    @Test func markdownForPullRequests() async throws {
        let w = try await Self.hazardousFleet(prefix: "fmt_markdown")

        let plan = try await w.tenantplan(["plan", "--allow-destructive", "--format", "markdown", "--detailed-exitcode"])
        #expect(plan.exitCode == 2, "\(plan)")
        let md = plan.stdout
        #expect(md.hasPrefix("### tenantplan\n"), "\(md)")
        #expect(md.contains("**Plan: 0 tenants to create, 12 to change, 0 in sync.**"), "\(md)")
        #expect(md.contains("#### Hazards"), "\(md)")
        #expect(md.contains("```sql\n"), "\(md)")
        #expect(md.contains(#"DROP COLUMN "note""#), "\(md)")
        #expect(md.contains("<details><summary>12 tenants</summary>"), "\(md)")
        #expect(!md.contains("Tenants: `t01`"), "a long tenant list is folded:\n\(md)")
        #expect(md.contains("`t12`"))

        // Hazards: destructive changes (🛑) all come before the others (⚠️).
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let hazardsAt = try #require(lines.firstIndex(of: "#### Hazards"))
        let section = lines[(hazardsAt + 1)...].prefix { !$0.hasPrefix("####") }.filter { $0.hasPrefix("- ") }
        let destructive = section.indices.filter { section[$0].hasPrefix("- 🛑") }
        let others = section.indices.filter { section[$0].hasPrefix("- ⚠️") }
        #expect(!destructive.isEmpty && !others.isEmpty, "\(section)")
        #expect((destructive.max() ?? 0) < (others.min() ?? 0), "destructive hazards first:\n\(section.joined(separator: "\n"))")
        #expect(section.contains { $0.hasPrefix("- 🛑") && $0.contains("column orders.note") }, "\(section)")
        #expect(section.contains { $0.hasPrefix("- ⚠️") && $0.contains("price_cents") }, "\(section)")

        // show renders the saved plan the same way.
        let show = try await w.tenantplan(["show", "plan.json", "--format", "markdown"])
        #expect(show.exitCode == 0, "\(show)")
        #expect(show.stdout == md)

        // Without --allow-destructive the drop is held back, and said so under Hazards.
        let held = try await w.tenantplan(["plan", "--format", "markdown", "--out", "held.json"])
        #expect(held.exitCode == 0, "\(held)")
        #expect(held.stdout.contains("#### Hazards"), "\(held)")
        #expect(held.stdout.contains("held back `"), "\(held)")
        #expect(!held.stdout.contains(#"DROP COLUMN "note""#), "\(held)")

        // A short tenant list is written out, not folded.
        let short = try await w.tenantplan(["plan", "--allow-destructive", "--format", "markdown",
                                            "--tenant", "t01", "--tenant", "t02", "--out", "short.json"])
        #expect(short.exitCode == 0, "\(short)")
        #expect(short.stdout.contains("Tenants: `t01`, `t02`"), "\(short)")
        #expect(!short.stdout.contains("<details><summary>2 tenants"), "\(short)")

        // In sync: no hazards, no SQL.
        let apply = try await w.tenantplan(["apply", "short.json"])
        #expect(apply.exitCode == 0, "\(apply)")
        let synced = try await w.tenantplan(["plan", "--format", "markdown", "--tenant", "t01", "--out", "synced.json"])
        #expect(synced.stdout.hasPrefix("### tenantplan\n"), "\(synced)")
        #expect(synced.stdout.contains("**Plan: 0 tenants to create, 0 to change, 1 in sync.**"), "\(synced)")
        #expect(!synced.stdout.contains("#### Hazards") && !synced.stdout.contains("```sql"), "\(synced)")

        for output in [plan, show, held, short, synced] {
            #expect(!hasEscape(output.stdout) && !hasEscape(output.stderr), "\(output)")
        }
    }

    // MARK: Progress and colour

    /// Progress on a pipe: plain lines, no carriage return or escape, at most one
    /// every five seconds. Discovery sleeps six seconds so that the reflection's
    /// first report is due, and the rest (1,500 tenants in batches) are not.
    @Test func progressIsOccasionalPlainLinesWithoutATerminal() async throws {
        let w = try await Workspace.make(prefix: "fmt_progress")
        let count = 1500
        _ = try w.query("""
            DO $$ BEGIN
              FOR i IN 1..\(count) LOOP EXECUTE format('CREATE SCHEMA %I', 'p_' || lpad(i::text, 5, '0')); END LOOP;
            END $$
            """)
        try w.write("tenants.yaml", """
            version: 1
            discover:
              - { query: "select n.nspname from pg_namespace n, pg_sleep(6) where left(n.nspname, 2) = 'p_'" }

            """)
        let started = Date()
        let plan = try await w.tenantplan(["plan"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("Plan: 0 tenants to create, \(count) to change, 0 in sync."), "\(plan)")
        #expect(!plan.stderr.contains("\r") && !hasEscape(plan.stderr), "\(plan.stderr)")
        #expect(!hasEscape(plan.stdout))
        let lines = plan.stderr.split(separator: "\n")
        #expect(!lines.isEmpty, "a plan of \(elapsed)s reports its progress")
        #expect(lines.count <= 1 + Int(elapsed / 5), "at most a line every five seconds in \(elapsed)s:\n\(plan.stderr)")
        for line in lines {
            #expect(Self.matches(String(line), #"^reflected [0-9]+/\#(count) tenants in database 'main'( \(.*\))?$"#), "\(line)")
        }
    }

    @Test func noColorMeansNoEscapes() async throws {
        let w = try await Self.hazardousFleet(prefix: "fmt_colour")
        let plan = try await w.tenantplan(["plan", "--allow-destructive"], environment: ["NO_COLOR": "1", "TERM": "xterm-256color"])
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stdout.contains("[data_loss"), "\(plan)")
        #expect(!hasEscape(plan.stdout) && !hasEscape(plan.stderr), "\(plan)")

        // On a terminal: colour without NO_COLOR (hazards in red), none with it.
        let coloured = try await w.tenantplanOnTerminal(["show", "plan.json"])
        #expect(coloured.exitCode == 0, "\(coloured.terminal)")
        #expect(coloured.terminal.contains("\u{1B}[31m[data_loss"), "\(coloured.terminal)")
        let plain = try await w.tenantplanOnTerminal(["show", "plan.json"], environment: ["NO_COLOR": "1"])
        #expect(plain.exitCode == 0, "\(plain.terminal)")
        #expect(!hasEscape(plain.terminal), "\(plain.terminal)")
        #expect(plain.terminal.contains("[data_loss"), "\(plain.terminal)")
        let markdown = try await w.tenantplanOnTerminal(["show", "plan.json", "--format", "markdown"], environment: ["NO_COLOR": "1"])
        #expect(!hasEscape(markdown.terminal), "\(markdown.terminal)")
    }

    // MARK: docs/plan-format.md

    /// Keys in backquotes in the first column of the table under `## heading`.
    static func documentedKeys(_ doc: String, section heading: String) throws -> [String: String] {
        let lines = doc.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: heading), "docs/plan-format.md has no '\(heading)'")
        var keys: [String: String] = [:]
        for line in lines[(start + 1)...].prefix(while: { !$0.hasPrefix("#") }) where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard cells.count > 2 else { continue }
            for key in backquoted(cells[1]) { keys[key] = cells[2] }
        }
        return keys
    }

    static func backquoted(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// The plan and the apply report have exactly the keys docs/plan-format.md documents.
    @Test func theDocumentedLayoutMatchesTheOutput() async throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/plan-format.md"), encoding: .utf8)
        let top = try Self.documentedKeys(doc, section: "## Top level")
        let databaseKeys = try Self.documentedKeys(doc, section: "## databases[]")
        let setKeys = try Self.documentedKeys(doc, section: "## change_sets[]")
        let changeKeys = try Self.documentedKeys(doc, section: "## changes[]")
        let ops = Set(Self.backquoted(try #require(changeKeys["op"])))
        let hazards = Set(Self.backquoted(try #require(changeKeys["hazards"])))
        let heldKeys = try #require(setKeys["held"]?.range(of: #"\{[a-z_, ]+\}"#, options: .regularExpression)
            .map { setKeys["held"]![$0].dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } })

        let w = try await Self.hazardousFleet(prefix: "fmt_doc")
        var plans: [[String: Any]] = []
        let signing = ["TENANTPLAN_PLAN_KEY": String(repeating: "k", count: 32)]
        for (args, environment) in [(["plan", "--allow-destructive", "--format", "json"], [:]),
                                    (["plan", "--format", "json", "--out", "held.json"], [:]),
                                    (["plan", "--format", "json", "--out", "signed.json"], signing)] {
            let result = try await w.tenantplan(args, environment: environment)
            try #require(result.exitCode == 0, "\(result)")
            plans.append(try Self.object(result.stdout))
        }
        // Keys whose doc starts "present only when ..." (signature, allowed, ignore, ignored) may be absent.
        let optionalTop = Set(top.filter { $0.value.trimmingCharacters(in: .whitespaces).hasPrefix("present only") }.keys)
        #expect(optionalTop == ["signature", "allowed", "ignore", "ignored"], "\(optionalTop)")
        #expect(Set(plans[2].keys).isSuperset(of: ["signature"]), "a signed plan has the signature")
        for plan in plans {
            #expect(Set(plan.keys).isSubset(of: Set(top.keys)) && Set(top.keys).subtracting(optionalTop).isSubset(of: Set(plan.keys)),
                    "top-level keys \(plan.keys.sorted()) vs the doc's 'Top level' table")
            for db in plan["databases"] as? [[String: Any]] ?? [] {
                let undocumented = Set(db.keys).subtracting(databaseKeys.keys)
                let missing = Set(databaseKeys.keys).subtracting(["url", "url_env"]).subtracting(db.keys)
                #expect(undocumented.isEmpty && missing.isEmpty, "databases[]: undocumented \(undocumented), missing \(missing)")
            }
            for set in plan["change_sets"] as? [[String: Any]] ?? [] {
                let undocumented = Set(set.keys).subtracting(setKeys.keys)
                // Keys whose doc starts "present only when ..." may be absent.
                let missing = Set(setKeys.filter {
                    !$0.value.trimmingCharacters(in: .whitespaces).hasPrefix("present only")
                }.keys).subtracting(set.keys)
                #expect(undocumented.isEmpty, "change_sets[] keys not in docs/plan-format.md: \(undocumented.sorted())")
                #expect(missing.isEmpty, "change_sets[] keys documented but missing: \(missing.sorted())")
                // Keys whose doc starts "present only ..." (locks, lock_first, backfill) may be absent.
                let requiredChangeKeys = Set(changeKeys.filter {
                    !$0.value.trimmingCharacters(in: .whitespaces).hasPrefix("present only")
                }.keys)
                #expect(requiredChangeKeys == Set(changeKeys.keys).subtracting(["locks", "lock_first", "backfill"]))
                for change in set["changes"] as? [[String: Any]] ?? [] {
                    #expect(Set(change.keys).isSubset(of: Set(changeKeys.keys)) && requiredChangeKeys.isSubset(of: Set(change.keys)),
                            "changes[]: \(change.keys.sorted())")
                    #expect(ops.contains(change["op"] as? String ?? ""), "undocumented op \(change["op"] ?? "")")
                    for hazard in change["hazards"] as? [String] ?? [] {
                        #expect(hazards.contains(hazard), "undocumented hazard \(hazard)")
                    }
                }
                for held in set["held"] as? [[String: Any]] ?? [] {
                    #expect(Set(held.keys) == Set(heldKeys), "held[]: \(held.keys.sorted()) vs documented \(heldKeys)")
                }
            }
        }
        #expect(plans.allSatisfy { ($0["change_sets"] as? [[String: Any]])?.contains { $0["stamps"] != nil } == true },
                "a plan that changes existing tenants records their stamps")
        #expect(plans[1]["change_sets"].flatMap { ($0 as? [[String: Any]])?.first?["held"] as? [Any] }?.isEmpty == false,
                "the plan without --allow-destructive holds the drop back")

        // apply --format json against the example in the doc.
        let example = try #require(doc.components(separatedBy: "# apply --format json").last?
            .components(separatedBy: "```json\n").dropFirst().first?.components(separatedBy: "```").first)
        let documented = try Self.object(example)
        let documentedResults = documented["results"] as? [[String: Any]] ?? []
        let resultKeys = Set(documentedResults.flatMap(\.keys))
        let failureKeys = Set(documentedResults.compactMap { $0["failure"] as? [String: Any] }.flatMap(\.keys))
        let outcomeSentence = try #require(doc.components(separatedBy: "`outcome` is one of").last?.components(separatedBy: ".").first)
        #expect(Set(Self.backquoted(outcomeSentence)) == Set(Self.outcomes))
        #expect(Set((documented["counts"] as? [String: Int] ?? [:]).keys) == Set(Self.outcomes))

        // One worker, stopping at the first failure (t03): applied, failed, not started.
        let apply = try await w.tenantplan(["apply", "plan.json", "--format", "json", "--parallel", "1", "--max-failures", "1"])
        #expect(apply.exitCode == 1, "\(apply)")
        let report = try Self.object(apply.stdout)
        #expect(report["counts"] as? [String: Int]
                == ["already_applied": 0, "applied": 2, "failed": 1, "in_sync": 0, "interrupted": 0, "not_started": 9, "stale": 0],
                "\(apply)")
        #expect(Set(report.keys) == Set(documented.keys), "apply report keys \(report.keys.sorted()) vs documented \(documented.keys.sorted())")
        #expect(Set((report["counts"] as? [String: Int] ?? [:]).keys) == Set(Self.outcomes))
        for result in report["results"] as? [[String: Any]] ?? [] {
            #expect(Set(result.keys).isSubset(of: resultKeys), "results[]: \(result.keys.sorted()) vs documented \(resultKeys.sorted())")
            // `failure` and `lock_timeouts` are present only for some tenants.
            #expect(Set(result.keys).subtracting(["failure", "lock_timeouts"]) == resultKeys.subtracting(["failure", "lock_timeouts"]))
            if let failure = result["failure"] as? [String: Any] {
                #expect(Set(failure.keys).isSubset(of: failureKeys), "failure: \(failure.keys.sorted()) vs documented \(failureKeys.sorted())")
            }
        }
    }
}
