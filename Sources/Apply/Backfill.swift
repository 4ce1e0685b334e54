import Plan
import Postgres
import SQLSyntax

/// Runs a `backfill_column` change: its batch statement, rendered from the
/// change's table and column (`ColumnBackfill.batchStatement()`), again and
/// again, each batch its own transaction (the connection is outside any
/// transaction), until the rows of the column that were NULL are filled.
///
/// First the blocks the table had when the backfill began, in ranges that hold
/// about `batch` rows (from the table's statistics), each range until a batch
/// comes back short; then the whole table, for rows skipped because the
/// application held them and rows it wrote NULL meanwhile; last the same
/// without `SKIP LOCKED`, waiting for held rows under the session's
/// `lock_timeout` (a timeout fails the attempt, which is tried again and goes on
/// from the rows still NULL), again until a pass fills nothing. A filled row
/// is no longer NULL, so no batch picks it again.
enum Backfill {
    /// The highest block number a tid can name.
    static let lastBlock = "(4294967295,0)"

    static func run(_ backfill: ColumnBackfill, batch: Int, on connection: Connection) throws {
        let size = try connection.query("""
            SELECT (pg_relation_size(c.oid) / current_setting('block_size')::int8)::text,
                   CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN (c.reltuples / c.relpages)::int8 ELSE 0 END::text
            FROM pg_class c WHERE c.oid = $1::regclass
            """, [quoteIdentifier(backfill.table)])
        let blocks = Int(size.rows.first?[0] ?? "0") ?? 0
        let rowsPerBlock = Int(size.rows.first?[1] ?? "0") ?? 0
        // Without statistics, assume small rows (about 100 to a block).
        let step = max(1, batch / max(1, rowsPerBlock > 0 ? rowsPerBlock : 100))
        let limit = String(batch)
        let skipping = backfill.batchStatement(), waiting = backfill.batchStatement(skipLocked: false)
        func fill(_ sql: String, from low: String, to high: String) throws -> Int {
            try connection.query(sql, [low, high, limit]).affectedRows ?? 0
        }
        var low = 0
        while low < blocks {
            let high = low + step
            while try fill(skipping, from: "(\(low),0)", to: "(\(high),0)") >= batch {}
            low = high
        }
        while try fill(skipping, from: "(0,0)", to: lastBlock) >= batch {}
        // Waiting for held rows, until a pass fills nothing. A short batch is not
        // the end: a row the statement waited for comes back as the version the
        // application committed, which the statement's own snapshot cannot see to
        // update, so only the next statement fills it. Bounded, so that an
        // application that goes on writing NULL (its own choice for a nullable
        // column) is not chased.
        var shortPasses = 0
        while shortPasses < maximumShortPasses {
            let filled = try fill(waiting, from: "(0,0)", to: lastBlock)
            if filled == 0 { break }
            if filled < batch { shortPasses += 1 }
        }
    }

    /// Short passes of the waiting statement before the backfill stops.
    static let maximumShortPasses = 20
}
