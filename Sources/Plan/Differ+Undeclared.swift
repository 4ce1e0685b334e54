import State

/// Objects the tenant has and `schema.yaml` does not declare: dropped only with `--allow-destructive`.
extension Differ.Run {
    mutating func dropUndeclared() {
        for table in actual.tables where !claimedTables.contains(table.name) {
            addDestructive(.dropTable(table.name), .dropTables, hazards: [.dataLoss, .dropsUnmanagedObject],
                           reason: "table \(table.name) is not in schema.yaml; dropping it loses its rows") {
                $0.tables.append(table)
            }
        }
        // Foreign keys of a dropped table may point at other dropped tables: drop them first.
        if differ.allowDestructive {
            for table in actual.tables where !claimedTables.contains(table.name) {
                for fk in table.constraints where fk.kind == .foreignKey {
                    add(.dropConstraint(table: table.name, name: fk.name), .dropForeignKeys,
                        hazards: [.dropsUnmanagedObject])
                }
            }
        }
        let declaredEnums = Set(declaration.enums.map(\.name))
        for e in actual.enums where !declaredEnums.contains(e.name) {
            addDestructive(.dropType(e.name), .dropTypes, hazards: [.dropsUnmanagedObject],
                           reason: "enum \(e.name) is not in schema.yaml") { $0.enums.append(e) }
        }
        let wantSequences = Set(desired.sequences)
        for s in actual.sequences where !wantSequences.contains(s) {
            addDestructive(.dropSequence(s), .dropTypes, hazards: [.dropsUnmanagedObject],
                           reason: "sequence \(s) is not in schema.yaml") { $0.sequences.append(s) }
        }
    }
}
