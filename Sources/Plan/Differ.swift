import Foundation
import SQLSyntax
import State

/// A change that the plan does not make, and why.
public struct HeldChange: Sendable, Equatable, Codable {
    public var object: String
    public var reason: String
    /// The statement that would make it, when there is one.
    public var sql: String?
    /// The change would drop an object that `schema.yaml` does not declare (an
    /// `alembic_version` table, an extra column): keeping it is not drift of the
    /// declared design. False for a declared object left different (a narrowed
    /// type, enum labels removed), which is drift.
    public var undeclared: Bool

    public init(object: String, reason: String, sql: String? = nil, undeclared: Bool = false) {
        self.object = object
        self.reason = reason
        self.sql = sql
        self.undeclared = undeclared
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        object = try c.decode(String.self, forKey: .object)
        reason = try c.decode(String.self, forKey: .reason)
        sql = try c.decodeIfPresent(String.self, forKey: .sql)
        undeclared = try c.decodeIfPresent(Bool.self, forKey: .undeclared) ?? false
    }

    /// `undeclared` is written only when true.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(object, forKey: .object)
        try c.encode(reason, forKey: .reason)
        try c.encodeIfPresent(sql, forKey: .sql)
        if undeclared { try c.encode(true, forKey: .undeclared) }
    }

    enum CodingKeys: String, CodingKey { case object, reason, sql, undeclared }
}

/// The outcome of diffing one actual state against the desired one.
public struct Diff: Sendable, Equatable {
    /// Ordered so that each change's dependencies come before it.
    public var changes: [Change]
    /// Changes left out: destructive ones without `--allow-destructive`, and ones
    /// tenantplan cannot make safely.
    public var held: [HeldChange]
    /// The state the tenant is in once `changes` have run: the desired state plus
    /// whatever `held` keeps. `apply` commits only if it finds exactly this.
    public var expected: SchemaState
    /// The state after the non-transactional changes alone (enum labels added),
    /// which `apply` commits first; nil when there are none.
    public var prelude: SchemaState?
}

/// Computes the changes that take a schema from an actual state to the desired one.
///
/// Pure: compares two reflected `SchemaState`s (both in the server's canonical
/// text) and renders the changes from the `Declaration`, so the statements carry
/// the user's own text. Changes come out in dependency order: enums, renames,
/// drops of changed constraints and indexes, new tables, column changes,
/// constraints, indexes, foreign keys, comments, then drops of undeclared objects.
public struct Differ: Sendable {
    public var declaration: Declaration
    public var desired: SchemaState
    public var allowDestructive: Bool

    public init(declaration: Declaration, desired: SchemaState, allowDestructive: Bool = false) {
        self.declaration = declaration
        self.desired = desired.normalized()
        self.allowDestructive = allowDestructive
    }

    /// The operations that build the declaration in an empty schema, in order.
    /// Used for new tenants and to realise the desired state in a scratch schema.
    public static func creation(of declaration: Declaration) -> [Step] {
        var ops: [Step] = declaration.enums.map { .createEnum($0) }
        ops += declaration.tables.map { .createTable($0) }
        for t in declaration.tables {
            ops += t.indexes.map { .createIndex(table: t.name, $0) }
        }
        for t in declaration.tables {
            ops += t.foreignKeys.map { .addConstraint(table: t.name, .foreignKey($0)) }
        }
        for t in declaration.tables {
            if let comment = t.comment { ops.append(.commentOnTable(t.name, comment: comment)) }
            for c in t.columns where c.comment != nil {
                ops.append(.commentOnColumn(table: t.name, column: c.name, comment: c.comment))
            }
        }
        return ops
    }

    public func diff(actual: SchemaState?) -> Diff {
        guard let actual = actual?.normalized() else {
            let changes = [Step.createSchema.change()] + Self.creation(of: declaration).map { $0.change() }
            return Diff(changes: changes, held: [], expected: desired, prelude: nil)
        }
        var run = Run(differ: self, actual: actual)
        run.diffEnums()
        run.diffTables()
        run.dropUndeclared()
        return run.finish()
    }
}

/// One diff in progress: changes are collected in phases, then concatenated.
private struct Run {
    enum Phase: Int, CaseIterable {
        case enums, renames, dropForeignKeys, dropConstraintsAndIndexes, createTables, columns,
             readdColumns, addConstraints, createIndexes, addForeignKeys, comments, dropTables, dropTypes
    }

    let differ: Differ
    let actual: SchemaState
    var phases: [Phase: [Change]] = [:]
    var held: [HeldChange] = []
    var expected: SchemaState

    init(differ: Differ, actual: SchemaState) {
        self.differ = differ
        self.actual = actual
        self.expected = differ.desired
        self.expected.others = actual.others
    }

    var declaration: Declaration { differ.declaration }
    var desired: SchemaState { differ.desired }

    mutating func add(_ op: Step, _ phase: Phase, hazards: [Hazard] = []) {
        phases[phase, default: []].append(op.change(hazards: hazards))
    }

    /// Adds a destructive change, or holds it back when destruction is not allowed.
    /// Returns whether the change was planned.
    @discardableResult
    mutating func addDestructive(_ op: Step, _ phase: Phase, hazards: [Hazard], reason: String,
                                 keep: (inout SchemaState) -> Void) -> Bool {
        if differ.allowDestructive {
            add(op, phase, hazards: hazards)
            return true
        }
        held.append(HeldChange(object: op.object, reason: reason + "; plan with --allow-destructive to allow it",
                               sql: op.sql, undeclared: hazards.contains(.dropsUnmanagedObject)))
        keep(&expected)
        return false
    }

    func finish() -> Diff {
        var changes = Phase.allCases.flatMap { phases[$0] ?? [] }
        // PostgreSQL refuses to use an enum label in the transaction that adds it
        // (55P04). When a later change uses a new label, the label additions run
        // and commit first, as a prelude; otherwise everything stays in one
        // transaction, all or nothing.
        let added = Set(phases[.enums, default: []].filter { $0.op == "add_enum_value" }.compactMap { change in
            SQLTokens(change.sql).tokens.compactMap { token -> String? in
                if case .literal(let label) = token { return label }
                return nil
            }.first
        })
        let used = !added.isEmpty && changes.contains { change in
            change.op != "add_enum_value" && SQLTokens(change.sql).tokens.contains {
                if case .literal(let text) = $0 { return added.contains(text) }
                return false
            }
        }
        if used {
            for i in changes.indices where changes[i].op == "add_enum_value" { changes[i].transactional = false }
        }
        var prelude: SchemaState?
        if changes.contains(where: { !$0.transactional }) {
            // Only label additions are non-transactional; after them each such enum
            // has exactly its desired labels.
            var state = actual
            for i in state.enums.indices {
                if let want = desired.enumType(named: state.enums[i].name),
                   isSubsequence(state.enums[i].labels, of: want.labels) {
                    state.enums[i].labels = want.labels
                }
            }
            prelude = state.normalized()
        }
        return Diff(changes: changes, held: held, expected: expected.normalized(), prelude: prelude)
    }

    // MARK: Enums

    mutating func diffEnums() {
        for e in declaration.enums {
            guard let current = actual.enumType(named: e.name) else {
                add(.createEnum(e), .enums)
                continue
            }
            let want = desired.enumType(named: e.name)?.labels ?? e.values
            if current.labels == want { continue }
            // Labels can be added in place; removing or reordering them needs a
            // type rebuild that rewrites every column using it: not done automatically.
            guard isSubsequence(current.labels, of: want) else {
                held.append(HeldChange(
                    object: "enum \(e.name)",
                    reason: "removing or reordering enum labels (\(current.labels.joined(separator: ", ")) → \(want.joined(separator: ", "))) is not supported; migrate the type by hand"))
                setEnum(current, in: &expected)
                continue
            }
            let present = Set(current.labels)
            for (i, label) in want.enumerated() where !present.contains(label) {
                let before = want[(i + 1)...].first { present.contains($0) }
                add(.addEnumValue(type: e.name, value: label, before: before), .enums)
            }
        }
    }

    func isSubsequence(_ small: [String], of big: [String]) -> Bool {
        var it = big.makeIterator()
        return small.allSatisfy { label in
            while let next = it.next() { if next == label { return true } }
            return false
        }
    }

    func setEnum(_ e: EnumState, in state: inout SchemaState) {
        state.enums.removeAll { $0.name == e.name }
        state.enums.append(e)
    }

    // MARK: Tables

    /// Actual table names consumed by a declared table (same name or renamed from).
    var claimedTables: Set<String> = []

    /// Renames that `renamed_from` hints make: tables (old → new), and columns
    /// by declared table name (old → new).
    var tableRenames: [String: String] = [:]
    var columnRenames: [String: [String: String]] = [:]

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
    func sameAfterRenames(_ actual: String?, _ desired: String?, table: String) -> Bool {
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
                for index in table.indexes { add(.createIndex(table: table.name, index), .createIndexes) }
                for fk in table.foreignKeys {
                    add(.addConstraint(table: table.name, .foreignKey(fk)), .addForeignKeys,
                        hazards: fk.referencedSchema == nil ? [] : [.mayFailOnExistingData])
                }
                if let comment = table.comment { add(.commentOnTable(table.name, comment: comment), .comments) }
                for c in table.columns where c.comment != nil {
                    add(.commentOnColumn(table: table.name, column: c.name, comment: c.comment), .comments)
                }
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
        let retyped = Set(table.columns.compactMap { column -> String? in
            let old = renames.first { $0.value == column.name }?.key
            guard let w = want.column(named: column.name),
                  let h = current.column(named: column.name) ?? old.flatMap({ current.column(named: $0) }),
                  w.type != h.type || w.collation != h.collation else { return nil }
            return h.name
        })
        if !retyped.isEmpty {
            for column in table.columns where column.generated != nil {
                guard let h = current.column(named: column.name), let expression = h.generated,
                      retyped.contains(where: { mentions(expression, identifier: $0) }) else { continue }
                claimedColumns.insert(column.name)
                add(.dropColumn(table: name, column: column.name), .columns, hazards: [.tableRewrite])
                add(.addColumn(table: name, column), .readdColumns, hazards: [.tableRewrite])
                recreatedColumns[name, default: []].insert(column.name)
                if column.comment != nil {
                    add(.commentOnColumn(table: name, column: column.name, comment: column.comment), .comments)
                }
            }
        }
        for column in table.columns where !claimedColumns.contains(column.name) {
            guard let wantColumn = want.column(named: column.name) else { continue }
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
                add(.addColumn(table: name, column), .columns, hazards: addColumnHazards(column))
                if column.comment != nil {
                    add(.commentOnColumn(table: name, column: column.name, comment: column.comment), .comments)
                }
            }
        }
        for extra in current.columns where !claimedColumns.contains(extra.name) {
            addDestructive(.dropColumn(table: name, column: extra.name), .columns,
                           hazards: [.dataLoss, .dropsUnmanagedObject],
                           reason: "column \(name).\(extra.name) is not in schema.yaml; dropping it loses its data") {
                $0.updateTable(name) { $0.columns.append(extra) }
            }
        }
        diffConstraints(table, want: want, current: current)
        diffIndexes(table, want: want, current: current)
        if want.comment != current.comment {
            add(.commentOnTable(name, comment: want.comment), .comments)
        }
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

    // MARK: Columns

    mutating func diffColumn(_ column: ColumnDeclaration, table: String, want: ColumnState, have original: ColumnState) {
        var have = original
        // A stored generated expression cannot be altered in place (PostgreSQL 15):
        // the column is dropped and added again, which recomputes it.
        if sameAfterRenames(have.generated, want.generated, table: table) { have.generated = want.generated }
        if sameAfterRenames(have.defaultExpression, want.defaultExpression, table: table) {
            have.defaultExpression = want.defaultExpression
        }
        if want.generated != have.generated {
            if want.generated == nil {
                add(.dropExpression(table: table, column: column.name), .columns)
                have.generated = nil
            } else {
                let loses = have.generated == nil
                let ops: [Step] = [.dropColumn(table: table, column: column.name), .addColumn(table: table, column)]
                if loses {
                    let planned = addDestructive(ops[0], .columns, hazards: [.dataLoss, .tableRewrite],
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
            steps.append((.alterColumnType(table: table, column: column.name, type: type, collation: collation), hazards))
        }
        if let destructiveReason, !differ.allowDestructive {
            held.append(HeldChange(
                object: "column \(table).\(column.name)",
                reason: destructiveReason + "; plan with --allow-destructive to allow it",
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
                if !have.notNull {
                    steps.append((.setNotNull(table: table, column: column.name), [.longLock, .mayFailOnExistingData]))
                    have.notNull = true
                }
                steps.append((.addIdentity(table: table, column: column.name, identity), []))
            case (_?, nil):
                steps.append((.dropIdentity(table: table, column: column.name), []))
            case (_?, let identity?):
                steps.append((.setIdentity(table: table, column: column.name, identity), []))
            case (nil, nil):
                break
            }
        }

        if want.ownedSequence != have.ownedSequence {
            switch (have.ownedSequence, want.ownedSequence) {
            case (nil, let sequence?):
                steps.append((.createSequence(name: sequence, type: Self.sequenceType(column.type),
                                              ownedByTable: table, column: column.name), []))
            case (let old?, let new?):
                add(.renameSequence(from: old, to: new), .renames)
                // The default refers to the sequence by oid: it follows the rename.
                have.defaultExpression = have.defaultExpression.map {
                    $0.replacingOccurrences(of: quoteLiteral(old), with: quoteLiteral(new))
                }
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


    static func sequenceType(_ serial: String) -> String {
        PostgresTypeName.serialType(named: serial)?.integerType ?? "integer"
    }

    // MARK: Constraints and indexes

    /// Columns dropped and added again, by table: `DROP COLUMN` takes the indexes
    /// and constraints on them along, so those are dropped first and re-created.
    var recreatedColumns: [String: Set<String>] = [:]

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
                if have.kind == w.kind && sameAfterRenames(have.definition, w.definition, table: name)
                    && !touchesRecreatedColumn(have.definition, table: name) { continue }
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
            addDestructive(.dropConstraint(table: name, name: extra.name),
                           extra.kind == .foreignKey ? .dropForeignKeys : .dropConstraintsAndIndexes,
                           hazards: [.dropsUnmanagedObject],
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
                if sameAfterRenames(have.definition, w.definition, table: name)
                    && !touchesRecreatedColumn(have.definition, table: name) { continue }
                add(.dropIndex(w.name), .dropConstraintsAndIndexes)
            } else if let i = unmatched.firstIndex(where: { $0.definition == w.definition }) {
                add(.renameIndex(from: unmatched[i].name, to: w.name), .renames)
                unmatched.remove(at: i)
                continue
            }
            add(.createIndex(table: name, decl), .createIndexes,
                hazards: decl.unique ? [.blocksWrites, .mayFailOnExistingData] : [.blocksWrites])
        }
        for extra in unmatched {
            addDestructive(.dropIndex(extra.name), .dropConstraintsAndIndexes, hazards: [.dropsUnmanagedObject],
                           reason: "index \(extra.name) on \(name) is not in schema.yaml") {
                $0.updateTable(name) { $0.indexes.append(extra) }
            }
        }
    }

    // MARK: Undeclared objects

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

extension SchemaState {
    mutating func updateTable(_ name: String, _ body: (inout TableState) -> Void) {
        guard let i = tables.firstIndex(where: { $0.name == name }) else { return }
        body(&tables[i])
    }
}

extension TableState {
    mutating func replaceColumn(_ column: ColumnState) {
        if let i = columns.firstIndex(where: { $0.name == column.name }) {
            columns[i] = column
        } else {
            columns.append(column)
        }
    }
}
