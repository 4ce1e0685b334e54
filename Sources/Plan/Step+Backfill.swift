import SQLSyntax

extension Step {
    /// One batch of a column backfill (`backfillColumn`): the rows of blocks
    /// `$1` to `$2` (tids, `(block,0)`) whose `column` is NULL, at most `$3`
    /// of them, set to the column's default (`DEFAULT`: the default the plan
    /// set just before, evaluated per row).
    ///
    /// The rows are found by a TID range scan and locked `FOR UPDATE SKIP
    /// LOCKED` by the same statement that updates them: a row the application
    /// holds is skipped (a later sweep comes back to it), never waited for,
    /// and `ctid` needs no key, so a table without a primary key is filled the
    /// same way. Each batch runs in its own transaction; the application only
    /// ever meets the row locks of one batch.
    public static func backfillStatement(table: String, column: String, skipLocked: Bool = true) -> String {
        let t = quoteIdentifier(table), c = quoteIdentifier(column)
        return "UPDATE \(t) SET \(c) = DEFAULT WHERE ctid = ANY (ARRAY(SELECT ctid FROM \(t) "
            + "WHERE ctid >= $1::tid AND ctid < $2::tid AND \(c) IS NULL LIMIT $3::int8 FOR UPDATE"
            + (skipLocked ? " SKIP LOCKED))" : "))")
    }
}

extension Change {
    /// For a `backfill_column` change: the table it fills (as its lock names it).
    public var backfillTable: String? {
        op == .backfillColumn ? locks.first?.relation : nil
    }

    /// For a `backfill_column` change: its batch statement without `SKIP
    /// LOCKED`, for the last sweep, which waits (under `lock_timeout`) for
    /// the rows the application held while the batches went by.
    public var backfillWaitingStatement: String {
        sql.replacingOccurrences(of: " FOR UPDATE SKIP LOCKED))", with: " FOR UPDATE))")
    }
}
