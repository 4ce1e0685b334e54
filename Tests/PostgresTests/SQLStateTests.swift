@testable import Postgres
import Testing

@Suite("SQLSTATE codes and error fields")
struct SQLStateTests {
    @Test("the named codes are PostgreSQL's codes for those conditions")
    func namedCodes() {
        let codes: [(SQLState, String)] = [
            (.connectionException, "08000"), (.notNullViolation, "23502"), (.uniqueViolation, "23505"),
            (.serializationFailure, "40001"), (.deadlockDetected, "40P01"), (.syntaxError, "42601"),
            (.undefinedObject, "42704"), (.undefinedFunction, "42883"), (.undefinedTable, "42P01"),
            (.lockNotAvailable, "55P03"), (.queryCanceled, "57014"), (.adminShutdown, "57P01"),
            (.crashShutdown, "57P02"), (.cannotConnectNow, "57P03"),
        ]
        for (state, code) in codes {
            #expect(state.rawValue == code)
            #expect(state == SQLState(code))
            #expect(state.description == code)
        }
    }

    @Test("a code's class is the class's own code")
    func errorClass() {
        #expect(SQLState("08006").errorClass == .connectionException)
        #expect(SQLState("08P01").errorClass == .connectionException)
        #expect(SQLState.connectionException.errorClass == .connectionException)
        #expect(SQLState.lockNotAvailable.errorClass == SQLState("55000"))
    }

    @Test("which errors are transient and which lose the connection")
    func classification() {
        func error(_ code: String, kind: PostgresError.Kind = .query) -> PostgresError {
            PostgresError(kind: kind, sqlState: code, message: "m")
        }
        for code in ["55P03", "40P01", "40001"] {
            #expect(error(code).isTransient, "\(code)")
            #expect(!error(code).isConnectionLoss, "\(code)")
        }
        for code in ["08000", "08006", "08003", "57P01", "57P02", "57P03"] {
            #expect(error(code).isConnectionLoss, "\(code)")
            #expect(!error(code).isTransient, "\(code)")
        }
        for code in ["42P01", "23505", "57014", "40002", ""] {
            #expect(!error(code).isTransient && !error(code).isConnectionLoss, "\(code)")
        }
        #expect(error("", kind: .connection).isConnectionLoss)
        #expect(error("", kind: .query).code == nil)
        #expect(error("42P01").code == .undefinedTable)
    }

    /// shim.h defines each constant as libpq's macro itself, so the C compiler
    /// keeps them equal; these are the field type letters of the protocol's
    /// ErrorResponse (https://www.postgresql.org/docs/current/protocol-error-fields.html).
    @Test("the error fields read are libpq's PG_DIAG_* codes")
    func errorFields() {
        func letter(_ field: ErrorField) -> Character { Character(Unicode.Scalar(UInt8(field.rawValue))) }
        #expect(letter(.sqlState) == "C")
        #expect(letter(.messagePrimary) == "M")
        #expect(letter(.messageDetail) == "D")
        #expect(letter(.messageHint) == "H")
        #expect(letter(.statementPosition) == "P")
    }

    @Test("a server error's summary carries its SQLSTATE, and the description its detail and hint")
    func summaryAndDescription() {
        let error = PostgresError(kind: .query, sqlState: "23505", message: "duplicate key",
                                  detail: "Key (id)=(1) already exists.", hint: "pick another id")
        #expect(error.summary == "duplicate key (SQLSTATE 23505)")
        #expect(error.description == """
            duplicate key (SQLSTATE 23505)
              detail: Key (id)=(1) already exists.
              hint: pick another id
            """)
        #expect(PostgresError(kind: .connection, message: "connection lost").summary == "connection lost")
    }
}
