import Postgres
import Testing
import TestSupport

@Suite("Connection")
struct ConnectionTests {
    @Test("parameters are bound, never spliced into the text")
    func parametersAreBound() throws {
        try withTestDatabase(prefix: "params") { conn, _ throws in
            try conn.execute("CREATE TABLE x (v text)")
            for value in ["it's \"quoted\" \\ back; --", "'; DROP TABLE x; --", "ünïcødé 日本 🐘", "", "$1"] {
                #expect(try conn.query("SELECT $1::text", [value]).scalar == value)
                try conn.execute("INSERT INTO x VALUES ($1)", [value])
            }
            #expect(try conn.query("SELECT count(*) FROM x").scalar == "5")
            #expect(try conn.query("SELECT $1::int + $2::int", ["2", "3"]).scalar == "5")
        }
    }

    @Test("a nil parameter is NULL, distinct from the empty string")
    func nilParameterIsNull() throws {
        try withServerConnection { conn throws in
            let result = try conn.query("SELECT $1::text, $1::text IS NULL, $2::text IS NULL", [nil, ""])
            #expect(result.rows == [[nil, "t", "f"]])
            #expect(result.scalar == nil)
        }
    }

    @Test("more than one statement in a query is refused")
    func multipleStatementsAreRefused() throws {
        try withTestDatabase(prefix: "multi") { conn, _ throws in
            let error = try #require(postgresError { try conn.query("select 1; select 2") })
            #expect(error.code == .syntaxError)
            _ = postgresError { try conn.execute("CREATE TABLE a (); CREATE TABLE b ()") }
            #expect(try conn.query("SELECT to_regclass('a') IS NULL AND to_regclass('b') IS NULL").scalar == "t")
        }
    }

    @Test("withRollback leaves nothing behind")
    func withRollbackLeavesNothing() throws {
        try withTestDatabase(prefix: "rollback") { conn, _ throws in
            let count = try conn.withRollback {
                #expect(conn.inTransaction)
                try conn.execute("CREATE TABLE t (id int)")
                try conn.execute("INSERT INTO t VALUES (1), (2)")
                return try conn.query("SELECT count(*) FROM t").scalar
            }
            #expect(count == "2")
            #expect(!conn.inTransaction)
            #expect(try conn.query("SELECT to_regclass('t')").scalar == nil)
        }
    }

    @Test("withRollback rolls back when the body throws, even after a failed statement")
    func withRollbackOnError() throws {
        struct Boom: Error {}
        try withTestDatabase(prefix: "rollback") { conn, _ throws in
            var caught: (any Error)?
            do {
                try conn.withRollback {
                    try conn.execute("CREATE TABLE t (id int)")
                    throw Boom()
                }
            } catch {
                caught = error
            }
            #expect(caught is Boom)
            #expect(!conn.inTransaction)
            #expect(try conn.query("SELECT to_regclass('t')").scalar == nil)

            let error = postgresError {
                try conn.withRollback {
                    try conn.execute("CREATE TABLE u (id int)")
                    try conn.execute("SELECT * FROM no_such_table")
                }
            }
            #expect(error?.code == .undefinedTable)
            #expect(!conn.inTransaction)
            #expect(try conn.query("SELECT to_regclass('u')").scalar == nil)
        }
    }

    @Test("results carry column names, rows and affected row counts")
    func queryResult() throws {
        try withTestDatabase(prefix: "result") { conn, _ throws in
            let create = try conn.query("CREATE TABLE t (id int, name text)")
            #expect(create.affectedRows == nil)
            #expect(create.rows.isEmpty)
            let insert = try conn.query("INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c')")
            #expect(insert.affectedRows == 3)
            let update = try conn.query("UPDATE t SET name = 'z' WHERE id >= 2")
            #expect(update.affectedRows == 2)
            let select = try conn.query("SELECT id, name AS \"Label\" FROM t ORDER BY id")
            #expect(select.columns == ["id", "Label"])
            #expect(select.rows == [["1", "a"], ["2", "z"], ["3", "z"]])
            #expect(select.scalar == "1")
        }
    }

    @Test("the session does not depend on the user's settings")
    func sessionSettings() throws {
        try withServerConnection { conn throws in
            #expect(try conn.query("SHOW standard_conforming_strings").scalar == "on")
            #expect(try conn.query("SHOW TimeZone").scalar == "UTC")
            #expect(try conn.query("SHOW DateStyle").scalar?.hasPrefix("ISO") == true)
            #expect(try conn.query("SHOW client_encoding").scalar == "UTF8")
            #expect(try conn.query("SHOW IntervalStyle").scalar == "postgres")
            #expect(try conn.query("SHOW extra_float_digits").scalar == "3")
            #expect(try conn.query("SHOW client_min_messages").scalar == "warning")
            // The server's default is on; the tool's catalog reads only lose by it.
            #expect(try conn.query("SELECT boot_val FROM pg_settings WHERE name = 'jit'").scalar == "on")
            #expect(try conn.query("SHOW jit").scalar == "off")
            #expect(try conn.query("SELECT '2024-01-02 03:04:05+02'::timestamptz::text").scalar
                == "2024-01-02 01:04:05+00")
            #expect(conn.serverVersion >= 150000)
            #expect(conn.backendPID > 0)
            #expect(conn.isOpen)
            #expect(!conn.inTransaction)
        }
    }

    @Test("endpoint shows where we are connected, never a password")
    func endpointHasNoPassword() throws {
        let server = try TestCluster.shared()
        // Trust authentication ignores the password, so the connection succeeds.
        let conn = try Connection(server.conninfo(database: "postgres") + " password=sekrit")
        defer { conn.close() }
        #expect(conn.endpoint.contains("postgres"))
        #expect(conn.endpoint.contains(String(server.port)))
        #expect(!conn.endpoint.contains("sekrit"))
    }

    @Test("a closed connection fails with kind .connection")
    func closedConnection() throws {
        let conn = try TestCluster.shared().connect()
        conn.close()
        #expect(!conn.isOpen)
        let error = try #require(postgresError { try conn.query("SELECT 1") })
        #expect(error.kind == .connection)
        #expect(error.isConnectionLoss)
    }

    @Test("a terminated session is reported as a lost connection")
    func terminatedBackend() throws {
        try withTestDatabase(prefix: "terminate") { admin, db throws in
            let victim = try db.connect()
            defer { victim.close() }
            #expect(try admin.query("SELECT pg_terminate_backend($1::int)", [String(victim.backendPID)]).scalar == "t")
            // Termination is asynchronous: wait until the backend is gone.
            try admin.execute(
                """
                DO $$ BEGIN
                  FOR i IN 1..500 LOOP
                    EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = \(victim.backendPID));
                    PERFORM pg_sleep(0.01);
                  END LOOP;
                END $$
                """)
            let error = try #require(postgresError { try victim.query("SELECT 1") })
            #expect(error.isConnectionLoss)
        }
    }
}
