import Postgres
import State

/// A server or libpq error shown as it is: its summary (message and SQLSTATE),
/// the server's DETAIL and HINT. It may come after changes, so it does not say
/// that nothing was changed.
extension PostgresError: UserFacingError {}
