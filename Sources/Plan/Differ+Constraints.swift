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

        let wantNames = Set(want.constraints.map(\.name))
        var unmatched = current.constraints.filter { !wantNames.contains($0.name) }
        for w in want.constraints {
            guard let decl = declared[w.name] else { continue }
            let isFK = w.kind == .foreignKey
            if let have = current.constraint(named: w.name) {
                if have.kind == w.kind && sameAfterRenames(have.definition, w.definition)
                    && !touchesRecreatedColumn(have.definition, table: name) { continue }
                // Added NOT VALID by an online change that stopped before validating it.
                if have.kind == w.kind && sameAfterRenames(have.definition, w.definition + " NOT VALID")
                    && !touchesRecreatedColumn(have.definition, table: name) {
                    add(.validateConstraint(table: name, name: w.name), isFK ? .addForeignKeys : .addConstraints,
                        hazards: [.mayFailOnExistingData])
                    continue
                }
                add(.dropConstraint(table: name, name: w.name), have.kind == .foreignKey ? .dropForeignKeys : .dropConstraintsAndIndexes)
            } else if let i = unmatched.firstIndex(where: { $0.kind == w.kind && $0.definition == w.definition }) {
                add(.renameConstraint(table: name, from: unmatched[i].name, to: w.name), .renames)
                unmatched.remove(at: i)
                continue
            }
            add(.addConstraint(table: name, decl), isFK ? .addForeignKeys : .addConstraints,
                hazards: constraintHazards(w.kind))
        }
        for extra in unmatched {
            // A temporary check of an online SET NOT NULL that stopped before its end.
            if extra.kind == .check && Self.isTemporaryCheck(extra.name) {
                add(.dropConstraint(table: name, name: extra.name), .dropConstraintsAndIndexes)
                continue
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
                    && !touchesRecreatedColumn(have.definition, table: name) { continue }
                add(.dropIndex(w.name), .dropConstraintsAndIndexes)
            } else if let i = unmatched.firstIndex(where: { !$0.invalid && $0.definition == w.definition }) {
                add(.renameIndex(from: unmatched[i].name, to: w.name), .renames)
                unmatched.remove(at: i)
                continue
            }
            add(.createIndex(table: name, decl), .createIndexes,
                hazards: decl.unique ? [.blocksWrites, .mayFailOnExistingData] : [.blocksWrites])
        }
        for extra in unmatched {
            // What a failed or killed concurrent build left: no query uses it, nothing is lost.
            if extra.invalid { add(.dropIndex(extra.name), .dropConstraintsAndIndexes); continue }
            addDestructive(.dropIndex(extra.name), .dropConstraintsAndIndexes, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.index, extra.name, undeclared: true),
                           reason: "index \(extra.name) on \(name) is not in schema.yaml") {
                $0.updateTable(name) { $0.indexes.append(extra) }
            }
        }
    }
}
