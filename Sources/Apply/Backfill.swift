import Plan
import Postgres
import SQLSyntax

/// Runs a `backfill_column` change: its batch statement, rendered from the
/// change's table and column (`ColumnBackfill.batchStatement()`), over the
/// table's blocks in ranges that hold about `batch` rows (from the table's
/// statistics), each range its own transaction (the connection is outside any
/// transaction), until the rows of the column that were NULL are filled.
///
/// A sweep runs the ranges from the first block to the table's last; sweeps
/// follow one another until one fills nothing and skips nothing: the first
/// fills the table, the next the rows the application moved meanwhile (an
/// update of a row not filled yet writes its new version, still NULL, into a
/// range already swept or past the end) or wrote NULL. A batch waits for a row
/// the application holds for at most `rowWait` (or the session's shorter
/// `lock_timeout`); past it, the range is filled without the rows held
/// (`ColumnBackfill.skippingStatement()`) and the next sweep comes back to
/// them. Past `maximumSweeps`, a row still held is waited for under the
/// session's own `lock_timeout` (a timeout fails the attempt, which is tried
/// again and goes on from the rows still NULL); rows the application goes on
/// writing NULL (its own choice for a nullable column) are not chased further.
/// A filled row is no longer NULL, so no batch picks it again.
///
/// The application meets the row locks of one batch at a time, each taken as
/// its row is updated: a batch of `--backfill-batch` rows holds them for
/// milliseconds. A batch that waits for the application past `rowWait` gives
/// up its locks, so a deadlock with the application cannot form (`rowWait` is
/// below any `deadlock_timeout` `apply` runs under; see `LockDiscipline`).
enum Backfill {
    /// The highest block number a tid can name.
    static let lastBlock = "(4294967295,0)"

    /// Longest wait of one batch for a row the application holds, in seconds:
    /// long enough for the application's short transactions, short enough that
    /// the rows the batch has updated already are not held long.
    static let rowWait = 0.05

    /// Sweeps of the whole table before the backfill stops chasing rows.
    static let maximumSweeps = 20

    /// What a sweep did: rows filled, and ranges where rows the application held were skipped.
    struct Sweep: Equatable {
        var filled = 0
        var skippedRanges = 0
    }

    static func run(_ backfill: ColumnBackfill, batch: Int, on connection: Connection) throws {
        let stats = try connection.query("""
            SELECT CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN (c.reltuples / c.relpages)::int8 ELSE 0 END::text,
                   current_setting('lock_timeout')
            FROM pg_class c WHERE c.oid = $1::regclass
            """, [quoteIdentifier(backfill.table)])
        let rowsPerBlock = Int(stats.rows.first?[0] ?? "0") ?? 0
        let sessionTimeout = stats.rows.first?[1] ?? "0"
        // Without statistics, assume small rows (about 100 to a block).
        let step = blocksPerBatch(batch: batch, rowsPerBlock: rowsPerBlock)
        let sessionSeconds = PostgresDuration(sessionTimeout)?.seconds ?? 0
        let wait = sessionSeconds > 0 ? min(sessionSeconds, rowWait) : rowWait
        try setLockTimeout(LockDiscipline.durationText(seconds: wait), on: connection)
        defer { try? setLockTimeout(sessionTimeout, on: connection) }
        var last = Sweep()
        for _ in 0..<maximumSweeps {
            last = try sweep(backfill, step: step, skipping: true, on: connection)
            if last == Sweep() { return }
        }
        guard last.skippedRanges > 0 else { return }
        try setLockTimeout(sessionTimeout, on: connection)
        _ = try sweep(backfill, step: step, skipping: false, on: connection)
    }

    /// Blocks in a range that holds about `batch` rows, at least one.
    static func blocksPerBatch(batch: Int, rowsPerBlock: Int) -> Int {
        max(1, batch / max(1, rowsPerBlock > 0 ? rowsPerBlock : 100))
    }

    /// One pass over the table's blocks as they are when it starts, `step`
    /// blocks at a time (the new versions its own updates append past them are
    /// filled already; a row the application moves there, the next sweep finds). `skipping`: a range whose batch times out waiting for a
    /// row is filled without the rows held; otherwise the timeout is thrown.
    static func sweep(_ backfill: ColumnBackfill, step: Int, skipping: Bool, on connection: Connection) throws -> Sweep {
        let size = try connection.query(
            "SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int8)::text",
            [quoteIdentifier(backfill.table)])
        let blocks = Int(size.scalar.flatMap { $0 } ?? "0") ?? 0
        let filling = backfill.batchStatement(), skippingHeld = backfill.skippingStatement()
        var result = Sweep()
        var low = 0
        while low < blocks {
            let range = ["(\(low),0)", "(\(low + step),0)"]
            do {
                result.filled += try connection.query(filling, range).affectedRows ?? 0
            } catch {
                guard skipping, error.code == .lockNotAvailable else { throw error }
                result.filled += try connection.query(skippingHeld, range).affectedRows ?? 0
                result.skippedRanges += 1
            }
            low += step
        }
        return result
    }

    static func setLockTimeout(_ value: String, on connection: Connection) throws {
        try connection.execute("SELECT set_config('lock_timeout', $1, false)", [value])
    }
}
