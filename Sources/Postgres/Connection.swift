import CLibPQ
import Foundation

/// One PostgreSQL connection, the only owner of its `PGconn*`.
///
/// libpq calls block, so a `Connection` is meant to be used from one plain thread
/// at a time and is deliberately not `Sendable`. Every statement goes through the
/// extended query protocol (`PQexecParams`), which refuses more than one statement
/// per call: text from a file can never smuggle in a second statement.
public final class Connection {
    private var handle: OpaquePointer?
    /// Names of the statements prepared on this connection (see `pipeline`).
    var preparedStatements: Set<String> = []

    /// Connects with a libpq connection string or URL. An empty string lets libpq
    /// use its environment (`PGHOST`, `PGDATABASE`, `.pgpass`, service files).
    ///
    /// The session is set up so that output does not depend on the user's
    /// settings: `standard_conforming_strings`, UTC, ISO dates, no statement
    /// timeout from the role, quiet notices; and without JIT compilation (see
    /// `sessionSetup`). One round trip.
    public init(_ conninfo: String, applicationName: String = "tenantplan") throws(PostgresError) {
        var keys: [String] = ["dbname", "application_name", "client_encoding"]
        var values: [String] = [conninfo, applicationName, "UTF8"]
        // `expand_dbname` makes libpq treat the first dbname as a full connection string.
        if conninfo.isEmpty { keys.removeFirst(); values.removeFirst() }
        let conn = withCStringArray(keys) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, conninfo.isEmpty ? 0 : 1) }
        }
        guard let conn else {
            throw PostgresError(kind: .connection, message: "out of memory while connecting")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingTrailingNewlines()
            PQfinish(conn)
            throw PostgresError(kind: .connection, message: Connection.redact(message, conninfo: conninfo))
        }
        handle = conn
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        do {
            try execute(Self.sessionSetup)
        } catch {
            close()
            throw error
        }
    }

    /// The settings of every session, in one statement.
    ///
    /// `jit = off`: the tool's statements are catalog reads, small DDL and
    /// batches of a backfill, none of which gains from compiled expressions. The
    /// batch reads turn sequential scans off (their plans must stay index
    /// lookups per schema), which makes their estimated costs huge, so the
    /// server JIT-compiled them: 3.6 s to compile a record-stamp query that runs
    /// in 8 ms, measured on PostgreSQL 15 with 10,000 tenants.
    static let sessionSetup = """
        SELECT pg_catalog.set_config('standard_conforming_strings', 'on', false),
               pg_catalog.set_config('client_min_messages', 'warning', false),
               pg_catalog.set_config('TimeZone', 'UTC', false),
               pg_catalog.set_config('DateStyle', 'ISO', false),
               pg_catalog.set_config('IntervalStyle', 'postgres', false),
               pg_catalog.set_config('extra_float_digits', '3', false),
               pg_catalog.set_config('jit', 'off', false)
        """

    deinit { close() }

    /// Closes the connection; later calls fail with a connection error.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        preparedStatements = []
    }

    func liveHandle() throws(PostgresError) -> OpaquePointer { try live() }

    private func live() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(kind: .connection, message: "the connection is closed")
        }
        return handle
    }

    /// `user@host:port/database`, with no password or other secret.
    public var endpoint: String {
        guard let handle else { return "(closed)" }
        func text(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        let host = text(PQhost(handle))
        let shownHost = host.hasPrefix("/") ? "[\(host)]" : host
        return "\(text(PQuser(handle)))@\(shownHost):\(text(PQport(handle)))/\(text(PQdb(handle)))"
    }

    /// The server's version as an integer, such as 150004.
    public var serverVersion: Int {
        guard let handle else { return 0 }
        return Int(PQserverVersion(handle))
    }

    /// The backend process id, used by tests that terminate a session.
    public var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// Whether the server side of the connection is inside a transaction block.
    public var inTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Whether the connection is still usable.
    public var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Runs one statement with text parameters (`$1`, `$2`, ...) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        let conn = try live()
        let raw: OpaquePointer? = withParameterArray(parameters) { values, count in
            PQexecParams(conn, sql, count, nil, values, nil, nil, 0)
        }
        guard let raw else {
            throw lostConnection(conn, statement: sql)
        }
        defer { PQclear(raw) }
        switch PQresultStatus(raw) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(copying: raw)
        default:
            if PQstatus(conn) != CONNECTION_OK {
                var error = PostgresError(result: raw, statement: sql)
                if error.sqlState.isEmpty { error.kind = .connection }
                throw error
            }
            throw PostgresError(result: raw, statement: sql)
        }
    }

    /// Runs one statement and discards its rows.
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) {
        _ = try query(sql, parameters)
    }

    /// Runs `body` in a transaction that is rolled back afterwards, whatever happens.
    public func withRollback<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        defer { try? execute("ROLLBACK") }
        return try body()
    }

    private func lostConnection(_ conn: OpaquePointer, statement: String) -> PostgresError {
        let message = String(cString: PQerrorMessage(conn)).trimmingTrailingNewlines()
        return PostgresError(
            kind: .connection, message: message.isEmpty ? "connection lost" : Connection.redact(message),
            statement: statement)
    }
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafePointer<CChar>?] = strings.map { UnsafePointer(strdup($0)) }
    pointers.append(nil)
    defer { for p in pointers { free(UnsafeMutablePointer(mutating: p)) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

func withParameterArray<R>(_ values: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?, Int32) -> R) -> R {
    if values.isEmpty { return body(nil, 0) }
    let pointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer(strdup($0)) } ?? nil }
    defer { for p in pointers { free(UnsafeMutablePointer(mutating: p)) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress, Int32(values.count)) }
}
