import ArgumentParser
import State

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check schema.yaml and tenants.yaml without connecting to any database.")

    @OptionGroup var files: FileOptions

    func run() throws {
        let inputs = try reportingErrors { try InputFiles.load(schema: files.schema, tenants: files.tenants) }
        for line in inputs.summary { print(line) }
        print("Valid.")
    }
}
