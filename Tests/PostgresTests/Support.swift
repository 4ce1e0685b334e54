import Postgres
import Testing
import TestSupport

/// Runs `body` with a connection to a new database of its own, dropped afterwards.
func withTestDatabase<T>(
    prefix: String = "pg", _ body: (Connection, TestDatabase) throws -> T
) throws -> T {
    let db = try TestCluster.shared().createDatabase(prefix: prefix)
    defer { db.drop() }
    let connection = try db.connect()
    defer { connection.close() }
    return try body(connection, db)
}

/// Runs `body` with a connection to the maintenance database, for read-only checks.
func withServerConnection<T>(_ body: (Connection) throws -> T) throws -> T {
    let connection = try TestCluster.shared().connect()
    defer { connection.close() }
    return try body(connection)
}

/// The `PostgresError` that `body` throws; records an issue if it throws
/// nothing or something else.
func postgresError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> PostgresError? {
    do {
        try body()
        Issue.record("expected a PostgresError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PostgresError {
        return error
    } catch {
        Issue.record("expected a PostgresError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The text of `statement` from the 1-based character `position` the server reported.
func text(of statement: String, from position: Int) -> Substring {
    statement.dropFirst(position - 1)
}
