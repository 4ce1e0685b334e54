import Foundation
import Plan
import Postgres
import SQLSyntax

/// How `apply` takes strong locks without making the application wait: decisions only.
///
/// A statement that waits for a lock queues every later request for that table
/// behind it (https://www.postgresql.org/docs/15/explicit-locking.html), so the
/// application waits as long as the applier does. Every statement of a tenant
/// therefore runs under a short `lock_timeout`, and the tenant is tried again, a
/// little later and at a random moment, until its `--lock-budget` is spent.
enum LockDiscipline {
    /// The `lock_timeout` for a database's tenants, and warnings about it.
    ///
    /// It is kept below the server's `deadlock_timeout`: a session runs the
    /// deadlock check only after waiting that long, so the applier's wait ends by
    /// its own lock timeout first, and a deadlock between the applier and the
    /// application is always broken on the applier's side (which tries again),
    /// never by aborting the application's transaction. The default is lowered to
    /// half the `deadlock_timeout` when that is shorter than it; a value given
    /// explicitly is kept, with a warning.
    static func lockTimeout(asked: String?, deadlockTimeoutMilliseconds deadlock: Double?, database: String)
        -> (lockTimeout: String, warnings: [String])
    {
        let chosen = asked ?? ApplyOptions.defaultLockTimeout
        guard let deadlock, deadlock > 0, let seconds = PostgresDuration(chosen)?.seconds else { return (chosen, []) }
        let deadlockText = durationText(deadlock)
        if asked == nil {
            guard seconds * 1000 >= deadlock else { return (chosen, []) }
            let lowered = durationText(max(1, (deadlock / 2).rounded(.down)))
            return (lowered, ["database '\(database)': lock timeout lowered from the default \(chosen) to \(lowered), "
                + "below the server's deadlock_timeout \(deadlockText)"])
        }
        if seconds == 0 {
            return (chosen, ["database '\(database)': --lock-timeout 0 waits for locks without limit: the "
                + "application queues behind a waiting statement as long as it waits"])
        }
        guard seconds * 1000 >= deadlock else { return (chosen, []) }
        return (chosen, ["database '\(database)': --lock-timeout \(chosen) is not below the server's deadlock_timeout "
            + "\(deadlockText): a deadlock with the application may be broken by aborting the application's "
            + "transaction instead of tenantplan's; use a lock timeout below \(deadlockText)"])
    }

    /// The statements that run a stage's changes in `tenant`: `search_path` first,
    /// then each change, with the tables of its `lockFirst` locked in SHARE ROW
    /// EXCLUSIVE mode before it.
    ///
    /// When the stage creates or renames no table (nor the schema), every table a
    /// foreign key names exists from the start, and all of them are locked before
    /// the first change: the referenced tables first, then the referencing ones, in
    /// the changes' order. The applier then never holds a referencing table (say,
    /// after adding a column to it) while it waits for a referenced one that the
    /// application's transactions write to first.
    static func statements(for changes: [Change], tenant: String) -> [PipelineStatement] {
        var statements = [PipelineStatement("SELECT set_config('search_path', $1, true)", [quoteIdentifier(tenant)])]
        let hoisted = !changes.contains { [.createSchema, .createTable, .renameTable].contains($0.op) }
        if hoisted {
            let ordered = changes.flatMap { $0.lockFirst.dropLast() } + changes.compactMap(\.lockFirst.last)
            var seen = Set<String>()
            for table in ordered where seen.insert(table).inserted {
                statements.append(PipelineStatement(lockStatement(table)))
            }
        }
        for change in changes {
            if !hoisted {
                statements += change.lockFirst.map { PipelineStatement(lockStatement($0)) }
            }
            statements.append(PipelineStatement(change.statement(tenant: tenant)))
        }
        return statements
    }

    /// `1s`, `500ms`: whole milliseconds as PostgreSQL duration text.
    static func durationText(_ milliseconds: Double) -> String {
        let whole = Int(milliseconds.rounded())
        return whole % 1000 == 0 && whole > 0 ? "\(whole / 1000)s" : "\(whole)ms"
    }

    /// Duration text for `seconds`, in whole milliseconds (at least 1).
    static func durationText(seconds: Double) -> String {
        durationText(max(1, (seconds * 1000).rounded()))
    }

    /// `LOCK TABLE "orders" IN SHARE ROW EXCLUSIVE MODE`: what `ADD FOREIGN KEY`
    /// takes on both tables.
    static func lockStatement(_ table: String) -> String {
        "LOCK TABLE \(table) IN SHARE ROW EXCLUSIVE MODE"
    }
}
