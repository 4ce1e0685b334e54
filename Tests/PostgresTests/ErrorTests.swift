import Postgres
import Testing
import TestSupport

@Suite("Errors")
struct ErrorTests {
    @Test("a missing table gives 42P01 with message, statement and position")
    func missingTable() throws {
        try withServerConnection { conn throws in
            let sql = "SELECT * FROM no_such_table"
            let error = try #require(postgresError { try conn.query(sql) })
            #expect(error.kind == .query)
            #expect(error.code == .undefinedTable)
            #expect(error.message.contains("no_such_table"))
            #expect(error.statement == sql)
            let position = try #require(error.position)
            #expect(text(of: sql, from: position).hasPrefix("no_such_table"))
            #expect(error.description.contains("(SQLSTATE 42P01)"))
            #expect(!error.isTransient)
            #expect(!error.isConnectionLoss)
            // The connection is still usable after a failed statement.
            #expect(try conn.query("SELECT 1").scalar == "1")
        }
    }

    @Test("a syntax error gives 42601 and the position of the offending token")
    func syntaxError() throws {
        try withServerConnection { conn throws in
            let sql = "SELECT 1 FROM WHERE"
            let error = try #require(postgresError { try conn.query(sql) })
            #expect(error.code == .syntaxError)
            #expect(error.message.contains("syntax error"))
            #expect(error.statement == sql)
            let position = try #require(error.position)
            #expect(text(of: sql, from: position).hasPrefix("WHERE"))
        }
    }

    @Test("positions count characters, not bytes")
    func positionCountsCharacters() throws {
        try withServerConnection { conn throws in
            let sql = "SELECT 'ünïcødé 日本 🐘' FROM WHERE"
            let error = try #require(postgresError { try conn.query(sql) })
            #expect(error.code == .syntaxError)
            let position = try #require(error.position)
            #expect(text(of: sql, from: position).hasPrefix("WHERE"))
        }
    }

    @Test("detail and hint are carried")
    func detailAndHint() throws {
        try withTestDatabase(prefix: "errors") { conn, _ throws in
            try conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
            try conn.execute("INSERT INTO t VALUES (1)")
            let unique = try #require(postgresError { try conn.execute("INSERT INTO t VALUES (1)") })
            #expect(unique.code == .uniqueViolation)
            #expect(unique.detail == "Key (id)=(1) already exists.")
            #expect(unique.description.contains("detail: Key (id)=(1) already exists."))

            let noFunction = try #require(postgresError { try conn.query("SELECT no_such_function(1)") })
            #expect(noFunction.code == .undefinedFunction)
            #expect(noFunction.hint != nil)
        }
    }

    @Test("a lock timeout is transient")
    func lockTimeoutIsTransient() throws {
        try withTestDatabase(prefix: "locks") { holder, db throws in
            try holder.execute("CREATE TABLE t (id int)")
            try holder.execute("BEGIN")
            try holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
            let waiter = try db.connect()
            defer { waiter.close() }
            try waiter.execute("SET lock_timeout = '50ms'")
            let error = try #require(postgresError { try waiter.query("SELECT * FROM t") })
            #expect(error.code == .lockNotAvailable)
            #expect(error.isTransient)
            try holder.execute("ROLLBACK")
        }
    }
}

@Suite("Connection failures")
struct ConnectionFailureTests {
    @Test("a wrong port fails with kind .connection")
    func wrongPort() throws {
        let server = try TestCluster.shared()
        let error = try #require(postgresError {
            _ = try Connection("host=\(server.host) port=1 user=\(server.user) dbname=postgres")
        })
        #expect(error.kind == .connection)
        #expect(error.sqlState.isEmpty)
        #expect(error.isConnectionLoss)
        #expect(error.statement == nil)
        #expect(!error.message.isEmpty)
    }

    @Test(
        "a connection error never shows the password",
        arguments: [
            "postgresql://u:sekrit@127.0.0.1:1/db",
            "postgres://u:sekrit@127.0.0.1:1/db?connect_timeout=5",
            "postgresql://u:sekrit@[::1/db",
            "postgresql://u:sekrit@127.0.0.1:1/db?no_such_option=1",
            "host=127.0.0.1 port=1 user=u password=sekrit dbname=db",
        ])
    func passwordIsNotShown(conninfo: String) throws {
        let error = try #require(postgresError { _ = try Connection(conninfo) })
        #expect(error.kind == .connection)
        #expect(!error.message.isEmpty)
        #expect(!error.message.contains("sekrit"))
        #expect(!String(describing: error).contains("sekrit"))
        #expect(!String(reflecting: error).contains("sekrit"))
    }

    @Test("a missing database fails with kind .connection")
    func missingDatabase() throws {
        let server = try TestCluster.shared()
        let error = try #require(postgresError {
            _ = try Connection(server.conninfo(database: "no_such_database_here"))
        })
        #expect(error.kind == .connection)
        #expect(error.message.contains("no_such_database_here"))
    }
}
