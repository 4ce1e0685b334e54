import State

/// Objects the tenant has and `schema.yaml` does not declare: dropped only as far
/// as the destructive policy allows (`--allow-destructive`, `--allow`).
extension Differ.Run {
    mutating func dropUndeclared() {
        var dropped: [TableState] = []
        for table in actual.tables where !claimedTables.contains(table.name) {
            let reason = "table \(table.name) is not in schema.yaml; dropping it loses its rows"
            if !table.ignoredUses.isEmpty {
                holdForIgnored(.dropTable(table.name), reason: reason, undeclared: true) { $0.tables.append(table) }
                continue
            }
            let planned = addDestructive(
                .dropTable(table.name), .dropTables, hazards: [.dataLoss, .dropsUnmanagedObject],
                target: DestructiveTarget(.table, table.name, undeclared: true), reason: reason) {
                $0.tables.append(table)
            }
            if planned { dropped.append(table) }
        }
        // Foreign keys of a dropped table may point at other dropped tables: drop them first.
        for table in dropped {
            for fk in table.constraints where fk.kind == .foreignKey {
                add(.dropConstraint(table: table.name, name: fk.name), .dropForeignKeys,
                    hazards: [.dropsUnmanagedObject])
            }
        }
        let declaredEnums = Set(declaration.enums.map(\.name))
        for e in actual.enums where !declaredEnums.contains(e.name) {
            addDestructive(.dropType(e.name), .dropTypes, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.enum, e.name, undeclared: true),
                           reason: "enum \(e.name) is not in schema.yaml") { $0.enums.append(e) }
        }
        let wantSequences = Set(desired.sequences)
        for s in actual.sequences where !wantSequences.contains(s) {
            addDestructive(.dropSequence(s), .dropTypes, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.sequence, s, undeclared: true),
                           reason: "sequence \(s) is not in schema.yaml") { $0.sequences.append(s) }
        }
    }
}
