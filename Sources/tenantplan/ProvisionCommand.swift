import Apply
import ArgumentParser
import State

struct ProvisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Create one new tenant right away, from schema.yaml (for sign-up flows).",
        discussion: """
            Plans and applies that one schema in one transaction, under the tenant's advisory lock: creates \
            the schema and every declared object, and commits only if the result is exactly the declared \
            state. Exit 0 when it was created, or already exists in sync (already provisioned); exit 1, \
            touching nothing, when it exists and differs (use plan and apply for it). Safe to call \
            concurrently, for different names and for the same one. The tenant need not be listed in \
            tenants.yaml; the output notes when the next plan would not manage it.
            """)

    @Argument(help: "The tenant: the schema to create.")
    var name: String

    @Option(name: .long, help: "The database of tenants.yaml to create it in (default: the one it is listed in, else the only one).")
    var database: String?

    @OptionGroup var files: FileOptions

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Output format: text or json (one object; errors as {\"error\": ...}).")
    var format: ApplyFormat = .text

    func run() throws {
        let provisioner = Provisioner(connections: connection.resolver)
        let result: ProvisionResult
        do {
            result = try provisioner.provision(name, database: database, schema: files.schema, tenants: files.tenants)
        } catch {
            guard format == .json else { return try reportingErrors { throw error } }
            print(ErrorFormatter.json(for: error))
            throw ExitCode.failure
        }
        switch format {
        case .text:
            if let failure = result.failure { Output.error(ErrorFormatter.text(for: failure)) } else { print(result.text()) }
        case .json:
            print(try result.json())
        }
        if !result.succeeded { throw ExitCode.failure }
    }
}
