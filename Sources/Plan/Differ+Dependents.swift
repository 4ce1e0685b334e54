import SQLSyntax
import State

/// Objects that depend on what a plan drops, rebuilds or retypes.
///
/// PostgreSQL refuses to drop a table, a column, a key or an enum while an
/// object depends on it (2BP01), and to change a column's type while a view,
/// trigger, policy or function uses it (0A000). Before each such change the
/// diff looks at what stands on it: the schema's own foreign keys (in the
/// state), and the dependents the state does not model (`DependentState`).
///
/// - A foreign key that `schema.yaml` declares is dropped before the key it
///   references is rebuilt and added again after it, in the same transaction.
///   Indexes, checks and foreign keys on a retyped column are rebuilt by
///   PostgreSQL itself.
/// - An undeclared dependent is dropped first when the destructive policy
///   allows it (`--allow view:NAME`, `trigger:TABLE.NAME`, `policy:TABLE.NAME`,
///   `function:NAME`, `constraint:SCHEMA.TABLE.NAME` for a foreign key of
///   another schema, or `undeclared:...`); otherwise the change is held back
///   with a reason that names each one. Nothing is dropped with `CASCADE`.
extension Differ.Run {
    /// The undeclared dependents for which `standsOn` holds, with the views
    /// and other objects that stand on those views in turn.
    func dependents(where standsOn: (DependentState) -> Bool) -> [DependentState] {
        var result: [DependentState] = []
        var seen: Set<String> = []
        var frontier = actual.dependents.filter(standsOn)
        while let d = frontier.popLast() {
            guard seen.insert(d.sortKey).inserted else { continue }
            result.append(d)
            if d.schema == nil && (d.kind == .view || d.kind == .materializedView) {
                frontier += actual.dependents.filter { $0.on.contains(.init(.view, d.name)) }
            }
        }
        return result
    }

    /// The allow target of dropping a dependent; nil for kinds tenantplan never
    /// drops (rules, columns, defaults, domains and checks of other schemas).
    static func allowTarget(_ d: DependentState) -> DestructiveTarget? {
        let prefix = d.schema.map { "\($0)." } ?? ""
        let table = prefix + (d.table ?? "")
        switch d.kind {
        case .view, .materializedView: return DestructiveTarget(.view, prefix + d.name, undeclared: true)
        case .function, .procedure, .aggregate: return DestructiveTarget(.function, prefix + d.name, undeclared: true)
        case .trigger: return DestructiveTarget(.trigger, table: table, d.name, undeclared: true)
        case .policy: return DestructiveTarget(.policy, table: table, d.name, undeclared: true)
        case .foreignKey: return DestructiveTarget(.constraint, table: table, d.name, undeclared: true)
        case .rule, .constraint, .column, .attribute, .domain: return nil
        }
    }

    /// Why `blockers` stand in the way, naming each and what would let the plan
    /// drop it; nil when the policy allows dropping every one.
    func blockingReason(_ blockers: [DependentState], keptForeignKeys: [String] = []) -> String? {
        var parts: [String] = keptForeignKeys.map { "\($0), which this plan keeps, depends on it" }
        for d in blockers.sorted(by: { $0.sortKey < $1.sortKey }) {
            // A declared view is dropped and created again (`Differ+Views.swift`).
            if isDeclaredView(d) { continue }
            // A declared policy is dropped and created again around the change (`diffPolicies`).
            if isDeclaredPolicy(d) { continue }
            // So is a declared trigger (`diffTriggers`).
            if isDeclaredTrigger(d) { continue }
            if isDeclaredFunction(d) {
                // Dropped, it would not be created again: the tenant could never be verified.
                parts.append("\(d.description), which schema.yaml declares, depends on it (a declared function is not "
                             + "dropped and created again around the change: drop it by hand first, and the next plan "
                             + "makes the change and creates it)")
                continue
            }
            guard let target = Self.allowTarget(d) else {
                parts.append("\(d.description) depends on it (change or drop that by hand first)")
                continue
            }
            if differ.policy.allows(target) { continue }
            parts.append("\(d.description) depends on it (plan with --allow "
                         + "\(AllowSelector(narrowestFor: target).shellWord) to drop it too)")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Whether `d` is a policy of the schema that schema.yaml declares.
    func isDeclaredPolicy(_ d: DependentState) -> Bool {
        guard d.kind == .policy, d.schema == nil, let table = d.table else { return false }
        let declared = declaration.table(named: tableRenames[table] ?? table)
        return declared?.policies.contains { $0.name == d.name } ?? false
    }

    /// Whether `d` is a trigger of the schema that schema.yaml declares.
    func isDeclaredTrigger(_ d: DependentState) -> Bool {
        guard d.kind == .trigger, d.schema == nil, let table = d.table else { return false }
        let declared = declaration.table(named: tableRenames[table] ?? table)
        return declared?.triggers.contains { $0.name == d.name } ?? false
    }

    /// Whether `d` is a function, procedure or aggregate of the schema that
    /// schema.yaml declares.
    func isDeclaredFunction(_ d: DependentState) -> Bool {
        guard [.function, .procedure, .aggregate].contains(d.kind), d.schema == nil else { return false }
        return declaration.functions.contains { $0.name == d.name }
    }

    /// Plans the drops of `dependents`, each once, those standing on others first.
    mutating func dropDependents(_ dependents: [DependentState]) {
        var remaining = dependents.filter { droppedDependents[$0.sortKey] == nil }
        while !remaining.isEmpty {
            // A dependent no other remaining one stands on can go now.
            let i = remaining.firstIndex { d in
                !(d.schema == nil && (d.kind == .view || d.kind == .materializedView))
                    || !remaining.contains { $0.on.contains(.init(.view, d.name)) }
            } ?? 0
            let d = remaining.remove(at: i)
            droppedDependents[d.sortKey] = d
            if isDeclaredView(d) {
                rebuiltViews.insert(d.name)
                add(.dropView(name: d.name, materialized: d.kind == .materializedView), .dropDependents,
                    hazards: [.rebuildsView])
                continue
            }
            if isDeclaredTrigger(d), let table = d.table {
                // Created again after the change (`diffTriggers`).
                add(.dropTrigger(table: table, name: d.name), .dropDependents)
                continue
            }
            add(.dropDependent(d), .dropDependents, hazards: [.dropsUnmanagedObject])
        }
    }

    /// Clears the way for a change: nil when every undeclared dependent for
    /// which `standsOn` holds may be dropped (they are then planned), else the
    /// reason the change is held back.
    mutating func clearDependents(keptForeignKeys: [String] = [],
                                  where standsOn: (DependentState) -> Bool) -> String? {
        let blockers = dependents(where: standsOn)
        if let reason = blockingReason(blockers, keptForeignKeys: keptForeignKeys) { return reason }
        dropDependents(blockers)
        return nil
    }

    // MARK: - Names before renames

    /// The actual name of the declared table `name` (before a planned rename).
    func actualTableName(_ name: String) -> String {
        tableRenames.first { $0.value == name }?.key ?? name
    }

    /// The actual name of column `column` of the declared table `table`.
    func actualColumnName(_ column: String, table: String) -> String {
        columnRenames[table]?.first { $0.value == column }?.key ?? column
    }

    // MARK: - Changes

    /// Why dropping the column can not be planned, or nil once its dependents
    /// are dropped. `table` is the declared table, `column` the actual column.
    mutating func clearColumnDrop(table: String, column: String) -> String? {
        let actualTable = actualTableName(table)
        let kept = keptForeignKeys(referencing: actualTable) { $0.contains(column) }
        return clearDependents(keptForeignKeys: kept) { $0.standsOn(table: actualTable, column: column) }
    }

    /// Why dropping the column would break a trigger the plan keeps, or nil.
    ///
    /// PostgreSQL does not track the columns a PL/pgSQL body uses: the column
    /// drops, and the trigger then fails every write it fires on (record "new"
    /// has no field). The triggers looked at are those of `current` (the
    /// tenant's table, declared as `table`) that schema.yaml does not declare
    /// and the plan does not drop; their function's body (the declared one when
    /// schema.yaml declares the function, else the tenant's) uses the column as
    /// `NEW.column` or `OLD.column`.
    func keptTriggerUsing(column: String, of current: TableState, declaredAs table: String) -> String? {
        let declared = declaration.table(named: table)?.triggers.map(\.name) ?? []
        for trigger in current.triggers where !declared.contains(trigger.name)
            && !differ.policy.allows(DestructiveTarget(.trigger, table: table, trigger.name, undeclared: true)) {
            let function = desired.functions.first { $0.name == trigger.function && $0.result == "trigger" }
                ?? actual.functions.first { $0.name == trigger.function && $0.result == "trigger" }
            guard let function, let use = Self.recordField(column, in: function.definition) else { continue }
            let target = DestructiveTarget(.trigger, table: table, trigger.name, undeclared: true)
            return "trigger \(trigger.name) on \(current.name), which schema.yaml does not declare and this plan keeps, "
                + "runs \(function.name)(), whose body uses \(use): PostgreSQL does not track it, and the trigger would "
                + "fail every write it fires on once the column is gone (drop or change the trigger first, or plan "
                + "with --allow \(AllowSelector(narrowestFor: target).shellWord) to drop it too)"
        }
        return nil
    }

    /// `NEW.column` or `OLD.column` as a function body writes it (any case,
    /// quoted or not), or nil when the body does not use the column so.
    static func recordField(_ column: String, in body: String) -> String? {
        let tokens = SQLTokens(body).tokens
        for i in tokens.indices.dropLast(2) {
            guard case .identifier(let record) = tokens[i], ["new", "old"].contains(record.lowercased()),
                  tokens[i + 1] == .symbol("."), case .identifier(let field) = tokens[i + 2],
                  field == column || field.lowercased() == column else { continue }
            return "\(record).\(field)"
        }
        return nil
    }

    /// Why retyping the column can not be planned, or nil once its dependents
    /// are dropped. Foreign keys are left alone: PostgreSQL rebuilds them.
    mutating func clearRetype(table: String, column: String) -> String? {
        let actualTable = actualTableName(table), actualColumn = actualColumnName(column, table: table)
        return clearDependents { d in
            d.kind != .foreignKey && d.standsOn(table: actualTable, column: actualColumn)
        }
    }

    /// The undeclared dependents of a table that dropping it would need
    /// dropped first. Its own triggers, policies and rules go with it; the
    /// schema's foreign keys are seen to by `dropUndeclared`.
    func tableDependents(_ table: String) -> [DependentState] {
        dependents { $0.standsOn(relation: table) && !$0.belongs(to: table) }
    }

    /// Why dropping the undeclared table can not be planned; nil when its
    /// dependents may be dropped (`tableDependents`).
    func tableDropBlocked(_ table: String) -> String? {
        blockingReason(tableDependents(table))
    }

    /// Why dropping the enum can not be planned, or nil once its dependents are
    /// dropped: columns that keep its type, and the objects that use it.
    mutating func clearEnumDrop(_ name: String) -> String? {
        let types: Set<String> = [name, quoteIdentifier(name)].reduce(into: []) { $0.formUnion([$1, $1 + "[]"]) }
        let columns = expected.tables.flatMap { t in
            t.columns.filter { types.contains($0.type) }.map { "column \(t.name).\($0.name) keeps the type" }
        }
        return clearDependents(keptForeignKeys: []) { $0.on.contains(.init(.type, name)) }
            .map { (columns + [$0]).joined(separator: "; ") }
            ?? (columns.isEmpty ? nil : columns.joined(separator: "; "))
    }

    /// Other schemas' objects that use the schema's domain or composite type
    /// `name`, or its array type (`Reflector.dependents`): PostgreSQL refuses to
    /// drop or re-create the type while one exists, and checks their columns'
    /// values against a domain's new rule, as it checks the schema's own.
    func foreignUses(ofType name: String) -> [DependentState] {
        actual.dependents.filter { d in
            d.schema != nil && (d.on.contains(.init(.type, name)) || d.on.contains(.init(.type, name + "[]")))
        }.sorted { $0.sortKey < $1.sortKey }
    }

    /// The other schemas' uses that a new rule (NOT NULL, a check) of the
    /// domain `name` checks: their uses of it and of the schema's domains over
    /// it, at any depth, each with the domain it uses.
    func foreignUses(checkedByDomain name: String) -> [(domain: String, use: DependentState)] {
        let over = Differ.domainsOver(name, in: actual)
        var result: [(domain: String, use: DependentState)] = []
        for domain in actual.domains where over.contains(Differ.canonicalIdentifier(domain.name)) {
            for use in foreignUses(ofType: domain.name) { result.append((domain.name, use)) }
        }
        return result
    }

    /// `column other.t.c, function other.f(integer) use it`: for a held change's reason.
    static func foreignPhrase(_ uses: [DependentState]) -> String {
        uses.map(\.description).joined(separator: ", ") + (uses.count == 1 ? " uses it" : " use it")
    }

    /// Readies dropping the key (primary key, unique constraint or unique index)
    /// on `columns` of the declared table `table`: the declared foreign keys that
    /// reference those columns are dropped first and added again afterwards,
    /// undeclared ones of other schemas dropped as allowed. Returns why the key
    /// can not be dropped, or nil.
    mutating func clearKeyDrop(table: String, columns: [String]) -> String? {
        let actualTable = actualTableName(table)
        let key = Set(columns)
        var rebuild: [(table: String, ForeignKeyDeclaration)] = []
        var kept: [String] = []
        for t in actual.tables {
            for fk in t.constraints where fk.kind == .foreignKey {
                guard let reference = Self.foreignKeyReference(fk.definition), reference.table == actualTable,
                      Set(reference.columns) == key else { continue }
                let owner = tableRenames[t.name] ?? t.name
                if let decl = declaration.table(named: owner)?.foreignKeys.first(where: { $0.name == fk.name }) {
                    rebuild.append((owner, decl))
                } else if !willDrop(foreignKey: fk.name, on: t.name) {
                    kept.append("foreign key \(fk.name) on \(t.name)")
                }
            }
        }
        let reason = clearDependents(keptForeignKeys: kept) { d in
            d.kind == .foreignKey && d.schema != nil
                && Set(d.on.filter { $0.kind == .table && $0.name == actualTable }.compactMap(\.column)) == key
        }
        if reason != nil { return reason }
        for (owner, fk) in rebuild {
            add(.dropConstraint(table: owner, name: fk.name), .dropForeignKeys)
            add(.addConstraint(table: owner, .foreignKey(fk)), .addForeignKeys, hazards: constraintHazards(.foreignKey))
            // A re-created constraint has no comment: the declared one is set again.
            if let comment = fk.comment {
                add(.commentOnConstraint(table: owner, name: fk.name, comment: comment), .comments)
            }
        }
        return nil
    }

    /// The schema's foreign keys that reference columns of `table` (actual
    /// name) for which `matches` holds, and that this plan keeps: named for a reason.
    func keptForeignKeys(referencing table: String, _ matches: ([String]) -> Bool) -> [String] {
        var kept: [String] = []
        for t in actual.tables {
            for fk in t.constraints where fk.kind == .foreignKey {
                guard let reference = Self.foreignKeyReference(fk.definition), reference.table == table,
                      matches(reference.columns), !willDrop(foreignKey: fk.name, on: t.name) else { continue }
                // A foreign key on the dropped column itself goes with it.
                kept.append("foreign key \(fk.name) on \(t.name)")
            }
        }
        return kept
    }

    /// Whether an undeclared foreign key of the schema is dropped by this plan:
    /// the policy allows dropping it, or its table.
    func willDrop(foreignKey name: String, on table: String) -> Bool {
        let owner = tableRenames[table] ?? table
        if let declared = declaration.table(named: owner) {
            if declared.foreignKeys.contains(where: { $0.name == name }) { return false }
            return differ.policy.allows(DestructiveTarget(.constraint, table: owner, name, undeclared: true))
        }
        return differ.policy.allows(DestructiveTarget(.table, table, undeclared: true))
    }

    /// The table and columns a deparsed foreign key of the schema references:
    /// `FOREIGN KEY (a) REFERENCES t(id)`; nil for a table of another schema.
    static func foreignKeyReference(_ definition: String) -> (table: String, columns: [String])? {
        guard let table = referencedTable(definition) else { return nil }
        let tokens = SQLTokens(definition).tokens
        guard let references = tokens.firstIndex(of: .identifier("REFERENCES")),
              references + 2 < tokens.count, tokens[references + 2] == .symbol("(") else { return nil }
        var columns: [String] = []
        for token in tokens[(references + 3)...] {
            if token == .symbol(")") { return (table, columns) }
            if case .identifier(let name) = token { columns.append(name) }
        }
        return nil
    }

    /// The columns of a key's deparsed definition: `PRIMARY KEY (a, b)`,
    /// `UNIQUE (a)`, `UNIQUE USING btree (a)`; nil for anything else (an
    /// expression, a predicate, options), which no foreign key can use.
    static func keyColumns(_ definition: String) -> [String]? {
        let tokens = SQLTokens(definition).tokens
        guard let open = tokens.firstIndex(of: .symbol("(")) else { return nil }
        var columns: [String] = []
        for (i, token) in tokens[(open + 1)...].enumerated() {
            switch token {
            case .identifier(let name) where i % 2 == 0: columns.append(name)
            case .symbol(",") where i % 2 == 1: continue
            case .symbol(")") where i % 2 == 1:
                return open + i + 2 == tokens.count ? columns : nil
            default: return nil
            }
        }
        return nil
    }

    // MARK: - The state after the plan

    /// The dependents the tenant keeps once the plan has run, under the names
    /// the plan gives their tables and columns, and without the views and
    /// functions it drops among the other objects.
    func keepDependents(in state: inout SchemaState) {
        guard !actual.dependents.isEmpty else { return }
        let droppedTables = Set(phases[.dropTables, default: []].compactMap { planned -> String? in
            if case .dropTable(let name) = planned.step { return name }
            return nil
        })
        state.dependents = actual.dependents.compactMap { d in
            guard droppedDependents[d.sortKey] == nil, !droppedTables.contains(where: { d.belongs(to: $0) }) else {
                return nil
            }
            var kept = d
            if kept.schema == nil, let table = kept.table, [.trigger, .policy, .rule].contains(kept.kind) {
                kept.table = tableRenames[table] ?? table
            }
            kept.on = d.on.map { target in
                guard target.kind == .table else { return target }
                let table = tableRenames[target.name] ?? target.name
                let column = target.column.map { columnRenames[table]?[$0] ?? $0 }
                return .init(.table, table, column: column)
            }
            return kept
        }
        for d in droppedDependents.values where d.schema == nil {
            if let i = state.others.firstIndex(of: "\(d.kind.rawValue) \(d.name)") { state.others.remove(at: i) }
            // A policy is also one of its table's properties schema.yaml cannot
            // express yet (`TableState.unsupported`): dropped, it is no longer kept.
            if d.kind == .policy, let table = d.table {
                let name = tableRenames[table] ?? table
                state.updateTable(name) { $0.unsupported.removeAll { $0 == "policy \(d.name)" } }
            }
        }
    }

    /// Held-back notes of policies that the dependents pass drops: they are not kept.
    mutating func forgetDroppedPolicies() {
        for d in droppedDependents.values where d.schema == nil && d.kind == .policy {
            guard let table = d.table else { continue }
            let name = tableRenames[table] ?? table
            held.removeAll { $0.object == "table \(name)" && $0.reason.hasPrefix("policy \(d.name): ") }
        }
    }

    /// The steps without a foreign key's drop or addition planned twice: a key
    /// rebuild and the foreign key's own change can both plan them.
    static func withoutRepeatedForeignKeySteps(_ planned: [Planned]) -> [Planned] {
        var seen: [Step] = []
        return planned.filter { p in
            switch p.step {
            case .dropConstraint, .addConstraint(_, .foreignKey):
                if seen.contains(p.step) { return false }
                seen.append(p.step)
                return true
            default:
                return true
            }
        }
    }
}
