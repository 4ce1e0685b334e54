import CLibPQ

/// An error reported by libpq or by the server, with the context PostgreSQL gives.
///
/// The connection string is never part of an error: only the safe endpoint
/// description (user, host, port, database) is.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case connection, query, protocolViolation }

    public var kind: Kind
    /// SQLSTATE code, such as `42P01`; empty for client-side errors.
    public var sqlState: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position in `statement` where the server located the error.
    public var position: Int?
    /// The statement that failed, when the error comes from one.
    public var statement: String?

    public init(kind: Kind, sqlState: String = "", message: String, detail: String? = nil,
                hint: String? = nil, position: Int? = nil, statement: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
        self.statement = statement
    }

    /// Lock not available (55P03), deadlock (40P01) or serialization failure (40001):
    /// errors that may succeed when tried again.
    public var isTransient: Bool {
        ["55P03", "40P01", "40001"].contains(sqlState)
    }

    /// The server went away (connection failure, admin shutdown, terminated backend).
    public var isConnectionLoss: Bool {
        kind == .connection || sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02"
            || sqlState == "57P03"
    }

    public var description: String {
        var text = sqlState.isEmpty ? message : "\(message) (SQLSTATE \(sqlState))"
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    init(result: OpaquePointer, statement: String) {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let primary = field(77) /* PG_DIAG_MESSAGE_PRIMARY */
            ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        self.init(
            kind: .query,
            sqlState: field(67) /* PG_DIAG_SQLSTATE */ ?? "",
            message: primary.isEmpty ? "query failed" : primary,
            detail: field(68) /* PG_DIAG_MESSAGE_DETAIL */,
            hint: field(72) /* PG_DIAG_MESSAGE_HINT */,
            position: field(80) /* PG_DIAG_STATEMENT_POSITION */.flatMap { Int($0) },
            statement: statement
        )
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
