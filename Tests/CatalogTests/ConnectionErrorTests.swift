@testable import Catalog
import Postgres
import State
import Testing

/// Connection errors name where the settings came from and give the hint that
/// fits libpq's message; an unknown `--tenant` and an absent tenant get the
/// closest name.
@Suite struct ConnectionErrorTests {
    static let refused = #"connection to server at "db.internal" (10.0.0.5), port 5433 failed: Connection refused"#
        + "\n\tIs the server running on that host and accepting TCP/IP connections?"
    static let noSocket = #"connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or directory"#
        + "\n\tIs the server running locally and accepting connections on that socket?"
    static let password = #"connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "app""#
    static let noPassword = #"connection to server at "db.internal" (10.0.0.5), port 5432 failed: fe_sendauth: no password supplied"#
    static let role = #"connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  role "app" does not exist"#
    static let database = #"connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  database "app" does not exist"#
    static let host = #"could not translate host name "db.intenral" to address: Name or service not known"#

    @Test func theCauseIsReadFromLibpqsMessage() {
        #expect(ConnectionFailure(message: Self.refused) == .unreachable)
        #expect(ConnectionFailure(message: Self.noSocket) == .unreachable)
        #expect(ConnectionFailure(message: Self.password) == .authentication)
        #expect(ConnectionFailure(message: Self.noPassword) == .authentication)
        #expect(ConnectionFailure(message: Self.role) == .unknownRole)
        #expect(ConnectionFailure(message: Self.database) == .unknownDatabase)
        #expect(ConnectionFailure(message: Self.host) == .unknownHost)
        #expect(ConnectionFailure(message: "SSL SYSCALL error: EOF detected") == .other)
    }

    @Test func theOriginIsWhereTheResolverTookTheSettingsFrom() {
        let environment = ["DATABASE_URL": "postgresql://app@db/app", "PGUSER": "app", "PGHOST": "db", "HOME": "/root"]
        #expect(ConnectionResolver(databaseURL: "postgresql://x@y/z", environment: environment).origin(of: .default) == .option)
        #expect(ConnectionResolver(environment: environment).origin(of: .default) == .databaseURL)
        #expect(ConnectionResolver(databaseURL: "", environment: ["PGUSER": "app", "PGHOST": "db", "HOME": "/root"])
                    .origin(of: .default) == .libpq(variables: ["PGHOST", "PGUSER"]))
        #expect(ConnectionResolver(environment: [:]).origin(of: .default) == .libpq(variables: []))
        #expect(ConnectionResolver(environment: environment).origin(of: .url("postgresql://db/eu")) == .url)
        #expect(ConnectionResolver(environment: environment).origin(of: .urlEnv("EU_URL")) == .urlEnv("EU_URL"))
    }

    func text(_ message: String, _ origin: ConnectionOrigin) -> String {
        let error = PlanningError.cannotConnect(
            database: "main", origin: origin, underlying: PostgresError(kind: .connection, message: message))
        return ErrorFormatter.text(for: error)
    }

    @Test func eachCauseGetsItsHintNamingTheSettingToFix() {
        #expect(text(Self.refused, .option) == """
            error: cannot connect to database 'main' through --database-url: connection to server at "db.internal" (10.0.0.5), port 5433 failed: Connection refused
              hint: is the server running and accepting connections there? Check the host and port in --database-url
            """)
        #expect(text(Self.noSocket, .libpq(variables: ["PGDATABASE"])) == """
            error: cannot connect to database 'main' through libpq's PG* environment (PGDATABASE): connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or directory
              hint: is the server running and accepting connections there? Check PGHOST and PGPORT
            """)
        #expect(text(Self.noSocket, .libpq(variables: [])).contains("""
            through libpq's defaults (no PG* variable is set): connection to server on socket
            """))
        #expect(text(Self.noSocket, .libpq(variables: [])).hasSuffix("""
            hint: is the server running and accepting connections there? Check PGHOST and PGPORT (none is set), \
            or give a URL with --database-url or DATABASE_URL
            """))
        #expect(text(Self.password, .urlEnv("EU_URL")).hasSuffix("""
            hint: check the user in $EU_URL, and its password in ~/.pgpass or PGPASSWORD (never in a URL or a file in the repository)
            """))
        #expect(text(Self.noPassword, .libpq(variables: ["PGUSER"])).hasSuffix("""
            hint: check PGUSER, and its password in ~/.pgpass or PGPASSWORD (never in a URL or a file in the repository)
            """))
        #expect(text(Self.role, .url).hasSuffix("""
            hint: check the user in the url: in tenants.yaml; tenantplan never creates roles
            """))
        #expect(text(Self.database, .databaseURL).hasSuffix("""
            hint: create the database, or fix the database name in DATABASE_URL
            """))
        #expect(text(Self.database, .libpq(variables: ["PGDATABASE"])).hasSuffix("""
            hint: create the database, or fix PGDATABASE
            """))
        #expect(text(Self.host, .option).hasSuffix("hint: check the host name in --database-url"))
        // An unknown cause keeps libpq's further lines as the detail, and the general hint.
        #expect(text("server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally", .option) == """
            error: cannot connect to database 'main' through --database-url: server closed the connection unexpectedly
              detail: This probably means the server terminated abnormally
              hint: check the server is running and the connection settings; passwords belong in .pgpass or PGPASSWORD
            """)
    }

    @Test func anUnknownTenantSuggestsTheClosestOne() {
        #expect(PlanningError.unknownTenant("acm", file: "tenants.yaml", closest: "acme").description == """
            error: --tenant acm: no such tenant in tenants.yaml
              hint: did you mean 'acme'?
            1 error; nothing was changed in any database.
            """)
    }

    @Test func anAbsentTenantsLookalikeIsTheSameNameInAnotherCaseATypoOrAPart() {
        let schemas = ["acme", "globex_inc", "tenant_initech", "umbrela", "hooli2"]
        #expect(DatabaseCatalog.lookalike(of: "Acme", among: schemas) == "acme")
        #expect(DatabaseCatalog.lookalike(of: "umbrella", among: schemas) == "umbrela")
        #expect(DatabaseCatalog.lookalike(of: "globex", among: schemas) == "globex_inc")
        #expect(DatabaseCatalog.lookalike(of: "initech", among: schemas) == "tenant_initech")
        #expect(DatabaseCatalog.lookalike(of: "hooli", among: schemas) == "hooli2")
        #expect(DatabaseCatalog.lookalike(of: "wayne", among: schemas) == nil)
        #expect(DatabaseCatalog.lookalike(of: "acme", among: ["acme"]) == nil)   // the schema itself is no lookalike
        #expect(DatabaseCatalog.lookalike(of: "ac", among: ["acme_archive"]) == nil)   // a part lies between underscores
    }
}
