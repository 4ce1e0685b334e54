import CLibPQ

/// One statement of a pipeline.
public struct PipelineStatement: Sendable {
    public var sql: String
    public var parameters: [String?]
    /// When set, the statement is prepared once per connection under this name
    /// and executed by name afterwards, so the server plans it once.
    public var preparedName: String?

    public init(_ sql: String, _ parameters: [String?] = [], prepared name: String? = nil) {
        self.sql = sql
        self.parameters = parameters
        self.preparedName = name
    }
}

extension Connection {
    /// Sends statements in libpq's pipeline mode and returns their results in order.
    ///
    /// All statements go out before any result is read, so a batch costs one
    /// round trip instead of one per statement. Unless the batch holds its own
    /// `BEGIN`, it runs as one implicit transaction. On the first error the
    /// server skips the rest of the batch; that error is thrown.
    /// Keep batches to a few hundred statements: results are read only once
    /// everything has been sent. See https://www.postgresql.org/docs/15/libpq-pipeline-mode.html
    public func pipeline(_ statements: [PipelineStatement]) throws(PostgresError) -> [QueryResult] {
        guard !statements.isEmpty else { return [] }
        let conn = try liveHandle()
        guard PQenterPipelineMode(conn) == 1 else {
            throw PostgresError(kind: .connection, message: "cannot enter pipeline mode: " + errorText(conn))
        }
        defer { _ = PQexitPipelineMode(conn) }

        // What was sent, in order: a prepare (with its name) or a statement (with its index).
        enum Sent { case prepare(String), statement(Int) }
        var sent: [Sent] = []
        var preparing: Set<String> = []
        for (i, statement) in statements.enumerated() {
            let ok: Int32
            if let name = statement.preparedName {
                if !preparedStatements.contains(name) && !preparing.contains(name) {
                    guard PQsendPrepare(conn, name, statement.sql, Int32(statement.parameters.count), nil) == 1 else {
                        throw failedSend(conn, statement.sql)
                    }
                    sent.append(.prepare(name))
                    preparing.insert(name)
                }
                ok = withParameterArray(statement.parameters) { values, count in
                    PQsendQueryPrepared(conn, name, count, values, nil, nil, 0)
                }
            } else {
                ok = withParameterArray(statement.parameters) { values, count in
                    PQsendQueryParams(conn, statement.sql, count, nil, values, nil, nil, 0)
                }
            }
            guard ok == 1 else { throw failedSend(conn, statement.sql) }
            sent.append(.statement(i))
        }
        guard PQpipelineSync(conn) == 1 else { throw failedSend(conn, "(pipeline sync)") }

        var results: [QueryResult] = []
        results.reserveCapacity(statements.count)
        var firstError: PostgresError?
        for item in sent {
            let sql: String
            switch item {
            case .prepare(let name): sql = statements.first { $0.preparedName == name }?.sql ?? ""
            case .statement(let i): sql = statements[i].sql
            }
            var result: QueryResult?
            while let raw = PQgetResult(conn) {
                defer { PQclear(raw) }
                switch PQresultStatus(raw) {
                case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    if case .prepare(let name) = item { preparedStatements.insert(name) }
                    result = QueryResult(copying: raw)
                case PGRES_PIPELINE_ABORTED:
                    result = nil
                default:
                    if firstError == nil { firstError = PostgresError(result: raw, statement: sql) }
                }
            }
            if case .statement = item { results.append(result ?? QueryResult.empty) }
            if PQstatus(conn) != CONNECTION_OK {
                throw firstError ?? PostgresError(kind: .connection, message: errorText(conn), statement: sql)
            }
        }
        // The sync point's own result, then the pipeline is idle again.
        while let raw = PQgetResult(conn) {
            let status = PQresultStatus(raw)
            PQclear(raw)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if let firstError { throw firstError }
        return results
    }

    private func failedSend(_ conn: OpaquePointer, _ sql: String) -> PostgresError {
        PostgresError(kind: .connection, message: errorText(conn), statement: sql)
    }

    private func errorText(_ conn: OpaquePointer) -> String {
        let text = String(cString: PQerrorMessage(conn)).trimmingTrailingNewlines()
        return text.isEmpty ? "connection lost" : Connection.redact(text)
    }
}
