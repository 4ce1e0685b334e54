import Foundation
import Testing
import Plan
import State

/// What `--allow` and `ignore:` add to the plan file and its reports.
@Suite("Plan file and report: allowed and ignored")
struct PlanFileIgnoreTests {
    static func plan() throws -> PlanFile {
        var plan = smallPlan()
        plan.allowDestructive = false
        plan.allowed = ["column:orders.legacy", "index:hotfix_*"]
        plan.ignore = IgnoreRules([.tables: [try Glob("alembic_version")], .columns: [try Glob("*.legacy_flag")]])
        plan.ignored = PlanFile.IgnoredObjects(objects: 5, tenants: 3)
        return plan
    }

    @Test("the fields are written, read back, and covered by the digest")
    func roundTrip() throws {
        let plan = try Self.plan()
        let data = try plan.encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""allowed" : ["#) && text.contains(#""column:orders.legacy""#), "\(text)")
        #expect(text.contains(#""ignore" : {"#) && text.contains(#""alembic_version""#), "\(text)")
        #expect(text.contains(#""ignored" : {"#) && text.contains(#""objects" : 5"#), "\(text)")
        var read = try PlanFile.decode(data, file: "plan.json")
        read.digest = nil
        #expect(read == plan)

        // Widening what apply ignores is an edit like any other.
        let widened = text.replacingOccurrences(of: #""*.legacy_flag""#, with: #""*""#)
        #expect(widened != text)
        let error = planInputError { _ = try PlanFile.decode(Data(widened.utf8), file: "plan.json") }
        #expect(error?.message.contains("does not match its digest") == true, "\(String(describing: error))")
    }

    @Test("without selectors or rules the keys are absent, as in earlier plans")
    func absent() throws {
        let text = String(decoding: try smallPlan().encoded(), as: UTF8.self)
        #expect(!text.contains(#""allowed""#) && !text.contains(#""ignore""#) && !text.contains(#""ignored""#))
    }

    @Test("text and markdown say what was allowed and how much was ignored")
    func reports() throws {
        let report = PlanReport(plan: try Self.plan())
        let text = report.text()
        let lines = text.components(separatedBy: "\n")
        #expect(lines[1] == "Allowed by --allow: column:orders.legacy, index:hotfix_*", "\(text)")
        #expect(lines.suffix(2) == [
            "Ignored: 5 objects in 3 tenants (ignore: in schema.yaml), not shown.",
            "Plan: 1 tenant to create, 1 to change, 1 in sync.",
        ], "\(text)")
        let markdown = report.markdown()
        #expect(markdown.contains("Allowed by `--allow`: `column:orders.legacy`, `index:hotfix_*`"), "\(markdown)")
        #expect(markdown.contains("Ignored: 5 objects in 3 tenants (`ignore:` in schema.yaml), not shown."), "\(markdown)")

        let plain = PlanReport(plan: smallPlan())
        #expect(plain.allowedLine == nil && plain.ignoredLine == nil)
        #expect(!plain.text().contains("Ignored") && !plain.markdown().contains("Allowed"))
        var one = try Self.plan()
        one.ignored = PlanFile.IgnoredObjects(objects: 1, tenants: 1)
        #expect(PlanReport(plan: one).ignoredLine == "Ignored: 1 object in 1 tenant (ignore: in schema.yaml), not shown.")
    }
}
