import Foundation
import Postgres
import Testing
import TestSupport

/// `CancelHandle`: another thread stops a connection's statement, as a second
/// interrupt of `apply` does.
@Suite("Cancel")
struct CancelTests {
    @Test("a statement is cancelled from another thread at once, and the connection stays usable")
    func cancelFromAnotherThread() throws {
        try withTestDatabase(prefix: "cancel") { conn, _ throws in
            let handle = try #require(conn.cancelHandle())
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 0.3)
                handle.cancelCurrentStatement()
            }
            let started = Date()
            try conn.execute("BEGIN")
            let error = try #require(postgresError { try conn.execute("SELECT pg_sleep(30)") })
            let elapsed = Date().timeIntervalSince(started)
            #expect(error.code == .queryCanceled)
            #expect(error.message == "canceling statement due to user request")
            #expect(elapsed < 10, "took \(elapsed) s")
            // The transaction is aborted; after a rollback the connection works.
            #expect(conn.inTransaction)
            try conn.execute("ROLLBACK")
            #expect(try conn.query("SELECT 1").scalar == "1")
        }
    }

    @Test("cancelling an idle connection, or a closed one, changes nothing")
    func cancelWhileIdleOrClosed() throws {
        try withTestDatabase(prefix: "cancel_idle") { conn, db throws in
            let handle = try #require(conn.cancelHandle())
            #expect(handle.cancelCurrentStatement(), "the request is delivered")
            Thread.sleep(forTimeInterval: 0.2)
            #expect(try conn.query("SELECT 2").scalar == "2")

            let other = try db.connect()
            let late = try #require(other.cancelHandle())
            other.close()
            #expect(other.cancelHandle() == nil)
            late.cancelCurrentStatement()   // its backend is gone: nothing to cancel, no crash
            #expect(try conn.query("SELECT 3").scalar == "3")
        }
    }
}
