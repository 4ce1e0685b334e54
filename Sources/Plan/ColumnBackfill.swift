import SQLSyntax

/// What a `backfill_column` change fills: the table and the column, as the
/// plan stores them (`Change.backfill`). `apply` renders the backfill's
/// statements from these fields; the change's `sql` is the batch statement
/// (`batchStatement()`), for review, and a plan whose `sql` is not it is
/// refused (`PlanFile.decode`).
///
/// Each row is set to the column's `DEFAULT`: the default the plan sets just
/// before (or that a stopped backfill's tenant already has; its state, checked
/// before the step runs, includes it), evaluated per row. The batch size is not
/// part of the plan: it is `apply --backfill-batch`, bound to the statement as
/// `$3` when it runs.
public struct ColumnBackfill: Sendable, Equatable, Codable {
    public var table: String
    public var column: String

    public init(table: String, column: String) {
        self.table = table
        self.column = column
    }

    /// One batch: the rows of blocks `$1` to `$2` (tids, `(block,0)`) whose
    /// column is NULL, at most `$3` of them, set to the column's default.
    ///
    /// The rows are found by a TID range scan and locked `FOR UPDATE SKIP
    /// LOCKED` by the same statement that updates them: a row the application
    /// holds is skipped (a later sweep comes back to it), never waited for,
    /// and `ctid` needs no key, so a table without a primary key is filled the
    /// same way. Each batch runs in its own transaction; the application only
    /// ever meets the row locks of one batch. `skipLocked` false: the same
    /// without `SKIP LOCKED`, for the last sweep, which waits (under
    /// `lock_timeout`) for the rows the application held while the batches went by.
    public func batchStatement(skipLocked: Bool = true) -> String {
        let t = quoteIdentifier(table), c = quoteIdentifier(column)
        return "UPDATE \(t) SET \(c) = DEFAULT WHERE ctid = ANY (ARRAY(SELECT ctid FROM \(t) "
            + "WHERE ctid >= $1::tid AND ctid < $2::tid AND \(c) IS NULL LIMIT $3::int8 FOR UPDATE"
            + (skipLocked ? " SKIP LOCKED))" : "))")
    }
}
