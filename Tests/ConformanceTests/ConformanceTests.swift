import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// The conformance corpus: every folder of `Tests/Fixtures/conformance/` is one
/// case, run against a real server (see `Tests/Fixtures/conformance/README.md`).
@Suite struct ConformanceTests {
    @Test("conformance case", arguments: ConformanceCase.selected())
    func conformance(_ name: String) async throws {
        let spec: ConformanceCase
        do {
            spec = try ConformanceCase.load(name)
        } catch {
            Issue.record("\(error)")
            return
        }
        let problems = try await CaseDatabases.shared.run { try CaseDatabases.shared.runCase(spec) }
        for problem in problems {
            Issue.record("\(name) (\(spec.about)):\n\(problem)")
        }
    }

    @Test func corpusIsComplete() throws {
        let names = ConformanceCase.names()
        #expect(names.count >= 120, "the corpus holds \(names.count) cases")
        for name in names {
            #expect(name.range(of: "^[a-z0-9]+(-[a-z0-9]+)+$", options: .regularExpression) != nil,
                    "\(name): a case folder's name is short kebab-case, prefixed by its area")
        }
    }

    @Test func scriptSplitting() {
        let text = """
            -- a comment; with a semicolon
            CREATE TABLE t (v text DEFAULT 'a;b', "x;y" int);
            /* block; comment */ INSERT INTO t VALUES (E'it\\'s;', 1);
            DO $body$ BEGIN PERFORM 1; END $body$;
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            SELECT $1
            """
        #expect(SQLScript.statements(text) == [
            "-- a comment; with a semicolon\nCREATE TABLE t (v text DEFAULT 'a;b', \"x;y\" int)",
            "/* block; comment */ INSERT INTO t VALUES (E'it\\'s;', 1)",
            "DO $body$ BEGIN PERFORM 1; END $body$",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$",
            "SELECT $1",
        ])
    }

    @Test func schemaNamesAreNeutralisedAsWholeWords() {
        #expect(CatalogSnapshot.neutralise("CREATE INDEX i ON conv_0001.t USING btree (conv_0001x)", schema: "conv_0001")
                == "CREATE INDEX i ON <schema>.t USING btree (conv_0001x)")
        #expect(CatalogSnapshot.neutralise("\"conv_0001\".t", schema: "conv_0001") == "<schema>.t")
    }

    /// Two schemas that differ only in one thing the snapshot reads: their
    /// snapshots differ, in a line of that kind.
    @Test(arguments: [
        (["CREATE TYPE p AS (a int, b text)"], ["CREATE TYPE p AS (b text, a int)"], "type attribute"),
        (["CREATE TYPE p AS (a text COLLATE \"C\")"], ["CREATE TYPE p AS (a text)"], "type attribute"),
        (["CREATE TYPE p AS (a text)", "COMMENT ON COLUMN p.a IS 'x'"], ["CREATE TYPE p AS (a text)"], "type attribute"),
        (["CREATE TYPE p AS (a int)"], ["CREATE TYPE p AS (a bigint)"], "type attribute"),
        (["CREATE SEQUENCE s START 5"], ["CREATE SEQUENCE s"], "sequence"),
        (["CREATE SEQUENCE s CACHE 5"], ["CREATE SEQUENCE s"], "sequence"),
        (["CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (START 2))"],
         ["CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY)"], "sequence"),
        (["CREATE FUNCTION f(numeric, numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1 + $2'",
          "CREATE AGGREGATE g(numeric) (SFUNC = f, STYPE = numeric, INITCOND = '0')"],
         ["CREATE FUNCTION f(numeric, numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1 + $2'",
          "CREATE AGGREGATE g(numeric) (SFUNC = f, STYPE = numeric, INITCOND = '1')"], "aggregate"),
        (["CREATE FUNCTION f(numeric, numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1 + $2'",
          "CREATE AGGREGATE g(numeric) (SFUNC = f, STYPE = numeric, FINALFUNC = abs)"],
         ["CREATE FUNCTION f(numeric, numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1 + $2'",
          "CREATE AGGREGATE g(numeric) (SFUNC = f, STYPE = numeric)"], "aggregate"),
        (["CREATE TABLE t (a int)", "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
          "CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "COMMENT ON TRIGGER g ON t IS 'x'"],
         ["CREATE TABLE t (a int)", "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
          "CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()"], "trigger"),
        (["CREATE MATERIALIZED VIEW v AS SELECT 1 AS a WITH NO DATA"], ["CREATE MATERIALIZED VIEW v AS SELECT 1 AS a"],
         "relation"),
        (["CREATE UNLOGGED TABLE t (a int)"], ["CREATE TABLE t (a int)"], "relation"),
        (["CREATE TABLE t (a int) PARTITION BY RANGE (a)", "CREATE TABLE t1 PARTITION OF t FOR VALUES FROM (0) TO (10)"],
         ["CREATE TABLE t (a int) PARTITION BY RANGE (a)", "CREATE TABLE t1 PARTITION OF t FOR VALUES FROM (0) TO (20)"],
         "partitioning"),
        (["CREATE TABLE t (a int)", "CREATE INDEX i ON t (a)", "COMMENT ON INDEX i IS 'x'"],
         ["CREATE TABLE t (a int)", "CREATE INDEX i ON t (a)"], "relation"),
        (["CREATE DOMAIN d AS int CONSTRAINT c CHECK (VALUE > 0)", "CREATE DOMAIN e AS int CONSTRAINT x CHECK (VALUE > 0)"],
         ["CREATE DOMAIN d AS int CONSTRAINT x CHECK (VALUE > 0)", "CREATE DOMAIN e AS int CONSTRAINT c CHECK (VALUE > 0)"],
         "constraint"),
    ])
    func snapshotsTellApart(_ one: [String], _ other: [String], kind: String) async throws {
        let lines = try await CaseDatabases.shared.run { () throws -> [String] in
            let db = try TestCluster.shared().createDatabase(prefix: "snapshot")
            defer { db.drop() }
            let connection = try db.connect()
            defer { connection.close() }
            for (schema, statements) in [("snap_one", one), ("snap_other", other)] {
                try connection.execute("CREATE SCHEMA \(schema)")
                try connection.execute("SELECT set_config('search_path', $1, false)", [schema])
                for statement in statements { try connection.execute(statement) }
            }
            let a = try CatalogSnapshot.read("snap_one", on: connection)
            let b = try CatalogSnapshot.read("snap_other", on: connection)
            return (a.difference(to: b, "one", "other") ?? "").split(separator: "\n").map(String.init)
        }
        #expect(lines.contains { $0.hasPrefix("- \(kind) ") } && lines.contains { $0.hasPrefix("+ \(kind) ") },
                "\(lines.joined(separator: "\n"))")
    }

    @Test func aRepeatedLineCounts() {
        let twice = CatalogSnapshot(lines: ["a", "a", "b"]), once = CatalogSnapshot(lines: ["a", "b"])
        #expect(twice.difference(to: once, "x", "y") == "--- x\n+++ y\n- a")
        #expect(once.difference(to: twice, "x", "y") == "--- x\n+++ y\n+ a")
        #expect(once.difference(to: once, "x", "y") == nil)
    }

    @Test func badCaseFilesNameTheFile() {
        func error(_ yaml: String) -> String {
            do {
                _ = try ConformanceCase.parse(yaml, path: "x/case.yaml", name: "x", folder: URL(fileURLWithPath: "x"),
                                              before: "", shared: nil)
                return "parsed"
            } catch {
                return "\(error)"
            }
        }
        #expect(error("about: a\nexpect: converged\n").hasPrefix("x/case.yaml:2:9: unknown expect 'converged'"))
        #expect(error("about: a\nexpect: converges\nopertions: []\n").contains("x/case.yaml:3:1: unknown key 'opertions'"))
        #expect(error("expect: converges\n").contains("'about' is required"))
        #expect(error("about: a\nexpect: held_back\n").contains("needs 'held_back'"))
        #expect(error("about: a\nexpect: converges\nafter: [{ sql: 'select 1' }]\n").contains("needs 'rows'"))
        #expect(error("about: a\nexpect: converges\nafter: [{ sql: 'select 1', rows: [[\"1\", null]] }]\n") == "parsed")
    }
}

/// The databases the cases run in, and how many cases run at once.
///
/// Creating a database costs more than a case, so every case without a
/// `shared.sql` runs in one shared database, in schemas of its own
/// (`conv_NNNN` and `fresh_NNNN`, dropped when the case passes). A case with
/// `shared.sql` writes to `public` and gets a database of its own. Cases run
/// on threads of their own (libpq blocks), at most `TENANTPLAN_CONFORMANCE_JOBS`
/// (default 4) at once.
final class CaseDatabases: Sendable {
    static let shared = CaseDatabases()

    private struct State {
        var database: TestDatabase?
        var counter = 0
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    let jobs: Int = {
        let text = ProcessInfo.processInfo.environment["TENANTPLAN_CONFORMANCE_JOBS"] ?? ""
        return Int(text).map { max(1, $0) } ?? 4
    }()

    /// Runs `body` on a thread of its own once a job slot is free.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.running < jobs {
                    s.running += 1
                    return true
                }
                s.waiting.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty {
                s.running -= 1
                return nil
            }
            return s.waiting.removeFirst()   // the slot passes on
        }
        next?.resume()
    }

    /// The shared database, made on first use; and a case number.
    private func sharedDatabase() throws -> (TestDatabase, Int) {
        try state.withLock { s in
            s.counter += 1
            if let db = s.database { return (db, s.counter) }
            let db = try TestCluster.shared().createDatabase(prefix: "conformance")
            s.database = db
            return (db, s.counter)
        }
    }

    /// Runs `spec` and returns its problems; throws when it could not run.
    func runCase(_ spec: ConformanceCase) throws -> [String] {
        let database: TestDatabase
        let number: Int
        var own = false
        if spec.sharedSQL == nil {
            (database, number) = try sharedDatabase()
        } else {
            number = state.withLock { s in s.counter += 1; return s.counter }
            database = try TestCluster.shared().createDatabase(prefix: "conformance_own")
            own = true
        }
        let connection = try database.connect()
        defer {
            connection.close()
            if own { database.drop() }
        }
        var runner = CaseRunner(spec, database: database, connection: connection, number: number)
        try runner.run()
        if runner.problems.isEmpty && !own { runner.cleanUp() }
        return runner.problems
    }
}
