import SQLSyntax
import State

/// The online form of a column added with a volatile default
/// (`gen_random_uuid()`, `clock_timestamp()`), which `ADD COLUMN ... DEFAULT`
/// writes into every row under ACCESS EXCLUSIVE (a rewrite):
///
/// 1. in the first transaction: `ADD COLUMN` without default nor NOT NULL
///    (catalog only), `SET DEFAULT` (new rows get it from then on), and a
///    marker check `tenantplan_backfill_<column>` `CHECK (true) NOT VALID`,
///    which holds no row back and only tells the tenant's state apart until
///    the backfill is done;
/// 2. a stage of its own, outside a transaction: the backfill
///    (`backfill_column`, batches of rows, each its own transaction, row locks
///    only); it changes no catalog row, so it ends in the state it starts from;
/// 3. one transaction after the backfills: when NOT NULL is declared, the
///    temporary check `tenantplan_not_null_<column>` added `NOT VALID` (added
///    any earlier, it would fail the application's updates of rows not yet
///    filled); the marker dropped;
/// 4. NOT NULL as the online SET NOT NULL does it: `VALIDATE` the check, `SET
///    NOT NULL` without a scan, drop the check.
///
/// A run stopped in the middle of the backfill finds the markers on the next
/// run and runs the backfills again, each from the rows still NULL. A new plan
/// of such a tenant plans what was left (`Differ.Run.resumedBackfills`): the
/// backfill again and this form's last steps, or, in one transaction, the
/// marker dropped and the rows filled by one `fill_column` UPDATE. A table
/// with triggers on UPDATE keeps the one statement (`hasUpdateTriggers`).
extension OnlinePlan {
    /// A column the online form backfills: its marker, and its NOT NULL check when declared NOT NULL.
    struct Backfilled {
        var table: String
        var marker: String
        var notNullCheck: String?
    }

    /// Whether `planned` adds a column whose default rewrites the table (the
    /// Differ's `tableRewrite` from `Differ.rewritingDefaults`) and that the
    /// online form can fill in batches instead (not identity, generated or serial).
    static func fillsOnline(_ planned: Differ.Run.Planned) -> Bool {
        guard case .addColumn(_, let column) = planned.step, planned.hazards.contains(.tableRewrite) else { return false }
        return column.defaultExpression != nil && column.identity == nil && column.generated == nil && !column.isSerial
    }

    /// Whether a trigger may fire on the table's UPDATEs, before or after the
    /// plan: a declared one whose definition has `UPDATE`, or any undeclared
    /// one. The backfill's UPDATEs would fire it (an `updated_at` stamp, an
    /// audit row), which `ADD COLUMN ... DEFAULT` never does: such a table keeps
    /// the one statement, a rewrite, and says so (`table_rewrite`). `old` is
    /// the table's name in `actual` (before a rename the same plan makes); an
    /// undeclared rule on it counts too (a `DO INSTEAD` rule would fill nothing).
    static func hasUpdateTriggers(_ table: String, was old: String, _ actual: SchemaState, _ final: SchemaState) -> Bool {
        let onUpdate = { (t: TableState?) in t?.triggers.contains { $0.definition.contains(" UPDATE") } ?? false }
        return onUpdate(actual.table(named: old)) || onUpdate(final.table(named: table))
            || actual.dependents.contains { ($0.kind == .trigger || $0.kind == .rule) && $0.table == old && $0.schema == nil }
    }

    /// Plans the backfill of `column` (see the extension's comment), its NOT
    /// NULL (`planNotNull`, the check added once the rows are filled) included.
    mutating func planBackfill(table: String, column: ColumnDeclaration, final: SchemaState) {
        typealias Planned = Differ.Run.Planned
        let expression = final.table(named: table)?.column(named: column.name)?.defaultExpression
            ?? column.defaultExpression ?? "NULL"
        var bare = column
        bare.defaultExpression = nil
        bare.nullable = true
        let marker = Differ.Run.backfillMarkerName(column.name)
        first.append(Planned(step: .addColumn(table: table, bare), hazards: []))
        first.append(Planned(step: .setDefault(table: table, column: column.name, expression: expression), hazards: []))
        first.append(Planned(step: .addConstraintNotValid(table: table, .check(CheckDeclaration(name: marker, expression: "true"))),
                             hazards: []))
        backfills.append(Planned(step: .backfillColumn(table: table, column: column.name), hazards: [], transactional: false))
        let check = column.nullable ? nil : planNotNull(table: table, column: column.name, checkAddedIn: \.backfillEnd)
        backfillEnd.append(Planned(step: .dropConstraint(table: table, name: marker), hazards: []))
        backfilled.append(Backfilled(table: table, marker: marker, notNullCheck: check))
    }

    /// The state after the first transaction, given `end`, the state after
    /// the backfills' last transaction: every marker, none of the backfilled
    /// columns' NOT NULL checks. The backfills keep it.
    func stateBeforeBackfills(ending end: SchemaState) -> SchemaState {
        var state = end
        for b in backfilled {
            state.updateTable(b.table) { t in
                if let name = b.notNullCheck { t.constraints.removeAll { $0.name == name } }
                t.constraints.append(ConstraintState(name: b.marker, kind: .check, definition: "CHECK (true) NOT VALID"))
            }
        }
        return state.normalized()
    }
}

extension Differ.Run {
    /// The marker check of a column backfill: `tenantplan_backfill_<column>`
    /// (a hash of the column's name when that is too long).
    static func backfillMarkerName(_ column: String) -> String {
        let name = backfillMarkerPrefix + column
        if name.utf8.count <= IdentifierLength.maxBytes { return name }
        return backfillMarkerPrefix + String(SHA256.hex(column).prefix(16))
    }

    static let backfillMarkerPrefix = "tenantplan_backfill_"

    /// Whether `constraint` is the marker check of a column backfill (of
    /// `column`, when given): its name and its `CHECK (true) NOT VALID`.
    static func isBackfillMarker(_ constraint: ConstraintState, of column: String?) -> Bool {
        guard constraint.kind == .check, constraint.definition == "CHECK (true) NOT VALID" else { return false }
        if let column { return constraint.name == backfillMarkerName(column) }
        return constraint.name.hasPrefix(backfillMarkerPrefix)
    }
}
