import ArgumentParser
import Planning

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write a live tenant schema as schema.yaml.",
        discussion: """
            Reads one tenant schema from pg_catalog and writes the schema.yaml that reproduces it: \
            planning that tenant against the file finds it in sync, and new tenants get the same \
            schema. This is how a fleet built by Alembic or by hand adopts tenantplan. Tables (columns, \
            keys, foreign keys, checks, exclusion constraints, indexes, deferrable keys, operator classes \
            and index storage parameters included), enums, domains, composite types, sequences, \
            functions, procedures, aggregates, triggers, views, materialized views, row-level security, \
            policies, grants and comments are imported. What schema.yaml cannot express (NOT VALID \
            constraints, overloaded functions, triggers with arguments...) is skipped with a warning \
            and listed in the file's header comment, as are the objects tenantplan does not manage \
            (window functions, foreign tables...). The bookkeeping tables of migration \
            tools (alembic_version, django_migrations, schema_migrations, flyway_schema_history, ...) are left \
            out and listed under ignore:. Checks, defaults, generated expressions and index expressions \
            are written in the form PostgreSQL prints back unchanged. The tenant is then planned against \
            the file: when that still finds changes other than those the warnings announced, they are \
            named and the exit code is 1 (the file stays written). Needs USAGE on the tenant schema and \
            CREATE on the database (for a rolled-back scratch schema). Nothing is changed in any database.
            """)

    @Option(name: .long, help: "The tenant schema to import.")
    var tenant: String

    @Option(name: .long, help: "Where to write the declaration.", completion: .yamlFile)
    var out = "schema.yaml"

    @Option(name: .long, help: "The fleet, to find the tenant's database (default: tenants.yaml when it exists).",
            completion: .yamlFile)
    var tenants: String?

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    func run() throws {
        let frontend = ImportFrontend(
            tenant: tenant, out: out, tenants: tenants, force: force, connections: connection.resolver,
            toolVersion: Tenantplan.version, note: Output.error)
        try reportingErrors { try frontend.run() }
    }
}
