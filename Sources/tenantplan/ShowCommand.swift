import ArgumentParser
import Plan

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a plan file: its change sets, their SQL and hazards.",
        discussion: """
            Refuses a plan that was edited. With TENANTPLAN_PLAN_KEY set, also a plan whose signature is \
            missing or wrong; without it, a signed plan is shown with a note that its signature was not checked.
            """)

    @Argument(help: "The plan file.", completion: .planFile)
    var plan: String

    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: PlanFormat = .text

    func run() throws {
        let (file, key) = try reportingErrors {
            let key = try PlanKey.fromEnvironment()
            return (try PlanFile.read(path: plan, key: key, withoutKey: .accept), key)
        }
        if key == nil && file.signature != nil {
            Output.error("\(plan): note: the plan is signed; its signature was not checked, because \(PlanKey.environmentVariable) is not set")
        }
        let report = PlanReport(plan: file, color: Output.color)
        switch format {
        case .text: print(report.text(sql: true))
        case .markdown: print(report.markdown())
        case .json: print(String(decoding: try file.encoded(), as: UTF8.self), terminator: "")
        }
    }
}
