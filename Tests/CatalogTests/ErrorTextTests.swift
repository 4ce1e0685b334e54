@testable import Catalog
import Postgres
import State
import Testing

/// Errors of planning and import, told through the one formatter as before.
@Suite struct ErrorTextTests {
    let server = PostgresError(kind: .query, sqlState: "42501", message: "permission denied for schema acme",
                               detail: "d", hint: "h")

    @Test func planningErrors() {
        #expect(PlanningError.missingEnvironment(database: "eu", variable: "EU_URL").description == """
            error: database 'eu': the environment variable EU_URL is not set
              hint: export EU_URL with the database's URL (no password: use .pgpass or PGPASSWORD)
            """)
        #expect(PlanningError.cannotConnect(database: "eu", origin: .urlEnv("EU_URL"), underlying: server).description == """
            error: cannot connect to database 'eu' through $EU_URL: permission denied for schema acme
              hint: check the server is running and the connection settings; passwords belong in .pgpass or PGPASSWORD
            """)
        #expect(PlanningError.unknownTenant("x", file: "tenants.yaml").description == """
            error: --tenant x: no such tenant in tenants.yaml
              hint: list it under tenants: or make a discover: rule find it
            1 error; nothing was changed in any database.
            """)
        #expect(PlanningError.database("main", server).description == """
            error: database 'main': permission denied for schema acme (SQLSTATE 42501)
              detail: d
              hint: h
            1 error; nothing was changed in any database.
            """)
        let rule = DiscoveryRule(database: "main", kind: .query("select 1"),
                                 location: SourceLocation(file: "tenants.yaml", line: 4, column: 5))
        #expect(ErrorFormatter.text(for: PlanningError.discovery(rule, server), closingLine: false) == """
            tenants.yaml:4:5: error: discovery in database 'main' failed: permission denied for schema acme
              hint: fix the discover: rule; a query must return schema names in its first column
            """)
        let input = InputError("PostgreSQL rejects this declaration: x", file: "schema.yaml", hint: "fix it")
        #expect(ErrorFormatter.text(for: PlanningError.declarationRejected(input, server: server), closingLine: false)
                == input.description)
    }

    @Test func importErrors() {
        #expect(ImportError.reservedSchema("public", reason: "it is reserved").description == """
            error: --tenant public: it is reserved
              hint: import a tenant schema
            1 error; nothing was changed in any database.
            """)
        #expect(ImportError.schemaNotFound(tenant: "nobody", database: "main").summary
                == #"tenant nobody: there is no schema "nobody" in database 'main'"#)
    }

    @Test func aServerErrorIsToldWithItsStateDetailAndHint() {
        #expect(ErrorFormatter.text(for: server) == """
            error: permission denied for schema acme (SQLSTATE 42501)
              detail: d
              hint: h
            """)
    }
}
