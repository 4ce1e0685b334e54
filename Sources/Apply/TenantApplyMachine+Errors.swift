import Postgres

extension TenantApplyMachine.ActionError {
    /// What the protocol needs to know of an error thrown while performing an action.
    init(_ error: any Error) {
        if let error = error as? PostgresError {
            self = .server(
                TenantResult.Failure(sqlState: error.sqlState, message: error.message, detail: error.detail,
                                     statement: error.statement),
                transient: error.isTransient, connectionLost: error.isConnectionLoss)
        } else {
            self = .other("\(error)")
        }
    }
}
