import State

/// Objects the tenant has and `schema.yaml` does not declare: dropped only as far
/// as the destructive policy allows (`--allow-destructive`, `--allow`).
extension Differ.Run {
    mutating func dropUndeclared() {
        let undeclared = actual.tables.filter { !claimedTables.contains($0.name) }
        func target(_ table: TableState) -> DestructiveTarget { DestructiveTarget(.table, table.name, undeclared: true) }
        // The tables to drop: allowed, and holding nothing ignored. A table that a
        // foreign key the plan keeps references cannot be dropped (DROP TABLE
        // without CASCADE fails): it is kept too, which may keep its own foreign
        // keys and so other tables, until nothing changes.
        // A table that undeclared dependents hold (a view on it) is kept as well.
        var dropping = Set(undeclared.filter {
            $0.ignoredUses.isEmpty && differ.policy.allows(target($0)) && tableDropBlocked($0.name) == nil
        }.map(\.name))
        var referencedBy: [String: String] = [:]
        var changed = true
        while changed {
            changed = false
            for table in expected.tables + undeclared.filter({ !dropping.contains($0.name) }) {
                for fk in table.constraints where fk.kind == .foreignKey {
                    guard let referenced = Self.referencedTable(fk.definition), referenced != table.name,
                          dropping.remove(referenced) != nil else { continue }
                    referencedBy[referenced] = "foreign key \(fk.name) on \(table.name)"
                    changed = true
                }
            }
        }
        var dropped: [TableState] = []
        for table in undeclared {
            let reason = "table \(table.name) is not in schema.yaml; dropping it loses its rows"
            let keep: (inout SchemaState) -> Void = { $0.tables.append(table) }
            if !table.ignoredUses.isEmpty {
                holdForIgnored(.dropTable(table.name), reason: reason, undeclared: true, keep: keep)
            } else if let blocker = referencedBy[table.name] {
                held.append(HeldChange(
                    object: Step.dropTable(table.name).object,
                    reason: reason + "; \(blocker), which this plan keeps, references it: allow dropping that too",
                    sql: Step.dropTable(table.name).sql, undeclared: true))
                keep(&expected)
            } else if differ.policy.allows(target(table)), let blocked = tableDropBlocked(table.name) {
                held.append(HeldChange(object: Step.dropTable(table.name).object, reason: reason + "; " + blocked,
                                       sql: Step.dropTable(table.name).sql, undeclared: true))
                keep(&expected)
            } else if addDestructive(.dropTable(table.name), .dropTables, hazards: [.dataLoss, .dropsUnmanagedObject],
                                     target: target(table), reason: reason, keep: keep) {
                dropDependents(tableDependents(table.name))
                dropped.append(table)
            }
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
            if differ.policy.allows(DestructiveTarget(.enum, e.name, undeclared: true)),
               let blocked = clearEnumDrop(e.name) {
                held.append(HeldChange(object: Step.dropType(e.name).object,
                                       reason: "enum \(e.name) is not in schema.yaml; " + blocked,
                                       sql: Step.dropType(e.name).sql, undeclared: true))
                expected.enums.append(e)
                continue
            }
            addDestructive(.dropType(e.name), .dropTypes, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.enum, e.name, undeclared: true),
                           reason: "enum \(e.name) is not in schema.yaml") { $0.enums.append(e) }
        }
        let wantSequences = Set(desired.sequences.map(\.name))
        for s in actual.sequences where !wantSequences.contains(s.name) {
            addDestructive(.dropSequence(s.name), .dropTypes, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.sequence, s.name, undeclared: true),
                           reason: "sequence \(s.name) is not in schema.yaml") { $0.sequences.append(s) }
        }
    }

    /// The table of the tenant a deparsed foreign key references:
    /// `FOREIGN KEY (a) REFERENCES t(id) ...` gives `t`; nil for a table of
    /// another schema (`REFERENCES public.plans(id)`) or an unexpected text.
    static func referencedTable(_ definition: String) -> String? {
        let tokens = SQLTokens(definition).tokens
        // The first `)` closes the referencing columns (names inside are identifier tokens).
        guard let close = tokens.firstIndex(of: .symbol(")")), close + 2 < tokens.count,
              tokens[close + 1] == .identifier("REFERENCES"),
              case .identifier(let name) = tokens[close + 2] else { return nil }
        if close + 3 < tokens.count, tokens[close + 3] == .symbol(".") { return nil }
        return name
    }
}
