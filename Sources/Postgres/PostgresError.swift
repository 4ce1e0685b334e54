import CLibPQ

/// An error reported by libpq or by the server, with the context PostgreSQL gives.
///
/// The connection string is never part of an error: only the safe endpoint
/// description (user, host, port, database) is.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case connection, query }

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

    /// `sqlState`, named; nil for client-side errors.
    public var code: SQLState? { sqlState.isEmpty ? nil : SQLState(sqlState) }

    /// Errors that may succeed when tried again.
    static let transientCodes: Set<SQLState> = [.lockNotAvailable, .deadlockDetected, .serializationFailure]

    /// The server going away: an administrator's or a crash's shutdown, or a server
    /// that is starting or stopping.
    static let shutdownCodes: Set<SQLState> = [.adminShutdown, .crashShutdown, .cannotConnectNow]

    /// Lock not available, deadlock or serialization failure: errors that may
    /// succeed when tried again.
    public var isTransient: Bool {
        code.map(Self.transientCodes.contains) ?? false
    }

    /// The server went away (connection failure, admin shutdown, terminated backend).
    public var isConnectionLoss: Bool {
        if kind == .connection { return true }
        guard let code else { return false }
        return code.errorClass == .connectionException || Self.shutdownCodes.contains(code)
    }

    /// The message, with the SQLSTATE when there is one: `relation "t" does not exist (SQLSTATE 42P01)`.
    public var summary: String {
        sqlState.isEmpty ? message : "\(message) (SQLSTATE \(sqlState))"
    }

    public var description: String {
        var text = summary
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    init(result: OpaquePointer, statement: String) {
        func field(_ field: ErrorField) -> String? {
            guard let value = PQresultErrorField(result, field.rawValue) else { return nil }
            return String(cString: value)
        }
        let primary = field(.messagePrimary)
            ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        self.init(
            kind: .query,
            sqlState: field(.sqlState) ?? "",
            message: primary.isEmpty ? "query failed" : primary,
            detail: field(.messageDetail),
            hint: field(.messageHint),
            position: field(.statementPosition).flatMap { Int($0) },
            statement: statement
        )
    }
}

/// A field of an error report, as `PQresultErrorField` takes it: libpq's
/// `PG_DIAG_*`, through shim.h.
struct ErrorField: RawRepresentable, Sendable {
    var rawValue: Int32

    static let sqlState = ErrorField(rawValue: TENANTPLAN_PG_DIAG_SQLSTATE)
    static let messagePrimary = ErrorField(rawValue: TENANTPLAN_PG_DIAG_MESSAGE_PRIMARY)
    static let messageDetail = ErrorField(rawValue: TENANTPLAN_PG_DIAG_MESSAGE_DETAIL)
    static let messageHint = ErrorField(rawValue: TENANTPLAN_PG_DIAG_MESSAGE_HINT)
    static let statementPosition = ErrorField(rawValue: TENANTPLAN_PG_DIAG_STATEMENT_POSITION)
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
