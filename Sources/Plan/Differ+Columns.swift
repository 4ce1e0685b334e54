import Foundation
import SQLSyntax
import State

/// One column: generated expression, type, identity, owned sequence, default, NOT NULL, comment.
extension Differ.Run {
    mutating func diffColumn(_ column: ColumnDeclaration, table: String, want declared: ColumnState,
                             have original: ColumnState) {
        var have = original
        let want = keepingTenantFunctions(column, table: table, want: declared, have: have)
        // A stored generated expression cannot be altered in place (PostgreSQL 15):
        // the column is dropped and added again, which recomputes it.
        if sameAfterRenames(have.generated, want.generated) { have.generated = want.generated }
        if sameAfterRenames(have.defaultExpression, want.defaultExpression) {
            have.defaultExpression = want.defaultExpression
        }
        if want.generated != have.generated {
            if want.generated == nil {
                add(.dropExpression(table: table, column: column.name), .columns)
                have.generated = nil
            } else {
                let loses = have.generated == nil
                let ops: [Step] = [.dropColumn(table: table, column: column.name), .addColumn(table: table, column)]
                if isPinned(table, column.name) {
                    holdForIgnored(ops[0], reason: "column \(table).\(column.name) must be dropped and added again "
                                       + "to change its generated expression", undeclared: false) {
                        $0.updateTable(table) { t in t.replaceColumn(original) }
                    }
                    return
                }
                if loses {
                    let planned = addDestructive(ops[0], .columns, hazards: [.dataLoss, .tableRewrite],
                        target: DestructiveTarget(.column, table: table, column.name, undeclared: false),
                        reason: "column \(table).\(column.name) becomes generated; its stored values are replaced") {
                        $0.updateTable(table) { t in t.replaceColumn(have) }
                    }
                    if !planned { return }
                } else {
                    add(ops[0], .columns, hazards: [.tableRewrite])
                }
                add(ops[1], .columns, hazards: [.tableRewrite])
                recreatedColumns[table, default: []].insert(column.name)
                if want.comment != nil {
                    add(.commentOnColumn(table: table, column: column.name, comment: want.comment), .comments)
                }
                return
            }
        }

        var steps: [(Step, [Hazard])] = []
        var destructiveReason: String?
        let typeChanged = want.type != have.type || want.collation != have.collation
        if typeChanged {
            var hazards: [Hazard] = []
            switch TypeChange.classify(from: have.type, to: want.type) {
            case .widening: break
            case .wideningWithRewrite: hazards += [.tableRewrite]
            case .narrowing:
                hazards += [.dataLoss, .tableRewrite, .mayFailOnExistingData]
                destructiveReason = "changing \(table).\(column.name) from \(have.type) to \(want.type) may lose or alter data"
            }
            if want.collation != have.collation && !hazards.contains(.tableRewrite) { hazards.append(.longLock) }
            if have.defaultExpression != nil {
                steps.append((.dropDefault(table: table, column: column.name), []))
                have.defaultExpression = nil
            }
            let collation = column.collation ?? (want.collation == nil ? nil : want.collation)
            // `serial` and friends exist only in CREATE TABLE and ADD COLUMN.
            let type = column.isSerial ? Self.sequenceType(column.type) : column.type
            var using: String?
            if want.type != have.type {
                let conversion = differ.conversions?.conversion(table: table, column: column, from: have.type)
                    ?? (column.using == nil ? .automatic : .declared)
                switch conversion {
                case .automatic: break
                case .explicitCast: using = "\(quoteIdentifier(column.name))::\(type)"
                case .declared: using = column.using
                case .impossible(let reason):
                    // The oracle reports it as an error of the declaration; should
                    // planning go on, the change is held back, never tried.
                    held.append(HeldChange(object: "column \(table).\(column.name)", reason: reason))
                    expected.updateTable(table) { $0.replaceColumn(original) }
                    return
                }
                if using != nil, !hazards.contains(.mayFailOnExistingData) { hazards.append(.mayFailOnExistingData) }
            }
            steps.append((.alterColumnType(table: table, column: column.name, type: type, collation: collation,
                                           using: using), hazards))
        }
        if typeChanged, let key = partitionKey(naming: actualColumnName(column.name, table: table), of: table) {
            held.append(HeldChange(
                object: "column \(table).\(column.name)",
                reason: "changing its type from \(have.type) to \(want.type) is not made: the column is part of the "
                    + "partition key of \(table) (PARTITION BY \(key)), which PostgreSQL cannot change in place; "
                    + "create a new table with the new type, move the rows, and rename it, by hand; the column is kept as it is",
                sql: steps.map(\.0.sql).joined(separator: ";\n")))
            expected.updateTable(table) { $0.replaceColumn(original) }
            return
        }
        if typeChanged, !Self.onlyModifierChanges(from: have.type, to: want.type),
           let kept = keptExpression(using: actualColumnName(column.name, table: table), of: table) {
            held.append(HeldChange(
                object: "column \(table).\(column.name)",
                reason: "changing its type from \(have.type) to \(want.type) is held back: \(kept.what), which schema.yaml "
                    + "does not declare and this plan keeps, uses it in an expression, "
                    + (kept.refused ? "and PostgreSQL refuses to change the type of a column a generated column uses"
                        : "which PostgreSQL rebuilds for the new type (its definition may then read otherwise, and the "
                            + "tenant could not be verified)")
                    + "; declare it in schema.yaml, or drop it" + allowHint(kept.target),
                sql: steps.map(\.0.sql).joined(separator: ";\n")))
            expected.updateTable(table) { $0.replaceColumn(original) }
            return
        }
        let typeTarget = DestructiveTarget(.typeChange, table: table, column.name, undeclared: false)
        if let destructiveReason, !differ.policy.allows(typeTarget) {
            held.append(HeldChange(
                object: "column \(table).\(column.name)",
                reason: destructiveReason + allowHint(typeTarget),
                sql: steps.map(\.0.sql).joined(separator: ";\n")))
            expected.updateTable(table) { $0.replaceColumn(original) }
            return
        }
        if typeChanged, let blocked = clearRetype(table: table, column: column.name) {
            held.append(HeldChange(object: "column \(table).\(column.name)",
                                   reason: "changing its type from \(have.type) to \(want.type) is blocked: \(blocked)",
                                   sql: steps.map(\.0.sql).joined(separator: ";\n")))
            expected.updateTable(table) { $0.replaceColumn(original) }
            return
        }

        if want.identity != have.identity {
            switch (have.identity, want.identity) {
            case (nil, let identity?):
                if have.defaultExpression != nil {
                    steps.append((.dropDefault(table: table, column: column.name), []))
                    have.defaultExpression = nil
                }
                // A serial's sequence steps out of the way first, so that the
                // identity's sequence gets the name a new tenant's has; it is
                // dropped once the identity continues after it (below).
                var previous: String?
                if let old = have.ownedSequence, want.ownedSequence == nil {
                    previous = Self.retiredSequenceName(old)
                    steps.append((.renameSequence(from: old, to: previous!), []))
                    have.ownedSequence = previous
                }
                if !have.notNull {
                    steps.append((.setNotNull(table: table, column: column.name), [.longLock, .mayFailOnExistingData]))
                    have.notNull = true
                }
                steps.append((.addIdentity(table: table, column: column.name, identity, sequence: want.identitySequence), []))
                let sequence = want.identitySequence ?? Self.defaultSequenceName(table: table, column: column.name)
                steps.append((.continueSequence(name: sequence, table: table, column: column.name, after: previous,
                                                reading: highestValue(table: table, column: column.name,
                                                                      underExclusiveLock: true)), []))
            case (_?, nil):
                // Back to a serial: its new sequence continues where the identity's stopped.
                if let sequence = want.ownedSequence, have.ownedSequence == nil, let old = have.identitySequence {
                    let previous = Self.retiredSequenceName(old)
                    steps.append((.renameSequence(from: old, to: previous), []))
                    steps.append((.createSequence(name: sequence, type: Self.sequenceType(column.type),
                                                  ownedByTable: table, column: column.name), []))
                    steps.append((.continueSequence(name: sequence, table: table, column: column.name, after: previous,
                                                    reading: highestValue(table: table, column: column.name,
                                                                          underExclusiveLock: false)), []))
                    have.ownedSequence = sequence
                    have.ownedSequenceType = want.ownedSequenceType
                }
                steps.append((.dropIdentity(table: table, column: column.name), []))
            case (_?, let identity?):
                steps.append((.setIdentity(table: table, column: column.name, identity), []))
            case (nil, nil):
                break
            }
        }
        if want.identity != nil, have.identity != nil, let new = want.identitySequence,
           let old = have.identitySequence, new != old {
            // A renamed table or column keeps its identity sequence's old name
            // (and a tenant converted by an earlier release has `t_c2_seq1`);
            // a new tenant's is named after the table and column.
            add(.renameSequence(from: old, to: new), .renames)
        }

        if want.ownedSequence != have.ownedSequence {
            switch (have.ownedSequence, want.ownedSequence) {
            case (nil, let sequence?):
                // A column that holds values becomes a serial: continue after them.
                steps.append((.createSequence(name: sequence, type: Self.sequenceType(column.type),
                                              ownedByTable: table, column: column.name), []))
                steps.append((.continueSequence(name: sequence, table: table, column: column.name, after: nil,
                                                reading: highestValue(table: table, column: column.name,
                                                                      underExclusiveLock: false)), []))
            case (let old?, let new?):
                add(.renameSequence(from: old, to: new), .renames)
                // The default refers to the sequence by oid: it follows the rename.
                have.defaultExpression = have.defaultExpression.map {
                    $0.replacingOccurrences(of: quoteLiteral(old), with: quoteLiteral(new))
                }
            case (let old?, nil) where declaration.sequence(named: old) != nil:
                // The serial's sequence is declared under sequences: it stays, with
                // its values, and becomes a standalone one (`diffSequences`).
                break
            case (let old?, nil):
                // The default uses the sequence, and DROP SEQUENCE refuses while it
                // does: drop it first; a declared default is set again below.
                if have.defaultExpression != nil {
                    steps.append((.dropDefault(table: table, column: column.name), []))
                    have.defaultExpression = nil
                }
                steps.append((.dropSequence(old), []))
            case (nil, nil):
                break
            }
        }

        if let sequence = want.ownedSequence, have.ownedSequence != nil,
           let type = want.ownedSequenceType, let old = have.ownedSequenceType, type != old {
            // `serial` → `bigserial`: ALTER COLUMN TYPE leaves the sequence's own
            // type, which bounds the values, as it was.
            let narrowing = TypeChange.classify(from: old, to: type) == .narrowing
            steps.append((.alterSequenceType(name: sequence, type: type), narrowing ? [.mayFailOnExistingData] : []))
        }

        if want.defaultExpression != have.defaultExpression {
            if let expression = want.defaultExpression {
                steps.append((.setDefault(table: table, column: column.name, expression: expression), []))
            } else {
                steps.append((.dropDefault(table: table, column: column.name), []))
            }
        }
        if resumedBackfills.contains(table + "." + column.name) {
            // After its default is set (again), before NOT NULL, which the rows left NULL would fail.
            steps.append((.fillColumn(table: table, column: column.name), []))
        }
        if want.notNull != have.notNull {
            steps.append(want.notNull
                ? (.setNotNull(table: table, column: column.name), [.longLock, .mayFailOnExistingData])
                : (.dropNotNull(table: table, column: column.name), []))
        }
        for (op, hazards) in steps { add(op, .columns, hazards: hazards) }
        if want.comment != have.comment {
            add(.commentOnColumn(table: table, column: column.name, comment: want.comment), .comments)
        }
    }

    /// The functions of the tenant schema that `schema.yaml` does not declare
    /// (undeclared functions, procedures and aggregates; states of earlier
    /// builds list aggregates in `others`) that `expression` calls.
    /// How `continue_sequence` finds the highest value of the declared table's
    /// column (`Step.continueSequence`): from a btree index of the tenant that
    /// leads with it and that the plan keeps (a primary key, a unique key, an
    /// index without a WHERE), else by reading
    /// every row, under ACCESS EXCLUSIVE when `underExclusiveLock` (the column
    /// has just become an identity in the same transaction), else ACCESS SHARE.
    func highestValue(table: String, column: String, underExclusiveLock: Bool) -> SequenceContinuation {
        let name = quoteIdentifier(actualColumnName(column, table: table))
        // The key or index must be there when the sequence continues: one the plan
        // keeps as it is (in the tenant and, the same, in schema.yaml), not one it
        // drops or rebuilds first.
        if let t = actual.table(named: actualTableName(table)), let kept = desired.table(named: table) {
            let keys = t.constraints.filter { c in
                (c.kind == .primaryKey || c.kind == .unique) && kept.constraint(named: c.name)?.definition == c.definition
            }
            if keys.contains(where: { Self.keyColumns($0.definition)?.first.map(quoteIdentifier) == name }) { return .index }
            for index in t.indexes where !index.invalid && kept.index(named: index.name)?.definition == index.definition {
                let tokens = SQLTokens(index.definition).tokens
                guard let open = tokens.firstIndex(of: .symbol("(")), tokens.count > open + 2,
                      index.definition.contains("USING btree ("), !index.definition.contains(") WHERE "),
                      case .identifier(let first) = tokens[open + 1], quoteIdentifier(first) == name,
                      [.symbol(","), .symbol(")")].contains(tokens[open + 2]) else { continue }
                return .index
            }
        }
        return .scan(tableLock: underExclusiveLock ? .accessExclusive : .accessShare)
    }

    func tenantFunctions(calledBy expression: String?) -> [String] {
        guard let expression else { return [] }
        let declared = Set(declaration.functions.map(\.name))
        var functions = Set(actual.functions.map(\.name)).subtracting(declared)
        for entry in actual.others where entry.hasPrefix("aggregate ") { functions.insert(String(entry.dropFirst(10))) }
        guard !functions.isEmpty else { return [] }
        let tokens = SQLTokens(expression).tokens
        var called: [String] = []
        for (i, token) in tokens.enumerated() where i + 1 < tokens.count && tokens[i + 1] == .symbol("(") {
            if case .identifier(let name) = token, functions.contains(name), !called.contains(name) { called.append(name) }
        }
        return called
    }

    /// A default or generated expression that calls a function of the tenant
    /// schema cannot be declared until functions can: changing or dropping it
    /// is held back (kept as it is) unless allowed, never done silently. Returns
    /// the column to diff towards.
    mutating func keepingTenantFunctions(_ column: ColumnDeclaration, table: String, want: ColumnState,
                                         have: ColumnState) -> ColumnState {
        let generated = have.generated != nil
        guard let expression = have.generated ?? have.defaultExpression else { return want }
        let unchanged = generated
            ? sameAfterRenames(have.generated, want.generated)
            : sameAfterRenames(have.defaultExpression, want.defaultExpression) && want.generated == nil
        let called = tenantFunctions(calledBy: expression)
        guard !unchanged, !called.isEmpty else { return want }
        let target = DestructiveTarget(.column, table: table, column.name, undeclared: false)
        if differ.policy.allows(target) { return want }
        let what = generated ? "generated expression" : "default"
        let uses = called.map { "\($0)()" }.joined(separator: ", ")
        held.append(HeldChange(
            object: "column \(table).\(column.name) \(what)",
            reason: "its \(what) \(expression) calls \(uses) of the tenant schema, which schema.yaml does not declare "
                + "(declare it under functions:); kept as it is" + allowHint(target) + " (it is then dropped or replaced as declared)",
            undeclared: true))
        var kept = want
        kept.generated = have.generated
        kept.defaultExpression = have.defaultExpression
        expected.updateTable(table) { $0.replaceColumn(kept) }
        return kept
    }

    /// A name for a column's previous sequence while its new one takes over:
    /// `<name>_tenantplan_old`, within PostgreSQL's 63 bytes.
    static func retiredSequenceName(_ name: String) -> String {
        IdentifierLength.withSuffix(name, "_tenantplan_old")
    }

    /// The name PostgreSQL gives a column's sequence when it is free (the
    /// desired state knows it otherwise).
    static func defaultSequenceName(table: String, column: String) -> String {
        IdentifierLength.sequenceName(table: table, column: column)
    }

    static func sequenceType(_ serial: String) -> String {
        PostgresTypeName.serialType(named: serial)?.integerType ?? "integer"
    }

    /// A check or index of the tenant's table that schema.yaml does not declare,
    /// that the plan keeps (its drop not allowed), and whose expression (a
    /// check, an index's expression or predicate) uses the actual column
    /// `column` of the declared table `table`; nil when there is none.
    ///
    /// PostgreSQL rebuilds such an object when the column's type changes, from
    /// its definition parsed again against the new type: `CHECK (v > 0)` on an
    /// `integer` reads `CHECK ((v > (0)::numeric))` once `v` is `numeric`. The
    /// plan expects a kept object exactly as it is, so it holds the change back
    /// rather than guess the server's new text (as for a rename,
    /// `Differ+KeptRenames.swift`). Plain index columns read the same whatever
    /// the type, and foreign keys name columns only.
    /// Whether a type change only changes the type's modifier (`varchar(100)` →
    /// `varchar(255)`, `numeric(10,2)` → `numeric(12,2)`): PostgreSQL rebuilds an
    /// expression over the column into the same text, since the column is read
    /// as the same base type.
    static func onlyModifierChanges(from old: String, to new: String) -> Bool {
        func base(_ type: String) -> (name: String, array: Bool)? {
            guard let open = type.firstIndex(of: "("), type.hasSuffix(")") || type.hasSuffix(")[]") else { return nil }
            return (String(type[..<open]), type.hasSuffix("[]"))
        }
        guard let a = base(old), let b = base(new) else { return false }
        return a.name == b.name && a.array == b.array
    }

    func keptExpression(using column: String, of table: String)
        -> (what: String, target: DestructiveTarget, refused: Bool)? {
        guard let current = actual.table(named: actualTableName(table)) else { return nil }
        let wanted = desired.table(named: table)
        // PostgreSQL refuses the change outright under a generated column (0A000); an
        // allowed drop of it goes first (`diffTable`).
        for c in current.columns where c.generated != nil && wanted?.column(named: c.name) == nil
            && !(columnRenames[table]?.keys.contains(c.name) ?? false) {
            let target = DestructiveTarget(.column, table: table, c.name, undeclared: true)
            if !differ.policy.allows(target), mentions(c.generated!, identifier: column) {
                return ("generated column \(current.name).\(c.name)", target, true)
            }
        }
        for c in current.constraints where c.kind == .check && wanted?.constraint(named: c.name) == nil
            && !Self.isTemporaryCheck(c.name) && !Self.isBackfillMarker(c, of: nil) {
            let target = DestructiveTarget(.constraint, table: table, c.name, undeclared: true)
            if !differ.policy.allows(target), mentions(c.definition, identifier: column) {
                return ("constraint \(c.name) on \(current.name)", target, false)
            }
        }
        for i in current.indexes where !i.invalid && wanted?.index(named: i.name) == nil
            && !(wanted?.indexes.contains { $0.definition == i.definition } ?? false) {
            let target = DestructiveTarget(.index, i.name, undeclared: true)
            if !differ.policy.allows(target), Self.usesInExpression(column, index: i.definition) {
                return ("index \(i.name) on \(current.name)", target, false)
            }
        }
        return nil
    }

    /// Whether an index definition (`pg_get_indexdef`) uses `column` in an
    /// expression of its key (`lower(email)`, `((v + 1))`) or in its predicate,
    /// not only as a plain key or `INCLUDE` column.
    static func usesInExpression(_ column: String, index definition: String) -> Bool {
        let tokens = SQLTokens(definition).tokens
        // The key list is the parenthesis after USING method; the predicate follows WHERE.
        guard let using = tokens.firstIndex(where: { if case .identifier(let w) = $0 { return w.uppercased() == "USING" }; return false }),
              using + 2 < tokens.count, tokens[using + 2] == .symbol("(") else { return false }
        var depth = 0, element: [SQLTokens.Token] = [], i = using + 2
        func expression(_ element: [SQLTokens.Token]) -> Bool {
            element.contains(.symbol("(")) && element.contains(.identifier(column))
        }
        repeat {
            let token = tokens[i]
            if token == .symbol("(") { depth += 1; if depth == 1 { i += 1; continue } }
            if token == .symbol(")") { depth -= 1; if depth == 0 { break } }
            if depth == 1 && token == .symbol(",") {
                if expression(element) { return true }
                element = []
            } else {
                element.append(token)
            }
            i += 1
        } while i < tokens.count
        if expression(element) { return true }
        guard let predicate = tokens.firstIndex(where: { if case .identifier(let w) = $0 { return w.uppercased() == "WHERE" }; return false })
        else { return false }
        return tokens[predicate...].contains(.identifier(column))
    }
}
