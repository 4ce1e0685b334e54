import ArgumentParser

@main
struct Tenantplan: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tenantplan",
        abstract: "Keep every tenant schema of a schema-per-tenant PostgreSQL database identical to one declaration.",
        discussion: """
            Declare the tables of a tenant in schema.yaml and the fleet in tenants.yaml. `plan` compares \
            every tenant schema with the declaration and writes plan.json; `apply plan.json` executes that \
            reviewed plan, one transaction per tenant.

            Exit codes: 0 success; 1 error (for apply: any tenant not brought to the desired state); \
            2 from `plan --detailed-exitcode` when there are changes; 130 after an interrupt (SIGINT, SIGTERM).
            """,
        version: version,
        subcommands: [PlanCommand.self, ApplyCommand.self, ShowCommand.self, ValidateCommand.self, ImportCommand.self]
    )
}
