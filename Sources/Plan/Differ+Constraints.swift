import State

/// Constraints and indexes: kept, renamed, re-created when changed, or dropped when undeclared.
extension Differ.Run {
    /// Whether a deparsed definition mentions one of the table's re-created columns.
    func touchesRecreatedColumn(_ definition: String, table: String) -> Bool {
        guard let columns = recreatedColumns[table] else { return false }
        return columns.contains { mentions(definition, identifier: $0) }
    }

    /// Whether deparsed SQL names an identifier (quoted or not), outside string literals.
    func mentions(_ sql: String, identifier: String) -> Bool {
        SQLTokens(sql).tokens.contains(.identifier(identifier))
    }

    mutating func diffConstraints(_ table: TableDeclaration, want: TableState, current: TableState) {
        let name = table.name
        var declared: [String: ConstraintDeclaration] = [:]
        if let pk = table.primaryKey { declared[pk.name] = .primaryKey(pk) }
        for u in table.uniques { declared[u.name] = .unique(u) }
        for f in table.foreignKeys { declared[f.name] = .foreignKey(f) }
        for c in table.checks { declared[c.name] = .check(c) }
        for x in table.exclusions { declared[x.name] = .exclusion(x) }

        let wantNames = Set(want.constraints.map(\.name))
        var unmatched = current.constraints.filter { !wantNames.contains($0.name) }
        for w in want.constraints {
            guard let decl = declared[w.name] else { continue }
            let isFK = w.kind == .foreignKey
            if let have = current.constraint(named: w.name) {
                if have.kind == w.kind && sameAfterRenames(have.definition, w.definition)
                    && !touchesRecreatedColumn(have.definition, table: name) {
                    commentConstraint(table: name, w, from: have.comment)
                    continue
                }
                // Added NOT VALID by an online change that stopped before validating it.
                if have.kind == w.kind && sameAfterRenames(have.definition, w.definition + " NOT VALID")
                    && !touchesRecreatedColumn(have.definition, table: name) {
                    add(.validateConstraint(table: name, name: w.name), isFK ? .addForeignKeys : .addConstraints,
                        hazards: [.mayFailOnExistingData])
                    commentConstraint(table: name, w, from: have.comment)
                    continue
                }
                if changesTimingOnly(have, w, decl, table: name) {
                    commentConstraint(table: name, w, from: have.comment)
                    continue
                }
                if let blocked = clearDrop(ofKey: have, table: name) {
                    held.append(HeldChange(object: "constraint \(w.name) on \(name)",
                                           reason: "rebuilding it is blocked: \(blocked)",
                                           sql: Step.addConstraint(table: name, decl).sql))
                    expected.updateTable(name) { t in
                        t.constraints.removeAll { $0.name == w.name }
                        t.constraints.append(have)
                    }
                    continue
                }
                add(.dropConstraint(table: name, name: w.name), have.kind == .foreignKey ? .dropForeignKeys : .dropConstraintsAndIndexes)
            } else if let i = unmatched.firstIndex(where: { $0.kind == w.kind && $0.definition == w.definition }) {
                add(.renameConstraint(table: name, from: unmatched[i].name, to: w.name), .renames)
                // The comment goes with the constraint.
                commentConstraint(table: name, w, from: unmatched[i].comment)
                unmatched.remove(at: i)
                continue
            }
            add(.addConstraint(table: name, decl), isFK ? .addForeignKeys : .addConstraints,
                hazards: constraintHazards(w.kind))
            commentConstraint(table: name, w, from: nil)
        }
        for extra in unmatched {
            // A temporary check of an online SET NOT NULL that stopped before its end.
            if extra.kind == .check && Self.isTemporaryCheck(extra.name) {
                add(.dropConstraint(table: name, name: extra.name), .dropConstraintsAndIndexes)
                continue
            }
            // The marker of a backfill that stopped before its end: the rows are
            // filled (`resumedBackfills`) and the marker goes, as the backfill's
            // last transaction would have done; or the column is gone and so is its purpose.
            if Self.isBackfillMarker(extra, of: nil) {
                add(.dropConstraint(table: name, name: extra.name), .dropConstraintsAndIndexes)
                continue
            }
            let target = DestructiveTarget(.constraint, table: name, extra.name, undeclared: true)
            let redundant = isRedundantKey(extra, want: want)
            if redundant || differ.policy.allows(target) {
                let reason = "constraint \(extra.name) on \(name) is not in schema.yaml"
                    + (redundant ? " and a declared key covers the same columns" : "")
                if let blocked = clearDrop(ofKey: extra, table: name) {
                    held.append(HeldChange(object: "constraint \(extra.name) on \(name)", reason: reason + "; " + blocked,
                                           sql: Step.dropConstraint(table: name, name: extra.name).sql,
                                           undeclared: !redundant))
                    expected.updateTable(name) { $0.constraints.append(extra) }
                    continue
                }
                if redundant {
                    add(.dropConstraint(table: name, name: extra.name), .dropConstraintsAndIndexes)
                    continue
                }
            }
            addDestructive(.dropConstraint(table: name, name: extra.name),
                           extra.kind == .foreignKey ? .dropForeignKeys : .dropConstraintsAndIndexes,
                           hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.constraint, table: name, extra.name, undeclared: true),
                           reason: "constraint \(extra.name) on \(name) is not in schema.yaml") {
                $0.updateTable(name) { $0.constraints.append(extra) }
            }
        }
    }

    /// `COMMENT ON CONSTRAINT` when the constraint the plan leaves (`from`: its
    /// comment then; nil for one the plan creates) has another comment than `want`.
    mutating func commentConstraint(table: String, _ want: ConstraintState, from comment: String?) {
        guard want.comment != comment else { return }
        add(.commentOnConstraint(table: table, name: want.name, comment: want.comment), .comments)
    }

    /// `COMMENT ON INDEX` when the index the plan leaves (`from`: its comment
    /// then; nil for one the plan creates) has another comment than `want`.
    mutating func commentIndex(_ want: IndexState, from comment: String?) {
        guard want.comment != comment else { return }
        add(.commentOnIndex(want.name, comment: want.comment), .comments)
    }

    func constraintHazards(_ kind: ConstraintState.Kind) -> [Hazard] {
        switch kind {
        case .primaryKey, .unique, .exclusion: [.blocksWrites, .mayFailOnExistingData]
        case .check, .foreignKey: [.longLock, .mayFailOnExistingData]
        }
    }

    mutating func diffIndexes(_ table: TableDeclaration, want: TableState, current: TableState) {
        let name = table.name
        let declared = Dictionary(table.indexes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let wantNames = Set(want.indexes.map(\.name))
        var unmatched = current.indexes.filter { !wantNames.contains($0.name) }
        for w in want.indexes {
            guard let decl = declared[w.name] else { continue }
            if let have = current.index(named: w.name) {
                // An INVALID index (a failed concurrent build) is rebuilt, whatever its definition.
                if !have.invalid && sameAfterRenames(have.definition, w.definition)
                    && !touchesRecreatedColumn(have.definition, table: name) {
                    commentIndex(w, from: have.comment)
                    continue
                }
                if changesStorageOnly(have, w, decl, table: name) {
                    commentIndex(w, from: have.comment)
                    continue
                }
                if let blocked = clearDrop(ofIndex: have, table: name) {
                    held.append(HeldChange(object: "index \(w.name) on \(name)", reason: "rebuilding it is blocked: \(blocked)",
                                           sql: Step.createIndex(table: name, decl).sql))
                    expected.updateTable(name) { t in
                        t.indexes.removeAll { $0.name == w.name }
                        t.indexes.append(have)
                    }
                    continue
                }
                add(.dropIndex(w.name), .dropConstraintsAndIndexes)
            } else if let i = unmatched.firstIndex(where: { !$0.invalid && $0.definition == w.definition }) {
                add(.renameIndex(from: unmatched[i].name, to: w.name), .renames)
                commentIndex(w, from: unmatched[i].comment)
                unmatched.remove(at: i)
                continue
            }
            add(.createIndex(table: name, decl), .createIndexes,
                hazards: decl.unique ? [.blocksWrites, .mayFailOnExistingData] : [.blocksWrites])
            commentIndex(w, from: nil)
        }
        for extra in unmatched {
            // What a failed or killed concurrent build left: no query uses it, nothing is lost.
            if extra.invalid { add(.dropIndex(extra.name), .dropConstraintsAndIndexes); continue }
            if differ.policy.allows(DestructiveTarget(.index, extra.name, undeclared: true)),
               let blocked = clearDrop(ofIndex: extra, table: name) {
                held.append(HeldChange(object: "index \(extra.name)",
                                       reason: "index \(extra.name) on \(name) is not in schema.yaml; " + blocked,
                                       sql: Step.dropIndex(extra.name).sql, undeclared: true))
                expected.updateTable(name) { $0.indexes.append(extra) }
                continue
            }
            addDestructive(.dropIndex(extra.name), .dropConstraintsAndIndexes, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.index, extra.name, undeclared: true),
                           reason: "index \(extra.name) on \(name) is not in schema.yaml") {
                $0.updateTable(name) { $0.indexes.append(extra) }
            }
        }
    }

    /// Readies dropping a primary key or unique constraint (see `clearKeyDrop`);
    /// nil for other kinds, which no foreign key references.
    mutating func clearDrop(ofKey key: ConstraintState, table: String) -> String? {
        guard key.kind == .primaryKey || key.kind == .unique, let columns = Self.keyColumns(key.definition) else {
            return nil
        }
        return clearKeyDrop(table: table, columns: columns)
    }

    /// Readies dropping an index: a unique one may be what a foreign key references.
    mutating func clearDrop(ofIndex index: IndexState, table: String) -> String? {
        guard index.definition.hasPrefix("UNIQUE "), let columns = Self.keyColumns(index.definition) else { return nil }
        return clearKeyDrop(table: table, columns: columns)
    }

    /// Whether an undeclared primary key or unique constraint enforces nothing
    /// a declared key of the table does not: the same columns, in the same
    /// order, with no options (`UNIQUE (id)` beside `PRIMARY KEY (id)`).
    /// Dropping it loses nothing, so it is planned without `--allow`.
    func isRedundantKey(_ key: ConstraintState, want: TableState) -> Bool {
        guard key.kind == .primaryKey || key.kind == .unique, let columns = Self.keyColumns(key.definition) else {
            return false
        }
        return want.constraints.contains { w in
            (w.kind == .primaryKey || (w.kind == .unique && key.kind == .unique)) && Self.keyColumns(w.definition) == columns
        }
    }
}
