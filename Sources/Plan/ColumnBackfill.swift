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
/// part of the plan: `apply --backfill-batch` sizes the block ranges `$1` to
/// `$2` that each statement runs over.
public struct ColumnBackfill: Sendable, Equatable, Codable {
    public var table: String
    public var column: String

    public init(table: String, column: String) {
        self.table = table
        self.column = column
    }

    /// One batch: the rows of blocks `$1` to `$2` (tids, `(block,0)`) whose
    /// column is NULL, set to the column's default.
    ///
    /// A TID range scan finds the rows; each is locked as it is updated, once
    /// (no `SELECT ... FOR UPDATE` before the `UPDATE`, which would write every
    /// row twice and hold the whole batch from its start), and `ctid` needs no
    /// key, so a table without a primary key is filled the same way. Each batch
    /// runs in its own transaction: the application only ever meets the row
    /// locks of one short batch. A row the application holds is waited for, for
    /// at most `apply`'s short batch lock timeout (`Backfill.rowWait`); past it
    /// the range is filled by `skippingStatement()` instead, and a later sweep
    /// comes back to the row.
    public func batchStatement() -> String {
        let t = quoteIdentifier(table), c = quoteIdentifier(column)
        return "UPDATE \(t) SET \(c) = DEFAULT WHERE ctid >= $1::tid AND ctid < $2::tid AND \(c) IS NULL"
    }

    /// The batch for a range where the application held a row past the batch's
    /// lock timeout: the rows it does not hold, found and locked `FOR UPDATE
    /// SKIP LOCKED` by the same statement, never waited for.
    public func skippingStatement() -> String {
        let t = quoteIdentifier(table), c = quoteIdentifier(column)
        return "UPDATE \(t) SET \(c) = DEFAULT WHERE ctid = ANY (ARRAY(SELECT ctid FROM \(t) "
            + "WHERE ctid >= $1::tid AND ctid < $2::tid AND \(c) IS NULL FOR UPDATE SKIP LOCKED))"
    }

    /// The batch statement of tenantplan 2026-12-02 and before (rows locked `FOR
    /// UPDATE SKIP LOCKED` first, at most `$3` of them): a plan that holds it is
    /// refused with "plan again", not as edited.
    public func earlierBatchStatement() -> String {
        let t = quoteIdentifier(table), c = quoteIdentifier(column)
        return "UPDATE \(t) SET \(c) = DEFAULT WHERE ctid = ANY (ARRAY(SELECT ctid FROM \(t) "
            + "WHERE ctid >= $1::tid AND ctid < $2::tid AND \(c) IS NULL LIMIT $3::int8 FOR UPDATE SKIP LOCKED))"
    }
}
