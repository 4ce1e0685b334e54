import Apply
import Catalog
import Foundation
import Plan
import Planning
import Postgres
import SQLSyntax
import State
import Testing
import TestSupport

/// One test's own database, with a connection for setting up and inspecting it,
/// and the plan/apply round trip exactly as the CLI does it (the plan goes
/// through its file encoding and digest check before it is applied).
final class Harness {
    let db: TestDatabase
    let connection: Connection

    /// A new database of its own; starts the shared server first if needed.
    static func make(prefix: String) async throws -> Harness {
        _ = try await startedServer()
        return try Harness(prefix: prefix)
    }

    private init(prefix: String) throws {
        db = try TestCluster.shared().createDatabase(prefix: prefix)
        do {
            connection = try db.connect()
        } catch {
            db.drop()
            throw error
        }
    }

    deinit {
        connection.close()
        db.drop()
    }

    /// Connections to this database only: no `DATABASE_URL` or `PG*` from the test process.
    var resolver: ConnectionResolver { ConnectionResolver(databaseURL: db.conninfo, environment: [:]) }

    /// A fleet of `tenants` in the default database (`main`).
    static func fleet(_ tenants: [String]) -> Fleet {
        Fleet(file: "tenants.yaml", tenants: tenants.map { TenantDeclaration(name: $0, database: Fleet.defaultDatabaseName) })
    }

    /// Plans `declaration` for `tenants`, then round-trips the plan through its file encoding.
    /// The test tenants are small: `onlineThreshold` 0 gives them the online forms
    /// unless a test asks for the choice by size.
    func plan(_ declaration: Declaration, tenants: [String], allowDestructive: Bool = false,
              allowed: [AllowSelector] = [], transactional: Bool = false,
              onlineThreshold: Int64 = 0) throws -> PlanFile {
        var request = PlanRequest(
            declaration: declaration, schemaSHA256: String(repeating: "0", count: 64), fleet: Self.fleet(tenants),
            allowDestructive: allowDestructive, allowed: allowed, toolVersion: "test")
        request.transactional = transactional
        request.onlineThreshold = onlineThreshold
        let plan = try Planner(connections: resolver).plan(request)
        return try PlanFile.decode(plan.encoded(), file: "plan.json")
    }

    func apply(_ plan: PlanFile, parallel: Int = 2, resolver: ConnectionResolver? = nil) throws -> ApplyReport {
        // The default lock discipline: tenants of one plan contend with each other
        // (a foreign key to a shared table locks it until the tenant commits).
        try Applier(connections: resolver ?? self.resolver, options: ApplyOptions(parallel: parallel)).apply(plan)
    }

    /// Runs `statements` with `search_path` set to `schema` alone, creating the schema first when asked.
    func run(_ statements: [String], in schema: String, createSchema: Bool = false) throws {
        if createSchema { try connection.execute("CREATE SCHEMA \(quoteIdentifier(schema))") }
        try connection.execute("SELECT set_config('search_path', $1, false)", [quoteIdentifier(schema)])
        for sql in statements {
            do {
                try connection.execute(sql)
            } catch {
                throw TestSupportError("setting up schema \(schema) failed at:\n\(sql)\n\(error)")
            }
        }
        try connection.execute("SELECT set_config('search_path', 'public', false)")
    }

    func state(_ schema: String) throws -> SchemaState? {
        let state = try Reflector().reflect(schema: schema, on: connection)
        try connection.execute("SELECT set_config('search_path', 'public', false)")
        return state
    }

    func fingerprint(_ schema: String) throws -> String {
        try state(schema)?.fingerprint ?? SchemaState.absentFingerprint
    }

    /// Rows of `sql` as text values.
    func rows(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        try connection.query(sql, parameters).rows
    }

    /// Rows of `sql` run with `search_path` set to `schema` alone.
    func rows(_ sql: String, in schema: String) throws -> [[String?]] {
        try connection.execute("SELECT set_config('search_path', $1, false)", [quoteIdentifier(schema)])
        defer { try? connection.execute("SELECT set_config('search_path', 'public', false)") }
        return try connection.query(sql).rows
    }

    /// Every schema name of the database, sorted, but the tool's own records
    /// schema (`_tenantplan`, see `TenantRecords`), which `plan` keeps on purpose.
    func schemas() throws -> [String] {
        try rows("SELECT nspname FROM pg_namespace WHERE nspname <> $1 ORDER BY nspname", [TenantRecords.schema])
            .compactMap { $0.first ?? nil }
    }

    /// The shared table the declarations reference.
    func createSharedPlans() throws {
        try connection.execute("CREATE TABLE public.plans (id integer PRIMARY KEY, name text NOT NULL)")
        try connection.execute("INSERT INTO public.plans VALUES (1, 'free'), (2, 'pro')")
    }
}

/// Records an issue with both canonical encodings when two states differ.
func expectSameState(_ actual: SchemaState?, _ expected: SchemaState?, _ what: String,
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let a = actual?.fingerprint ?? SchemaState.absentFingerprint
    let e = expected?.fingerprint ?? SchemaState.absentFingerprint
    if a != e {
        Issue.record("""
            \(what): states differ
            --- actual ---
            \(actual?.canonicalEncoding ?? "(absent)")
            --- expected ---
            \(expected?.canonicalEncoding ?? "(absent)")
            """, sourceLocation: sourceLocation)
    }
}

/// The outcome of every tenant, by tenant name.
func outcomes(_ report: ApplyReport) -> [String: Outcome] {
    Dictionary(report.results.map { ($0.tenant, $0.outcome) }, uniquingKeysWith: { a, _ in a })
}

func describe(_ report: ApplyReport) -> String { report.text(verbose: true) }

/// The shared test server, started on a thread of its own.
///
/// Starting it runs a subprocess whose output is read on Dispatch's global
/// queue; a test that blocked a thread of the (small) cooperative pool while
/// waiting for it could starve those readers. Awaiting here keeps the pool free.
func startedServer() async throws -> TestCluster.Server {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try TestCluster.shared() })
        }
        thread.start()
    }
}
