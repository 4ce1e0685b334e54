import Foundation
import Testing
@testable import State

private func fleetErrors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
    inputErrors({ _ = try FleetLoader.parse(yaml: yaml, file: "tenants.yaml") }, sourceLocation: sourceLocation)
}

private func parse(_ yaml: String) throws -> Fleet {
    try FleetLoader.parse(yaml: yaml, file: "tenants.yaml")
}

private func at(_ line: Int, _ column: Int) -> State.SourceLocation {
    SourceLocation(file: "tenants.yaml", line: line, column: column)
}

@Suite struct FleetLoaderTests {
    // MARK: - Happy paths

    @Test func specExampleParsesToTheFullStructure() throws {
        let fleet = try parse("""
            version: 1
            databases:                    # optional; without it, one database:
              main: {}                    #   --database-url, else DATABASE_URL, else libpq's PG* environment
              eu:   { url_env: EU_DATABASE_URL }   # or url: "postgresql://host/db"
            tenants:
              - acme
              - globex
              - { name: initech, database: eu }
            discover:                     # optional: tenants found in a database at plan time
              - { database: main, schemas_like: "tenant\\\\_%" }
              - { database: eu, query: "select schema_name from public.tenants where active" }
            exclude: [tenant_template]
            """)
        let expected = Fleet(
            file: "tenants.yaml", version: 1,
            databases: [
                DatabaseDeclaration(name: "main", connection: .default, location: at(3, 3)),
                DatabaseDeclaration(name: "eu", connection: .urlEnv("EU_DATABASE_URL"), location: at(4, 3)),
            ],
            tenants: [
                TenantDeclaration(name: "acme", database: "main", location: at(6, 5)),
                TenantDeclaration(name: "globex", database: "main", location: at(7, 5)),
                TenantDeclaration(name: "initech", database: "eu", location: at(8, 13)),
            ],
            discover: [
                DiscoveryRule(database: "main", kind: .schemasLike("tenant\\_%"), location: at(10, 5)),
                DiscoveryRule(database: "eu", kind: .query("select schema_name from public.tenants where active"),
                              location: at(11, 5)),
            ],
            exclude: ["tenant_template"])
        #expect(fleet == expected)
    }

    @Test func withoutDatabasesEveryTenantIsInMain() throws {
        let fleet = try parse("""
            version: 1
            tenants: [acme, { name: globex }]
            discover:
              - schemas_like: "t_%"
            """)
        #expect(fleet.databases == [DatabaseDeclaration(name: "main", connection: .default)])
        #expect(fleet.tenants.map(\.database) == ["main", "main"])
        #expect(fleet.tenants.map(\.name) == ["acme", "globex"])
        #expect(fleet.discover == [DiscoveryRule(database: "main", kind: .schemasLike("t_%"), location: at(4, 5))])
    }

    @Test func theFirstDeclaredDatabaseIsTheDefault() throws {
        let fleet = try parse("""
            version: 1
            databases:
              primary: { url: "postgresql://app@db.internal:5432/app?sslmode=require" }
              reports: { url: "host=reports dbname=app user=reader" }
              local:
            tenants: [acme]
            discover: [{ query: "select name from public.tenants" }]
            """)
        #expect(fleet.databases.map(\.name) == ["primary", "reports", "local"])
        #expect(fleet.databases.map(\.connection) == [
            .url("postgresql://app@db.internal:5432/app?sslmode=require"),
            .url("host=reports dbname=app user=reader"),
            .default,
        ])
        #expect(fleet.tenants == [TenantDeclaration(name: "acme", database: "primary", location: at(6, 11))])
        #expect(fleet.discover.map(\.database) == ["primary"])
    }

    @Test func excludeMayListReservedNames() throws {
        let fleet = try parse("""
            version: 1
            discover: [{ schemas_like: "%" }]
            exclude: [public, pg_toast, information_schema, tenant_template]
            """)
        #expect(fleet.exclude == ["public", "pg_toast", "information_schema", "tenant_template"])
        #expect(fleet.tenants.isEmpty)
    }

    @Test func exampleTenantsFileLoads() throws {
        let path = repositoryRoot().appendingPathComponent("tenants.yaml").path
        let fleet = try FleetLoader.load(path: path)
        #expect(fleet.databases == [DatabaseDeclaration(name: "main", connection: .default)])
        #expect(fleet.tenants.map(\.name) == ["acme", "globex", "initech"])
        #expect(fleet.tenants.allSatisfy { $0.database == "main" })
        #expect(fleet.discover.isEmpty)
        #expect(fleet.exclude.isEmpty)
    }

    @Test func passwordDetection() {
        #expect(FleetLoader.containsPassword("postgresql://user:secret@host/db"))
        #expect(FleetLoader.containsPassword("postgres://user:@host/db"))
        #expect(FleetLoader.containsPassword("postgresql://user@host/db?sslmode=require&password=x"))
        #expect(FleetLoader.containsPassword("host=db password=secret"))
        #expect(FleetLoader.containsPassword("host=db PASSWORD = 'se cret'"))
        #expect(!FleetLoader.containsPassword("postgresql://user@host:5432/db"))
        #expect(!FleetLoader.containsPassword("postgresql://host/db?application_name=a:b@c"))
        #expect(!FleetLoader.containsPassword("host=db user=app"))
        #expect(!FleetLoader.containsPassword("host=db options='-c password=x'"))
        #expect(!FleetLoader.containsPassword("host=db passfile=/etc/pgpass"))
    }

    // MARK: - File-level errors

    @Test func missingFile() {
        let errors = inputErrors { _ = try FleetLoader.load(path: "/nonexistent/tenants.yaml") }
        #expect(errors.count == 1)
        #expect(errors.first?.location == nil)
        #expect(errors.first?.message == "cannot read /nonexistent/tenants.yaml: no such file")
        #expect(errors.first?.hint?.contains("--tenants") == true)
    }

    @Test func emptyFile() {
        expectOnlyError(fleetErrors("\n"), line: 1, column: 1, message: "empty file: expected version: 1 and tenants:")
    }

    @Test func unsupportedVersion() {
        expectOnlyError(fleetErrors("version: 3\ntenants: [acme]\n"), line: 1, column: 10,
                        message: "unsupported version 3; this tenantplan reads version 1")
    }

    @Test func missingVersion() {
        expectOnlyError(fleetErrors("tenants: [acme]\n"), line: 1, column: 1, message: "missing version",
                        hint: "version: 1")
    }

    @Test func noTenants() {
        expectOnlyError(fleetErrors("version: 1\n"), line: 1, column: 1,
                        message: "no tenants: list them under tenants: or add a discover: rule")
        expectOnlyError(fleetErrors("version: 1\ntenants: []\n"), line: 1, column: 1, message: "no tenants")
    }

    @Test func unknownKeySuggestsClosest() {
        let errors = fleetErrors("""
            version: 1
            tenants: [acme]
            exlude: [tenant_template]
            """)
        expectOnlyError(errors, line: 3, column: 1, message: "unknown key 'exlude' in the tenants file",
                        hint: "did you mean 'exclude'?")
    }

    // MARK: - Databases

    @Test func passwordInURL() {
        let errors = fleetErrors("""
            version: 1
            databases:
              main: { url: "postgresql://app:secret@db/app" }
              eu: { url: "host=eu password=secret" }
            tenants: [acme]
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 3, column: 16, message: "credentials must not be written in tenants.yaml",
                    hint: "use .pgpass or PGPASSWORD")
        expectError(errors[1], line: 4, column: 14, message: "credentials must not be written in tenants.yaml")
        #expect(!errors.description.contains("secret"))
    }

    @Test func urlAndURLEnvTogether() {
        let errors = fleetErrors("""
            version: 1
            databases:
              main: { url: "postgresql://db/app", url_env: DATABASE_URL }
            tenants: [acme]
            """)
        expectOnlyError(errors, line: 3, column: 39, message: "database 'main' has both url: and url_env:")
    }

    @Test func urlEnvMustBeAVariableName() {
        let errors = fleetErrors("""
            version: 1
            databases:
              main: { url_env: "postgresql://db/app" }
            tenants: [acme]
            """)
        expectOnlyError(errors, line: 3, column: 20, message: "is not an environment variable name",
                        hint: "url_env: EU_DATABASE_URL")
    }

    @Test func unknownDatabaseKey() {
        let errors = fleetErrors("""
            version: 1
            databases:
              main: { urll: "postgresql://db/app" }
            tenants: [acme]
            """)
        expectOnlyError(errors, line: 3, column: 11, message: "unknown key 'urll' in database 'main'",
                        hint: "did you mean 'url'?")
    }

    @Test func unknownDatabaseReferences() {
        let errors = fleetErrors("""
            version: 1
            databases:
              main: {}
              eu: { url_env: EU_DATABASE_URL }
            tenants:
              - { name: initech, database: euu }
            discover:
              - { database: asia, schemas_like: "t_%" }
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 6, column: 32, message: "tenant 'initech' uses unknown database 'euu'",
                    hint: "did you mean 'eu'?")
        expectError(errors[1], line: 8, column: 17, message: "a discover rule uses unknown database 'asia'",
                    hint: "declared databases: main, eu")
    }

    @Test func withoutDatabasesOnlyMainExists() {
        let errors = fleetErrors("""
            version: 1
            tenants:
              - { name: acme, database: eu }
            """)
        expectOnlyError(errors, line: 3, column: 29, message: "unknown database 'eu'", hint: "declared databases: main")
    }

    // MARK: - Tenants

    @Test func reservedTenantNames() {
        let errors = fleetErrors("""
            version: 1
            tenants:
              - public
              - pg_temp_1
              - information_schema
              - _tenantplan_scratch
              - acme
            """)
        #expect(errors.count == 4)
        expectError(errors[0], line: 3, column: 5, message: "'public' cannot be a tenant", hint: "remove it from tenants:")
        expectError(errors[1], line: 4, column: 5, message: "'pg_temp_1' cannot be a tenant: schemas starting with 'pg_'")
        expectError(errors[2], line: 5, column: 5, message: "'information_schema' cannot be a tenant")
        expectError(errors[3], line: 6, column: 5, message: "belong to tenantplan")
    }

    @Test func tenantNameOver63Bytes() {
        let name = String(repeating: "ü", count: 32)
        expectOnlyError(fleetErrors("version: 1\ntenants: [\(name)]\n"), line: 2, column: 11,
                        message: "tenant name '\(name)' is 64 bytes long", hint: "63 bytes")
    }

    @Test func emptyTenantName() {
        let errors = fleetErrors("""
            version: 1
            tenants:
              - ""
              - { name: "" }
              -
            """)
        #expect(errors.count == 3)
        expectError(errors[0], line: 3, column: 5, message: "empty tenant name")
        expectError(errors[1], line: 4, column: 13, message: "empty tenant name")
        expectError(errors[2], line: 5, column: 4, message: "each tenant must be a schema name")
    }

    @Test func tenantWithoutName() {
        expectOnlyError(fleetErrors("version: 1\ntenants:\n  - { database: main }\n"), line: 3, column: 5,
                        message: "a tenant has no name", hint: "add name:")
    }

    @Test func duplicateTenantEvenInAnotherDatabase() {
        let errors = fleetErrors("""
            version: 1
            databases:
              main: {}
              eu: {}
            tenants:
              - acme
              - { name: acme, database: eu }
            """)
        expectOnlyError(errors, line: 7, column: 13, message: "tenant 'acme' is listed twice",
                        hint: "already listed at line 6")
    }

    @Test func listedAndExcluded() {
        let errors = fleetErrors("""
            version: 1
            tenants: [acme, globex]
            exclude: [globex]
            """)
        expectOnlyError(errors, line: 3, column: 11, message: "'globex' is both listed under tenants: (line 2) and excluded")
    }

    // MARK: - Discovery

    @Test func discoveryRuleNeedsExactlyOneSource() {
        let errors = fleetErrors("""
            version: 1
            discover:
              - { schemas_like: "t_%", query: "select 1" }
              - { database: main }
              - { schema_like: "t_%" }
            """)
        #expect(errors.count == 4)
        expectError(errors[0], line: 3, column: 28, message: "a discover rule has both schemas_like: and query:")
        expectError(errors[1], line: 4, column: 5, message: "a discover rule has neither schemas_like: nor query:")
        expectError(errors[2], line: 5, column: 5, message: "a discover rule has neither schemas_like: nor query:")
        expectError(errors[3], line: 5, column: 7, message: "unknown key 'schema_like' in a discover rule",
                    hint: "did you mean 'schemas_like'?")
    }

    @Test func wrongShapes() {
        let errors = fleetErrors("""
            version: 1
            tenants: acme
            discover: [[main]]
            """)
        #expect(errors.count == 2)
        expectError(errors[0], line: 2, column: 10, message: "'tenants' of the tenants file must be a list")
        expectError(errors[1], line: 3, column: 12, message: "a discover rule must be")
    }
}
