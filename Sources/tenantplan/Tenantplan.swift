import ArgumentParser

@main
struct Tenantplan: ParsableCommand {
    static let version = BuildInfo.version

    static let configuration = CommandConfiguration(
        commandName: "tenantplan",
        abstract: "Keep every tenant schema of a schema-per-tenant PostgreSQL database identical to one declaration.",
        discussion: """
            Declare the tables of a tenant in schema.yaml and the fleet in tenants.yaml. `plan` compares \
            every tenant schema with the declaration and writes plan.json; `apply plan.json` executes that \
            reviewed plan, one transaction per tenant.

            Exit codes: 0 success; 1 error (for apply: any tenant not brought to the desired state); \
            2 from `plan --detailed-exitcode` when there are changes; 3 from `plan --reviewed` when the \
            fresh plan needs a new review; 64 a command-line usage error (an unknown command or option, \
            a missing or invalid value); 130 after an interrupt (SIGINT, SIGTERM).

            Signed plans: with TENANTPLAN_PLAN_KEY set (a secret of at least 32 bytes), `plan` signs the \
            plan file (HMAC-SHA256) and `apply`, `show` and `plan --reviewed` refuse a plan whose \
            signature is missing or wrong; without it, `apply` and `plan --reviewed` refuse a signed plan, \
            whose signature they cannot check. The plan's digest alone catches accidental edits only: \
            anyone can recompute it.

            Shell completion: `tenantplan --generate-completion-script bash|zsh|fish`.
            """,
        version: BuildInfo.versionLine,
        subcommands: [PlanCommand.self, ApplyCommand.self, ProvisionCommand.self, ShowCommand.self, ValidateCommand.self, ImportCommand.self]
    )

    /// Parses and runs, after refusing an unknown command with a suggestion
    /// (ArgumentParser suggests options only).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let commands = configuration.subcommands.map { $0._commandName } + ["help"]
        if let error = UnknownCommand(arguments: arguments, commands: commands) { exitWithUsageError(error) }
        main(arguments)
    }
}
