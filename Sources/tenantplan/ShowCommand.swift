import ArgumentParser
import Plan

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a plan file: its change sets, their SQL and hazards.")

    @Argument(help: "The plan file.", completion: .planFile)
    var plan: String

    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: PlanFormat = .text

    func run() throws {
        let file = try reportingErrors { try PlanFile.read(path: plan) }
        let report = PlanReport(plan: file, color: Output.color)
        switch format {
        case .text: print(report.text(sql: true))
        case .markdown: print(report.markdown())
        case .json: print(String(decoding: try file.encoded(), as: UTF8.self), terminator: "")
        }
    }
}
