/// A PostgreSQL error code (SQLSTATE), named after its condition.
///
/// The names are PostgreSQL's condition names in camel case, as postgres-nio
/// names them; see https://www.postgresql.org/docs/current/errcodes-appendix.html.
/// Only the codes tenantplan tells apart are named.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The five-character code, such as `55P03`.
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(_ code: String) { self.init(rawValue: code) }

    public var description: String { rawValue }

    /// The code's class, as the class's own code: `08000` for `08006`.
    public var errorClass: SQLState { SQLState(String(rawValue.prefix(2)) + "000") }

    // Class 08: Connection Exception
    public static let connectionException = SQLState("08000")

    // Class 23: Integrity Constraint Violation
    public static let notNullViolation = SQLState("23502")
    public static let uniqueViolation = SQLState("23505")

    // Class 40: Transaction Rollback
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")

    // Class 42: Syntax Error or Access Rule Violation
    public static let syntaxError = SQLState("42601")
    public static let undefinedObject = SQLState("42704")
    public static let undefinedFunction = SQLState("42883")
    public static let undefinedTable = SQLState("42P01")
    public static let duplicateSchema = SQLState("42P06")

    // Class 55: Object Not In Prerequisite State
    public static let lockNotAvailable = SQLState("55P03")

    // Class 57: Operator Intervention
    public static let queryCanceled = SQLState("57014")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")
}
