import Foundation
import Testing
import TestSupport
import Yams

/// The example workflow of docs/github-actions.yml, read as YAML: the jobs, triggers,
/// concurrency and secrets that docs/gitops.md and docs/install.md rely on.
@Suite struct WorkflowTests {
    let root: Node
    let text: String

    init() throws {
        text = try String(contentsOf: packageRoot.appendingPathComponent("docs/github-actions.yml"), encoding: .utf8)
        root = try #require(try Yams.compose(yaml: text))
    }

    var jobs: [(name: String, job: Node)] { pairs(root["jobs"]).map { ($0.key, $0.value) } }

    func job(_ name: String) throws -> Node { try #require(root["jobs"]?[name], "no job \(name)") }

    func steps(_ job: Node) -> [Node] { Array(job["steps"]?.sequence ?? []) }

    /// The step whose `run:` contains `text`, and its index.
    func step(running text: String, in job: Node) -> (index: Int, step: Node)? {
        steps(job).enumerated().first { $0.element["run"]?.string?.contains(text) == true }
            .map { ($0.offset, $0.element) }
    }

    @Test func itHasThePlanApplyAndDriftJobs() throws {
        #expect(jobs.map(\.name) == ["plan", "apply", "drift"])
        #expect(root["name"]?.string == "tenantplan")
    }

    @Test func itRunsOnPullRequestsWithLabelEventsOnMainAndOnASchedule() throws {
        // `on` is a boolean in YAML 1.1: look the key up by its text.
        let on = try #require(pairs(root).first { $0.key == "on" }?.value)
        let types = Set((on["pull_request"]?["types"]?.sequence ?? []).compactMap(\.string))
        #expect(types.isSuperset(of: ["opened", "synchronize", "reopened", "labeled", "unlabeled"]), "\(types)")
        #expect((on["push"]?["branches"]?.sequence ?? []).compactMap(\.string) == ["main"])
        let cron = try #require(on["schedule"]?.sequence?.first?["cron"]?.string)
        #expect(cron.split(separator: " ").count == 5, "\(cron)")
        #expect(pairs(on).contains { $0.key == "workflow_dispatch" })

        #expect(try job("plan")["if"]?.string?.contains("github.event_name == 'pull_request'") == true)
        #expect(try job("plan")["if"]?.string?.contains("tenantplan:allow-destructive") == true)
        #expect(try job("apply")["if"]?.string == "github.event_name == 'push'")
        #expect(try job("drift")["if"]?.string?.contains("schedule") == true)
    }

    @Test func anApplyIsNeverCancelledAndAPullRequestPlanMayBe() throws {
        let apply = try #require(try job("apply")["concurrency"])
        #expect(apply["cancel-in-progress"]?.bool == false)
        #expect(apply["group"]?.string?.isEmpty == false)
        let plan = try #require(try job("plan")["concurrency"])
        #expect(plan["cancel-in-progress"]?.bool == true)
        #expect(plan["group"]?.string?.contains("github.event.pull_request.number") == true)
        // The drift check never shares the apply's group, where it could push out a pending apply.
        #expect(try job("drift")["concurrency"]?["group"]?.string != apply["group"]?.string)
    }

    @Test func secretsAreOnlyInTheEnvironmentOfSteps() throws {
        #expect(text.contains("${{ secrets."))
        var places: [String] = []
        walk(root, path: []) { path, value in
            if value.contains("secrets.") { places.append(path.joined(separator: ".")) }
        }
        #expect(!places.isEmpty)
        for place in places {
            // jobs.<job>.steps.<n>.env.<NAME>
            let parts = place.split(separator: ".")
            #expect(parts.count == 6 && parts[0] == "jobs" && parts[2] == "steps" && parts[4] == "env",
                    "a secret outside a step's env: \(place)")
        }
        #expect(root["env"].map { !serialized($0).contains("secrets.") } ?? true)
        for (name, job) in jobs {
            #expect(job["env"] == nil, "job \(name) has a job-level env")
        }
        #expect(root["permissions"]?.mapping?.isEmpty == true, "top-level permissions: {}")
    }

    @Test func everyJobInstallsThePinnedReleaseAndBuildsNothing() throws {
        let env = try #require(root["env"])
        let version = try #require(env["TENANTPLAN_VERSION"]?.string)
        #expect(version.wholeMatch(of: /\d+\.\d+\.\d+/) != nil, "\(version)")
        let sha256 = try #require(env["TENANTPLAN_SHA256"]?.string)
        #expect(sha256.wholeMatch(of: /[0-9a-f]{64}/) != nil, "\(sha256)")
        for (name, job) in jobs {
            let install = try #require(step(running: "sha256sum -c", in: job), "job \(name) installs no checked release")
            let run = install.step["run"]?.string ?? ""
            #expect(run.contains("$TENANTPLAN_SHA256"), "\(name): \(run)")
            #expect(run.contains("$TENANTPLAN_VERSION"), "\(name): \(run)")
            #expect(run.contains("libpq5"), "\(name): \(run)")
            #expect(install.step["env"] == nil, "\(name): the install step needs no secret")
            // Installed before anything runs tenantplan.
            let first = steps(job).firstIndex { ($0["run"]?.string ?? "").contains("tenantplan ") }
            #expect(first == install.index, "\(name)")
            #expect(job["container"] == nil, "\(name)")
            #expect(!steps(job).contains { ($0["run"]?.string ?? "").contains("swift build") }, "\(name) builds from source")
        }
    }

    @Test func applyRunsTheReviewedPlanCheckBeforeApplying() throws {
        let apply = try job("apply")
        let reviewed = try #require(step(running: "tenantplan plan --reviewed reviewed.json", in: apply))
        let run = try #require(step(running: "tenantplan apply plan.json", in: apply))
        #expect(reviewed.index < run.index)
        let script = reviewed.step["run"]?.string ?? ""
        #expect(script.contains("3)"), "exit 3 is handled: \(script)")
        // The merge allows exactly what the review allowed: the flag and every recorded selector,
        // else a reviewed drop would be held back again and silently not run.
        #expect(script.contains(".allow_destructive") && script.contains("--allow-destructive"), "\(script)")
        #expect(script.contains("(.allowed // [])[]") && script.contains("allow+=(--allow \"$selector\")"), "\(script)")
        #expect(reviewed.step["env"]?["DATABASE_URL"]?.string == "${{ secrets.DATABASE_URL }}")
        #expect(run.step["env"]?["TENANTPLAN_PLAN_KEY"]?.string == "${{ secrets.TENANTPLAN_PLAN_KEY }}")
        #expect(apply["environment"]?.string == "production")

        let plan = try job("plan")
        let planning = try #require(step(running: "tenantplan plan --detailed-exitcode --format markdown", in: plan))
        #expect(planning.step["env"]?["TENANTPLAN_PLAN_KEY"] != nil)
        #expect(steps(plan).contains { $0["uses"]?.string?.hasPrefix("actions/upload-artifact@") == true
            && $0["with"]?["path"]?.string == "plan.json" })

        let drift = try job("drift")
        #expect(step(running: "tenantplan plan --detailed-exitcode", in: drift) != nil)
        #expect(drift["permissions"]?["issues"]?.string == "write")
    }

    // MARK: Reading the tree

    func pairs(_ node: Node?) -> [(key: String, value: Node)] {
        guard let mapping = node?.mapping else { return [] }
        return mapping.compactMap { key, value in key.string.map { ($0, value) } }
    }

    func serialized(_ node: Node) -> String { (try? Yams.serialize(node: node)) ?? "" }

    /// Calls `body` with the path and text of every scalar under `node`.
    func walk(_ node: Node, path: [String], _ body: ([String], String) -> Void) {
        switch node {
        case .scalar(let scalar): body(path, scalar.string)
        case .mapping: for (key, value) in pairs(node) { walk(value, path: path + [key], body) }
        case .sequence(let sequence):
            for (i, item) in sequence.enumerated() { walk(item, path: path + [String(i)], body) }
        case .alias: break
        }
    }
}
