import Foundation
import Testing
import TestSupport

/// Running tenantplan as a team: two pull requests in flight (`plan --reviewed`,
/// exit 3 or 0) and signed plans (`TENANTPLAN_PLAN_KEY`), against a real server,
/// on tenants that hold rows.
@Suite struct TeamWorkflowTests {
    static let key = "e2e-plan-key-4f1d0c2b9a8e7d6c5b4a39281706f5e4"

    /// The example fleet, applied, with a customer and an order in every tenant.
    static func populatedFleet(prefix: String) async throws -> Workspace {
        let w = try await Workspace.make(prefix: prefix)
        let plan = try await w.tenantplan(["plan"])
        try #require(plan.exitCode == 0, "\(plan)")
        let apply = try await w.tenantplan(["apply", "plan.json"])
        try #require(apply.exitCode == 0, "\(apply)")
        for tenant in tenantNames {
            _ = try w.query("INSERT INTO \(tenant).customers (email, name) VALUES ('ann@\(tenant).example', 'Ann')")
            _ = try w.query("INSERT INTO \(tenant).orders (customer_id) SELECT id FROM \(tenant).customers")
        }
        return w
    }

    /// Writes `name` as the example schema.yaml with `lines` added to the columns of `table`.
    static func schema(_ w: Workspace, _ name: String, base: String, adding additions: [(table: String, after: String, line: String)]) throws {
        var text = base
        for addition in additions {
            let anchor = "      \(addition.after)"
            try #require(text.components(separatedBy: anchor).count == 2, "'\(anchor)' is not once in schema.yaml")
            let start = try #require(text.range(of: anchor))
            let end = try #require(text.range(of: "\n", range: start.upperBound..<text.endIndex))
            text.insert(contentsOf: "      \(addition.line)\n", at: end.upperBound)
        }
        try w.write(name, text)
    }

    /// The columns of `table` in `tenant`.
    static func columns(_ w: Workspace, _ tenant: String, _ table: String) throws -> [String] {
        try w.query("""
            SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, ["\(tenant).\(table)"]).map { $0[0]! }
    }

    static func rows(_ w: Workspace) throws -> [String] {
        try tenantNames.flatMap { tenant in
            try w.query("SELECT c.email || '/' || o.status FROM \(tenant).customers c JOIN \(tenant).orders o ON o.customer_id = c.id").map { $0[0]! }
        }
    }

    /// Pull request B (a column `coupon`) is planned and reviewed; pull request A
    /// (a column `gift`) is merged and applied first. B's reviewed plan is now
    /// stale for every tenant, but a fresh plan holds only B's reviewed change:
    /// `plan --reviewed` writes it (exit 0) and it applies. Then C is reviewed,
    /// and before it merges a tenant is added and another drifts: the fresh
    /// plan holds changes nobody reviewed for them, so exit 3, nothing written.
    @Test func twoPullRequestsInFlight() async throws {
        let w = try await Self.populatedFleet(prefix: "e2e_review")
        let base = try w.read("schema.yaml")
        let before = try Self.rows(w)
        let coupon = (table: "orders", after: "note:", line: "coupon:      { type: text }")
        let gift = (table: "orders", after: "note:", line: "gift:        { type: boolean }")
        try Self.schema(w, "b.yaml", base: base, adding: [coupon])
        try Self.schema(w, "a.yaml", base: base, adding: [gift])
        try Self.schema(w, "ab.yaml", base: base, adding: [gift, coupon])

        let reviewB = try await w.tenantplan(["plan", "--schema", "b.yaml", "--out", "reviewed-b.json"])
        try #require(reviewB.exitCode == 0, "\(reviewB)")
        let planA = try await w.tenantplan(["plan", "--schema", "a.yaml", "--out", "a.json"])
        try #require(planA.exitCode == 0, "\(planA)")
        let applyA = try await w.tenantplan(["apply", "a.json"])
        try #require(applyA.exitCode == 0, "\(applyA)")

        // The reviewed plan itself no longer applies: every tenant moved on.
        let stale = try await w.tenantplan(["apply", "reviewed-b.json"])
        #expect(stale.exitCode == 1, "\(stale)")
        #expect(stale.stdout.contains("Apply: 0 applied, 0 already applied, 3 stale"), "\(stale)")

        // On merge: plan again, compare with the review. Only B's change: exit 0, written.
        let merged = try await w.tenantplan(["plan", "--schema", "ab.yaml", "--reviewed", "reviewed-b.json",
                                             "--out", "plan.json", "--detailed-exitcode"])
        #expect(merged.exitCode == 2, "changes, all reviewed: --detailed-exitcode's 2\n\(merged)")
        #expect(merged.stdout.contains("Change 3 tenants (1 change): acme, globex, initech"), "\(merged)")
        #expect(merged.stdout.contains("Every change of this plan was in the reviewed plan reviewed-b.json."), "\(merged)")
        let apply = try await w.tenantplan(["apply", "plan.json"])
        #expect(apply.exitCode == 0, "\(apply)")
        for tenant in tenantNames {
            #expect(try Self.columns(w, tenant, "orders").suffix(2) == ["gift", "coupon"], "\(tenant)")
        }
        #expect(try Self.rows(w) == before)

        // C: a column `vip` on customers, reviewed for the three tenants.
        try Self.schema(w, "abc.yaml", base: try w.read("ab.yaml"),
                        adding: [(table: "customers", after: "country:", line: "vip:        { type: boolean }")])
        let reviewC = try await w.tenantplan(["plan", "--schema", "abc.yaml", "--out", "reviewed-c.json"])
        try #require(reviewC.exitCode == 0, "\(reviewC)")
        // Meanwhile: a new tenant (created from the merged declaration) and a hand-dropped index.
        try w.write("tenants.yaml", "version: 1\ntenants: [acme, globex, initech, hooli]\n")
        let planD = try await w.tenantplan(["plan", "--schema", "ab.yaml", "--tenant", "hooli", "--out", "d.json"])
        try #require(planD.exitCode == 0, "\(planD)")
        let applyD = try await w.tenantplan(["apply", "d.json"])
        try #require(applyD.exitCode == 0, "\(applyD)")
        _ = try w.query("DROP INDEX initech.orders_open_idx")
        try w.write("plan.json", "previous plan\n")

        for format in ["text", "markdown"] {
            let needsReview = try await w.tenantplan(["plan", "--schema", "abc.yaml", "--reviewed", "reviewed-c.json",
                                                      "--detailed-exitcode", "--format", format])
            #expect(needsReview.exitCode == 3, "3 wins over 2\n\(needsReview)")
            #expect(needsReview.stdout.contains("New changes for 1 tenant, beyond the changes reviewed for them (change set 2)"), "\(needsReview)")
            #expect(needsReview.stdout.contains("New changes for 1 tenant not in the reviewed plan (change set 1)"), "\(needsReview)")
            // A small tenant: the single-transaction form (below --online-threshold).
            #expect(needsReview.stdout.contains(#"CREATE INDEX "orders_open_idx" ON "orders" ("placed_at") WHERE (status in ('pending', 'paid'))"#), "\(needsReview)")
            #expect(needsReview.stdout.contains(#"ALTER TABLE "customers" ADD COLUMN "vip" boolean"#), "\(needsReview)")
            #expect(needsReview.stdout.contains("Needs review: 2 tenants with changes that reviewed-c.json did not hold for them. The fresh plan was not written."), "\(needsReview)")
            #expect(needsReview.stderr.isEmpty, "\(needsReview)")
            if format == "text" {
                #expect(needsReview.stdout.contains("): initech\n  + index orders_open_idx on orders\n"), "\(needsReview)")
                #expect(needsReview.stdout.contains("): hooli\n  + column customers.vip\n"), "\(needsReview)")
            } else {
                #expect(needsReview.stdout.contains("Tenants: `hooli`"), "\(needsReview)")
            }
        }
        // Nothing was written and nothing changed.
        #expect(try w.read("plan.json") == "previous plan\n")
        #expect(try Self.columns(w, "acme", "customers").contains("vip") == false)
        #expect(try w.query("SELECT to_regclass('initech.orders_open_idx')::text") == [[nil]])
        #expect(try Self.rows(w) == before)

        // The machine-readable form names the same groups.
        let json = try await w.tenantplan(["plan", "--schema", "abc.yaml", "--reviewed", "reviewed-c.json", "--format", "json"])
        #expect(json.exitCode == 3, "\(json)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.compactMap { $0["reviewed"] as? String } == ["absent", "other_changes"])
        #expect(groups.compactMap { ($0["tenants"] as? [String: [String]])?["main"] } == [["hooli"], ["initech"]])

        // Without the new tenant and the drift, C's fresh plan is covered by its review.
        try w.write("tenants.yaml", "version: 1\ntenants: [acme, globex, initech]\n")
        _ = try w.query("CREATE INDEX orders_open_idx ON initech.orders (placed_at) WHERE status in ('pending', 'paid')")
        let covered = try await w.tenantplan(["plan", "--schema", "abc.yaml", "--reviewed", "reviewed-c.json"])
        #expect(covered.exitCode == 0, "\(covered)")
        #expect(try w.read("plan.json") != "previous plan\n")

        // Allowing destructive changes the review did not: exit 3, even with nothing else new.
        let allows = try await w.tenantplan(["plan", "--schema", "abc.yaml", "--reviewed", "reviewed-c.json",
                                             "--allow-destructive", "--out", "allows.json"])
        #expect(allows.exitCode == 3, "\(allows)")
        #expect(allows.stdout.contains("Allowed now, not in the review: --allow-destructive"), "\(allows)")
        #expect(!FileManager.default.fileExists(atPath: w.url("allows.json").path))
    }

    @Test func aReviewedPlanOfAnotherDatabaseIsRefused() async throws {
        let w = try await Workspace.make(prefix: "e2e_review_db_a")
        let other = try w.otherDatabase(prefix: "e2e_review_db_b")
        let reviewed = try await w.tenantplan(["plan", "--out", "reviewed.json"])
        try #require(reviewed.exitCode == 0, "\(reviewed)")
        let fresh = try await w.tenantplan(["plan", "--reviewed", "reviewed.json", "--out", "fresh.json"], database: other)
        #expect(fresh.exitCode == 1, "\(fresh)")
        #expect(fresh.stderr.contains("reviewed.json: error: the reviewed plan was made for database 'main' = \(w.db.name)"), "\(fresh)")
        #expect(fresh.stderr.contains("but this plan reads \(other.name)"), "\(fresh)")
        #expect(fresh.stdout.isEmpty, "\(fresh)")
        #expect(!FileManager.default.fileExists(atPath: w.url("fresh.json").path))

        // A reviewed plan that is not a valid plan is refused like any plan.
        try w.write("edited.json", try w.read("reviewed.json").replacingOccurrences(of: "acme", with: "acmf"))
        let edited = try await w.tenantplan(["plan", "--reviewed", "edited.json", "--out", "fresh.json"])
        #expect(edited.exitCode == 1, "\(edited)")
        #expect(edited.stderr.contains("edited.json: error: the plan's content does not match its digest"), "\(edited)")
    }

    /// `plan.json` with `edit` applied and its digest recomputed, as anyone can:
    /// here with the server's own sha256(). The signature is left as it was.
    static func redigest(_ w: Workspace, _ name: String, _ edit: (inout [String: Any]) throws -> Void) throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(w.read("plan.json").utf8)) as? [String: Any])
        try edit(&json)
        let signature = json.removeValue(forKey: "signature")
        json["digest"] = nil
        let canonical = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        let hex = try #require(try w.query("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", [canonical]).first?.first ?? nil)
        json["digest"] = "sha256:" + hex
        json["signature"] = signature
        try w.write(name, String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
    }

    /// The issue's attack: an UPDATE added to a reviewed plan, the digest
    /// recomputed. With a key, `show` and `apply` refuse it and nothing runs.
    @Test func aResignedTamperedPlanIsRefused() async throws {
        let w = try await Self.populatedFleet(prefix: "e2e_signed")
        let before = try Self.rows(w)
        try Self.schema(w, "schema.yaml", base: try w.read("schema.yaml"),
                        adding: [(table: "orders", after: "note:", line: "coupon:      { type: text }")])
        let keyed = ["TENANTPLAN_PLAN_KEY": Self.key]

        let plan = try await w.tenantplan(["plan"], environment: keyed)
        try #require(plan.exitCode == 0, "\(plan)")
        let file = try w.read("plan.json")
        #expect(file.contains("\"signature\" : \"hmac-sha256:"), "\(file)")
        for text in [file, plan.stdout, plan.stderr] { #expect(!text.contains(Self.key)) }

        try Self.redigest(w, "tampered.json") { json in
            var sets = json["change_sets"] as! [[String: Any]]
            var changes = sets[0]["changes"] as! [[String: Any]]
            changes.append(["op": "add_column", "action": "+", "object": "column orders.coupon", "transactional": true,
                            "hazards": [String](), "sql": "UPDATE customers SET email = 'attacker@example.com'"])
            sets[0]["changes"] = changes
            json["change_sets"] = sets
        }
        // The recomputed digest is right: without a key, only the signature's
        // presence stops apply (show says it could not check it).
        let unchecked = try await w.tenantplan(["show", "tampered.json"])
        #expect(unchecked.exitCode == 0, "\(unchecked)")
        #expect(unchecked.stdout.contains("UPDATE customers SET email"), "\(unchecked)")
        #expect(unchecked.stderr.contains("tampered.json: note: the plan is signed; its signature was not checked, because TENANTPLAN_PLAN_KEY is not set"), "\(unchecked)")

        for command in [["show", "tampered.json"], ["apply", "tampered.json"]] {
            let refused = try await w.tenantplan(command, environment: keyed)
            #expect(refused.exitCode == 1, "\(refused)")
            #expect(refused.stderr.contains("tampered.json: error: the plan's signature does not match TENANTPLAN_PLAN_KEY: it was edited after it was signed, or signed with another key"), "\(refused)")
            #expect(refused.stderr.contains("nothing was changed in any database"), "\(refused)")
            #expect(refused.stdout.isEmpty, "\(refused)")
            #expect(!refused.stderr.contains(Self.key))
        }
        let noKey = try await w.tenantplan(["apply", "tampered.json"])
        #expect(noKey.exitCode == 1, "\(noKey)")
        #expect(noKey.stderr.contains("the plan is signed, but TENANTPLAN_PLAN_KEY is not set, so its signature cannot be checked"), "\(noKey)")

        // Removing the signature as well does not help: with a key, unsigned plans are refused.
        try Self.redigest(w, "stripped.json") { $0["signature"] = nil }
        let stripped = try await w.tenantplan(["apply", "stripped.json"], environment: keyed)
        #expect(stripped.exitCode == 1, "\(stripped)")
        #expect(stripped.stderr.contains("the plan is not signed, and TENANTPLAN_PLAN_KEY is set"), "\(stripped)")

        // Another key is refused; so is an empty or short one, before anything is read.
        let otherKey = try await w.tenantplan(["apply", "plan.json"], environment: ["TENANTPLAN_PLAN_KEY": Self.key + "x"])
        #expect(otherKey.exitCode == 1, "\(otherKey)")
        #expect(otherKey.stderr.contains("signature does not match"), "\(otherKey)")
        for bad in ["", "short"] {
            let result = try await w.tenantplan(["apply", "plan.json"], environment: ["TENANTPLAN_PLAN_KEY": bad])
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stderr.contains("error: TENANTPLAN_PLAN_KEY is "), "\(result)")
        }
        let badPlan = try await w.tenantplan(["plan", "--out", "empty-key.json"], environment: ["TENANTPLAN_PLAN_KEY": ""])
        #expect(badPlan.exitCode == 1, "\(badPlan)")
        #expect(badPlan.stderr.contains("error: TENANTPLAN_PLAN_KEY is set but empty"), "\(badPlan)")
        #expect(!FileManager.default.fileExists(atPath: w.url("empty-key.json").path))

        // A signed reviewed plan needs the key to be compared with.
        let reviewedNoKey = try await w.tenantplan(["plan", "--reviewed", "plan.json", "--out", "fresh.json"])
        #expect(reviewedNoKey.exitCode == 1, "\(reviewedNoKey)")
        #expect(reviewedNoKey.stderr.contains("plan.json: error: the plan is signed, but TENANTPLAN_PLAN_KEY is not set"), "\(reviewedNoKey)")

        // Nothing ran: no coupon column, the rows as they were.
        for tenant in tenantNames { #expect(try !Self.columns(w, tenant, "orders").contains("coupon")) }
        #expect(try Self.rows(w) == before)

        // The untouched plan, with the key: show and apply, and --reviewed signs the fresh plan.
        let show = try await w.tenantplan(["show", "plan.json"], environment: keyed)
        #expect(show.exitCode == 0 && show.stderr.isEmpty, "\(show)")
        let reviewed = try await w.tenantplan(["plan", "--reviewed", "plan.json", "--out", "fresh.json"], environment: keyed)
        #expect(reviewed.exitCode == 0, "\(reviewed)")
        #expect(try w.read("fresh.json").contains("\"signature\" : \"hmac-sha256:"))
        let apply = try await w.tenantplan(["apply", "fresh.json"], environment: keyed)
        #expect(apply.exitCode == 0, "\(apply)")
        for tenant in tenantNames { #expect(try Self.columns(w, tenant, "orders").last == "coupon") }
        #expect(try Self.rows(w) == before)
    }
}
