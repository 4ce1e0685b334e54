import SQLSyntax
import State

/// A kept table's persistence (`unlogged:`), partition key (`partition_by:`)
/// and partitions (`partitions:`). A partition of the declared bound under
/// another, undeclared name is renamed rather than created beside it.
///
/// The key and bounds are compared as the server renders them
/// (`pg_get_partkeydef`, `pg_get_expr(relpartbound)`). A partition is created
/// with `CREATE TABLE ... PARTITION OF`; one the declaration no longer has is
/// dropped with its rows, only as far as the destructive policy allows. A
/// table's partition key, and a partition's bound, cannot change in place:
/// such a change is held back with its reason, never made by rewriting.
extension Differ.Run {
    mutating func diffPartitioning(_ table: TableDeclaration, want: TableState, current: TableState) {
        let name = table.name
        if want.isUnlogged != current.isUnlogged {
            add(.setLogged(table: name, logged: !want.isUnlogged), .columns, hazards: [.tableRewrite])
        }
        guard want.partitionBy == current.partitionBy else {
            let from = current.partitionBy.map { "PARTITION BY \($0)" } ?? "not partitioned"
            let to = want.partitionBy.map { "PARTITION BY \($0)" } ?? "not partitioned"
            held.append(HeldChange(
                object: "table \(name)",
                reason: "its partitioning changes (\(from) → \(to)): PostgreSQL cannot change a table's "
                    + "partition key in place; create a new table with the new key, move the rows, and rename it, "
                    + "by hand; the table is kept as it is"))
            expected.updateTable(name) {
                $0.partitionBy = current.partitionBy
                $0.partitions = current.partitions
            }
            return
        }
        guard want.partitionBy != nil || current.partitions != nil else { return }
        var kept: [PartitionState] = []
        let defaultPartition = current.partitions?.first { $0.bound == "DEFAULT" }?.name
        // A partition of the declared bound under another name, which schema.yaml
        // does not declare, is renamed (a new one would overlap it), rows and all.
        var renamedFrom: [String: String] = [:]
        for partition in table.partitions where current.partition(named: partition.name) == nil {
            guard let wanted = want.partition(named: partition.name),
                  let old = current.partitions?.first(where: { have in
                      have.bound == wanted.bound && want.partition(named: have.name) == nil
                          && !renamedFrom.values.contains(have.name)
                  }) else { continue }
            renamedFrom[partition.name] = old.name
            add(.renameTable(from: old.name, to: partition.name), .renames)
        }
        for partition in table.partitions where renamedFrom[partition.name] == nil {
            guard let wanted = want.partition(named: partition.name) else { continue }
            if let have = current.partition(named: partition.name) {
                if have.bound != wanted.bound {
                    held.append(HeldChange(
                        object: "partition \(partition.name) of \(name)",
                        reason: "its bound changes (\(have.bound) → \(wanted.bound)): not made in place; detach it "
                            + "and attach it again with the new bound (ALTER TABLE \(name) DETACH PARTITION / ATTACH "
                            + "PARTITION), by hand; it is kept as it is"))
                    kept.append(have)
                }
                continue
            }
            let scanned = wanted.bound == "DEFAULT" ? nil : defaultPartition
            add(.createPartition(table: name, partition, defaultPartition: scanned), .columns,
                hazards: scanned == nil ? [] : [.mayFailOnExistingData])
        }
        // Dropped before partitions are created: a new bound may overlap an old one's.
        for have in current.partitions ?? [] where want.partition(named: have.name) == nil
            && !renamedFrom.values.contains(have.name) {
            let step = Step.dropPartition(table: name, name: have.name)
            let target = DestructiveTarget(.table, have.name, undeclared: true)
            let reason = "partition \(have.name) of \(name) is not in schema.yaml; dropping it loses its rows"
            let keep: (inout SchemaState) -> Void = { $0.updateTable(name) { $0.partitions = ($0.partitions ?? []) + [have] } }
            // Objects that stand on the partition (a view that reads it) go first, as allowed.
            if differ.policy.allows(target), let blocked = partitionDropBlocked(have.name, of: name) {
                held.append(HeldChange(object: step.object, reason: reason + "; " + blocked, sql: step.sql, undeclared: true))
                keep(&expected)
            } else if addDestructive(step, .dropConstraintsAndIndexes, hazards: [.dataLoss, .dropsUnmanagedObject],
                                     target: target, reason: reason, keep: keep) {
                dropDependents(tableDependents(have.name))
            }
        }
        if !kept.isEmpty {
            expected.updateTable(name) { state in
                state.partitions = (state.partitions ?? []).filter { p in !kept.contains { $0.name == p.name } } + kept
            }
        }
    }

    /// The partition key of the declared table `table` as the tenant has it,
    /// when it names the actual column `column` (as a key column or inside a
    /// key expression); nil otherwise.
    ///
    /// PostgreSQL refuses to change the type or collation of such a column, or
    /// to drop it (42P16, "cannot alter column ... because it is part of the
    /// partition key"), whatever the rows.
    func partitionKey(naming column: String, of table: String) -> String? {
        guard let key = actual.table(named: actualTableName(table))?.partitionBy,
              SQLTokens(key).tokens.contains(.identifier(column)) else { return nil }
        return key
    }

    /// Why dropping the undeclared partition `partition` of `table` (actual
    /// names) can not be planned; nil when its dependents may be dropped.
    ///
    /// Besides the table path's dependents (`tableDropBlocked`), the schema's
    /// foreign keys that the plan keeps (as `dropUndeclared` sees them for a
    /// table): one that references the partition makes `DROP TABLE` fail; so
    /// does one that references the partitioned table, whatever the rows,
    /// since its clone for the partition depends on the partition (measured on
    /// PostgreSQL 15: 2BP01), and `DETACH PARTITION` would fail while a row
    /// references one of the partition's.
    func partitionDropBlocked(_ partition: String, of table: String) -> String? {
        let onPartition = keptForeignKeys(referencing: partition) { _ in true }
            .map { "\($0), which this plan keeps, references it" }
        let onTable = keptForeignKeys(referencing: table) { _ in true }
            .map { "\($0), which this plan keeps, references \(table): PostgreSQL does not drop a partition of a "
                + "table a foreign key references (detach it first, by hand: ALTER TABLE \(quoteIdentifier(table)) "
                + "DETACH PARTITION \(quoteIdentifier(partition)), which fails while a row references one of its rows)" }
        let reasons = onPartition + onTable
            + (tableDropBlocked(partition).map { [$0] } ?? [])
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
