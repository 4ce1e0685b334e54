import State

/// Tables: renames from `renamed_from` hints, new tables, and each kept table's
/// columns, constraints, indexes and comment.
extension Differ.Run {
    mutating func planRenames() {
        for table in declaration.tables {
            var current = actual.table(named: table.name)
            if current == nil, let old = table.renamedFrom, declaration.table(named: old) == nil,
               let source = actual.table(named: old) {
                tableRenames[old] = table.name
                current = source
            }
            guard let current else { continue }
            for column in table.columns {
                if current.column(named: column.name) == nil, let old = column.renamedFrom,
                   table.column(named: old) == nil, current.column(named: old) != nil {
                    columnRenames[table.name, default: [:]][old] = column.name
                }
            }
        }
    }

    /// Whether an actual definition says what the desired one says once the
    /// planned renames have run: PostgreSQL rewrites the names inside indexes,
    /// constraints and expressions itself when a table or column is renamed.
    func sameAfterRenames(_ actual: String?, _ desired: String?) -> Bool {
        guard let actual, let desired else { return actual == desired }
        if actual == desired { return true }
        var names = tableRenames
        for (_, renames) in columnRenames { names.merge(renames) { a, _ in a } }
        guard !names.isEmpty else { return false }
        return SQLTokens(actual).renaming(names) == SQLTokens(desired)
    }

    mutating func diffTables() {
        planRenames()
        for table in declaration.tables {
            guard let want = desired.table(named: table.name) else { continue }
            if let current = actual.table(named: table.name) {
                claimedTables.insert(table.name)
                diffTable(table, want: want, current: current)
            } else if let old = table.renamedFrom, let current = actual.table(named: old),
                      declaration.table(named: old) == nil {
                claimedTables.insert(old)
                add(.renameTable(from: old, to: table.name), .renames)
                var renamed = current
                renamed.name = table.name
                diffTable(table, want: want, current: renamed)
            } else {
                add(.createTable(table), .createTables)
                for partition in table.partitions {
                    add(.createPartition(table: table.name, partition, defaultPartition: nil), .createTables)
                }
                for index in table.indexes { add(.createIndex(table: table.name, index), .createIndexes) }
                for fk in table.foreignKeys {
                    add(.addConstraint(table: table.name, .foreignKey(fk)), .addForeignKeys,
                        hazards: fk.referencedSchema == nil ? [] : [.mayFailOnExistingData])
                }
                if let comment = table.comment { add(.commentOnTable(table.name, comment: comment), .comments) }
                for c in table.columns where c.comment != nil {
                    add(.commentOnColumn(table: table.name, column: c.name, comment: c.comment), .comments)
                }
                for step in Differ.memberComments(of: table) { add(step, .comments) }
            }
        }
    }

    mutating func diffTable(_ table: TableDeclaration, want: TableState, current: TableState) {
        let name = table.name
        var claimedColumns: Set<String> = []
        // PostgreSQL cannot change the type of a column that a stored generated
        // column uses: such generated columns are dropped first and added again
        // after the type changes (their values are recomputed; nothing is lost).
        let renames = columnRenames[name] ?? [:]
        // Ignored objects stay on the table, on their columns (renamed or not).
        let uses = current.ignoredUses.map { renames[$0] ?? $0 }
        ignoredUses[name] = Set(uses)
        let ignoredKey = current.ignoredKeyColumns.map { renames[$0] ?? $0 }
        expected.updateTable(name) {
            $0.ignoredUses = uses.sorted()
            $0.ignoredKeyColumns = ignoredKey.sorted()
        }
        let retyped = Set(table.columns.compactMap { column -> String? in
            let old = renames.first { $0.value == column.name }?.key
            guard let w = want.column(named: column.name),
                  let h = current.column(named: column.name) ?? old.flatMap({ current.column(named: $0) }),
                  w.type != h.type || w.collation != h.collation else { return nil }
            return h.name
        })
        // Columns whose type change would drop and re-add a generated column that
        // ignored objects stand on: their type is left as it is.
        var keepType: Set<String> = []
        if !retyped.isEmpty {
            for column in table.columns where column.generated != nil {
                guard let h = current.column(named: column.name), let expression = h.generated,
                      retyped.contains(where: { mentions(expression, identifier: $0) }) else { continue }
                if isPinned(name, column.name) {
                    keepType.formUnion(retyped.filter { mentions(expression, identifier: $0) })
                    continue
                }
                claimedColumns.insert(column.name)
                add(.dropColumn(table: name, column: column.name), .columns, hazards: [.tableRewrite])
                add(.addColumn(table: name, column), .readdColumns, hazards: [.tableRewrite])
                recreatedColumns[name, default: []].insert(column.name)
                if column.comment != nil {
                    add(.commentOnColumn(table: name, column: column.name, comment: column.comment), .comments)
                }
            }
        }
        let keyColumns = keptPrimaryKeyColumns(name, want: want, current: current, renames: renames)
            .union(ignoredKey)
        // A backfill that stopped before its end: the column is there, its
        // default set, and rows may still be NULL (the marker tells).
        for column in table.columns where want.column(named: column.name)?.defaultExpression != nil {
            let have = actualColumnName(column.name, table: name)
            guard current.column(named: have) != nil,
                  current.constraints.contains(where: { Self.isBackfillMarker($0, of: have) }) else { continue }
            resumedBackfills.insert(name + "." + column.name)
        }
        for column in table.columns where !claimedColumns.contains(column.name) {
            guard var wantColumn = want.column(named: column.name) else { continue }
            if keyColumns.contains(column.name) && !wantColumn.notNull {
                // PostgreSQL refuses DROP NOT NULL on a column of a primary key
                // (kept undeclared, or left alone by ignore:).
                wantColumn.notNull = true
                expected.updateTable(name) { $0.replaceColumn(wantColumn) }
            }
            let old = renames.first { $0.value == column.name }?.key
            if let have = current.column(named: column.name) ?? old.flatMap({ current.column(named: $0) }),
               keepType.contains(have.name) {
                held.append(HeldChange(
                    object: "column \(name).\(column.name)",
                    reason: "changing its type from \(have.type) to \(wantColumn.type) needs a generated column that "
                        + "uses it dropped and added again, and objects that ignore: leaves alone stand on that "
                        + "column: drop them by hand, or stop ignoring them, first",
                    sql: Step.alterColumnType(table: name, column: column.name, type: column.type,
                                              collation: column.collation).sql))
                wantColumn.type = have.type
                wantColumn.collation = have.collation
                expected.updateTable(name) { $0.replaceColumn(wantColumn) }
            }
            if let have = current.column(named: column.name) {
                claimedColumns.insert(column.name)
                diffColumn(column, table: name, want: wantColumn, have: have)
            } else if let old = column.renamedFrom, let have = current.column(named: old),
                      table.column(named: old) == nil {
                claimedColumns.insert(old)
                add(.renameColumn(table: name, from: old, to: column.name), .renames)
                var renamed = have
                renamed.name = column.name
                diffColumn(column, table: name, want: wantColumn, have: renamed)
            } else {
                add(.addColumn(table: name, column), .columns,
                    hazards: addColumnHazards(column) + (differ.rewritingDefaults.contains(name + "." + column.name) ? [.tableRewrite] : []))
                if column.comment != nil {
                    add(.commentOnColumn(table: name, column: column.name, comment: column.comment), .comments)
                }
            }
        }
        for extra in current.columns where !claimedColumns.contains(extra.name) {
            let reason = "column \(name).\(extra.name) is not in schema.yaml; dropping it loses its data"
            let keep: (inout SchemaState) -> Void = { $0.updateTable(name) { $0.columns.append(extra) } }
            if isPinned(name, extra.name) {
                holdForIgnored(.dropColumn(table: name, column: extra.name), reason: reason, undeclared: true, keep: keep)
                continue
            }
            if let key = partitionKey(naming: extra.name, of: name) {
                // Only when the key's change is held back (diffPartitioning): a declared key names declared columns.
                held.append(HeldChange(
                    object: "column \(name).\(extra.name)",
                    reason: reason + "; it is part of the partition key of \(name) (PARTITION BY \(key)), which "
                        + "PostgreSQL cannot drop: it is kept as it is",
                    sql: Step.dropColumn(table: name, column: extra.name).sql, undeclared: true))
                keep(&expected)
                continue
            }
            if differ.policy.allows(DestructiveTarget(.column, table: name, extra.name, undeclared: true)),
               let blocked = keptTriggerUsing(column: extra.name, of: current, declaredAs: name)
                   ?? clearColumnDrop(table: name, column: extra.name) {
                held.append(HeldChange(object: "column \(name).\(extra.name)", reason: reason + "; " + blocked,
                                       sql: Step.dropColumn(table: name, column: extra.name).sql, undeclared: true))
                keep(&expected)
                continue
            }
            // A generated column over a column the plan retypes goes first: PostgreSQL
            // refuses the type change while it is there (0A000).
            let retyped = (phases[.columns] ?? []).contains { planned in
                guard case .alterColumnType(let t, let c, _, _, _) = planned.step, t == name,
                      let generated = extra.generated else { return false }
                return mentions(generated, identifier: actualColumnName(c, table: name))
            }
            addDestructive(.dropColumn(table: name, column: extra.name), retyped ? .dropConstraintsAndIndexes : .columns,
                           hazards: [.dataLoss, .dropsUnmanagedObject],
                           target: DestructiveTarget(.column, table: name, extra.name, undeclared: true),
                           reason: reason, keep: keep)
        }
        diffConstraints(table, want: want, current: current)
        diffIndexes(table, want: want, current: current)
        keepColumnsUnderKeptObjects(name, current: current)
        if want.comment != current.comment {
            add(.commentOnTable(name, comment: want.comment), .comments)
        }
        diffPartitioning(table, want: want, current: current)
        keepUnsupported(of: current, as: name)
    }

    /// What the table has that `schema.yaml` cannot express yet (UNLOGGED,
    /// storage parameters, triggers, ...) is kept as it is and reported as held
    /// back. It is not drift (`undeclared`): no declaration can say otherwise
    /// yet, so a re-plan says the same, and a new tenant is created as declared.
    mutating func keepUnsupported(of current: TableState, as name: String) {
        guard !current.unsupported.isEmpty else { return }
        for item in current.unsupported {
            held.append(HeldChange(
                object: "table \(name)",
                reason: "\(item): schema.yaml cannot express this yet; kept as it is, and not made on new tenants",
                undeclared: true))
        }
        expected.updateTable(name) { $0.unsupported = current.unsupported }
    }

    /// Undeclared columns whose drop is allowed but that an undeclared index or
    /// constraint the plan keeps (its drop not allowed) stands on: `DROP COLUMN`
    /// would take that object along, so the column is kept too, with the reason.
    mutating func keepColumnsUnderKeptObjects(_ table: String, current: TableState) {
        guard let kept = expected.table(named: table), let wanted = desired.table(named: table) else { return }
        let keptObjects = kept.constraints.filter { wanted.constraint(named: $0.name) == nil }
            .map { (what: "constraint \($0.name)", definition: $0.definition) }
            + kept.indexes.filter { wanted.index(named: $0.name) == nil }
            .map { (what: "index \($0.name)", definition: $0.definition) }
        guard !keptObjects.isEmpty, let planned = phases[.columns] else { return }
        for i in planned.indices.reversed() {
            guard case .dropColumn(let t, let column) = planned[i].step, t == table, wanted.column(named: column) == nil,
                  let state = current.column(named: column),
                  let blocker = keptObjects.first(where: { mentions($0.definition, identifier: column) }) else { continue }
            phases[.columns]?.remove(at: i)
            held.append(HeldChange(
                object: planned[i].step.object,
                reason: "column \(table).\(column) is not in schema.yaml; dropping it loses its data; "
                    + "\(blocker.what), which this plan keeps, stands on it: allow dropping that too",
                sql: planned[i].step.sql, undeclared: true))
            expected.updateTable(table) { $0.columns.append(state) }
        }
    }

    /// The columns (by declared name) of a primary key that schema.yaml does not
    /// declare and that the plan keeps, because dropping it is not allowed: they
    /// stay NOT NULL whatever the declaration says, as long as the key is there.
    func keptPrimaryKeyColumns(_ table: String, want: TableState, current: TableState,
                               renames: [String: String]) -> Set<String> {
        let wantNames = Set(want.constraints.map(\.name))
        guard let key = current.constraints.first(where: { $0.kind == .primaryKey }), !wantNames.contains(key.name),
              // Renamed to the declared key instead (see `diffConstraints`).
              !want.constraints.contains(where: {
                  $0.kind == .primaryKey && current.constraint(named: $0.name) == nil && $0.definition == key.definition
              }),
              !differ.policy.allows(DestructiveTarget(.constraint, table: table, key.name, undeclared: true))
        else { return [] }
        return Set(key.keyColumns.map { renames[$0] ?? $0 })
    }

    func addColumnHazards(_ column: ColumnDeclaration) -> [Hazard] {
        var hazards: [Hazard] = []
        if column.generated != nil { hazards.append(.tableRewrite) }
        if !column.nullable && column.defaultExpression == nil && column.identity == nil && !column.isSerial
            && column.generated == nil {
            hazards.append(.mayFailOnExistingData)
        }
        return hazards
    }
}
