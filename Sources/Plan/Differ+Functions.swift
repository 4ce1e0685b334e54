import State

/// Functions, procedures and triggers.
///
/// A function whose definition changed is replaced in place (`CREATE OR
/// REPLACE`) when its signature, kind and result type stay, which keeps what
/// depends on it; otherwise it is dropped and created again, with the triggers
/// that call it dropped before and created again after, in the same
/// transaction. Functions that declared tables use (in a default, a generated
/// column, a check or an index) are created before the tables; the others after
/// them, so that a function may take a table's row type. Triggers come after
/// their table and function. Undeclared functions and triggers are dropped
/// only as far as the destructive policy allows.
extension Differ.Run {
    mutating func diffFunctions() {
        let early = Differ.functionsUsedByTables(declaration)
        for function in declaration.functions {
            guard let want = desired.functions.first(where: { $0.name == function.name }) else { continue }
            let phase: Phase = early.contains(function.name) ? .createFunctions : .lateFunctions
            let current = actual.functions.filter { $0.name == function.name }
            let same = current.first { $0.signature == want.signature }
            if let same, same.definition == want.definition, same.kind == want.kind {
                if same.comment != want.comment {
                    add(.commentOnFunction(name: function.name, comment: want.comment), .comments)
                }
                continue
            }
            if let same, same.kind == want.kind, same.result == want.result, same.aggregateHead == want.aggregateHead {
                add(.replaceFunction(function), phase, hazards: [.replacesFunction])
                if same.comment != want.comment {
                    add(.commentOnFunction(name: function.name, comment: want.comment), .comments)
                }
                continue
            }
            // A new function, or a new signature, kind or result type: the old
            // versions go first, with the triggers that call them.
            if !current.isEmpty, let blocker = expressionUsing(function.name) ?? undeclaredTrigger(calling: function.name)
                ?? viewCalling(function.name) {
                held.append(HeldChange(
                    object: "function \(function.name)",
                    reason: "its signature or result type changes, which needs DROP and CREATE, and \(blocker) "
                        + "uses it; change the function by hand (or drop that use first)",
                    sql: Step.createFunction(function).sql))
                expected.functions.removeAll { $0.name == function.name }
                expected.functions += current
                continue
            }
            for old in current {
                // An aggregate goes before the functions, which may be its support functions.
                add(.dropFunction(name: old.name, arguments: old.arguments, kind: old.kind),
                    old.kind == .aggregate ? .dropAggregates : .dropChangedFunctions, hazards: [.replacesFunction])
                recreatedFunctions.insert(function.name)
            }
            add(.createFunction(function), phase)
            if let comment = want.comment {
                add(.commentOnFunction(name: function.name, comment: comment), .comments)
            }
        }
        recreateAggregatesOfRecreatedFunctions()
        // In the order the scratch schema took them: an aggregate after its
        // support functions, whatever the order of schema.yaml.
        let order = differ.creationOrder
        if let late = phases[.lateFunctions], !order.isEmpty {
            func rank(_ p: Planned) -> Int {
                p.step.functionName.flatMap { order.firstIndex(of: "function:\($0)") } ?? Int.max
            }
            phases[.lateFunctions] = late.enumerated()
                .sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        }
    }

    /// Declared aggregates whose support function (state transition, final...)
    /// is dropped and created again: PostgreSQL refuses to drop a function an
    /// aggregate uses, so the aggregate is dropped first (before the triggers'
    /// and the functions' drops) and created again after the functions.
    mutating func recreateAggregatesOfRecreatedFunctions() {
        guard !recreatedFunctions.isEmpty else { return }
        for function in declaration.functions where !recreatedFunctions.contains(function.name) {
            let current = actual.functions.filter { $0.name == function.name && $0.kind == .aggregate }
            guard !current.isEmpty,
                  current.contains(where: { a in recreatedFunctions.contains { Self.aggregate(a, uses: $0) } })
            else { continue }
            // A replacement planned above is superseded.
            for phase in [Phase.createFunctions, .lateFunctions] {
                phases[phase]?.removeAll {
                    if case .replaceFunction(let f) = $0.step { return f.name == function.name }
                    return false
                }
            }
            for old in current {
                add(.dropFunction(name: old.name, arguments: old.arguments, kind: old.kind), .dropAggregates,
                    hazards: [.replacesFunction])
            }
            recreatedFunctions.insert(function.name)
            add(.createFunction(function), .lateFunctions)
            let comment = desired.functions.first { $0.name == function.name }?.comment
            if let comment { add(.commentOnFunction(name: function.name, comment: comment), .comments) }
        }
    }

    /// Whether aggregate `aggregate` (its state) names function `name` as a
    /// support function: a line of its definition after the first.
    static func aggregate(_ aggregate: FunctionState, uses name: String) -> Bool {
        guard aggregate.kind == .aggregate else { return false }
        return aggregate.definition.split(separator: "\n").dropFirst().contains { Differ.calls(name, in: String($0)) }
    }

    /// A view of the tenant that calls function `name`, for a reason: dropping
    /// the function would need the view dropped too.
    func viewCalling(_ name: String) -> String? {
        actual.views.first { Differ.calls(name, in: $0.definition) }.map { "view \($0.name)" }
    }

    /// A trigger of the tenant that calls function `name`, that schema.yaml
    /// does not declare (declared ones are dropped and created again around
    /// the function) and that the plan keeps, for a reason.
    func undeclaredTrigger(calling name: String) -> String? {
        for table in actual.tables {
            let renamed = tableRenames[table.name] ?? table.name
            let declared = declaration.table(named: renamed)?.triggers.map(\.name) ?? []
            // One the plan drops (as allowed) is gone before the function is.
            if let trigger = table.triggers.first(where: {
                $0.function == name && !declared.contains($0.name)
                    && !differ.policy.allows(DestructiveTarget(.trigger, table: renamed, $0.name, undeclared: true))
            }) {
                return "trigger \(trigger.name) on \(table.name), which schema.yaml does not declare,"
            }
        }
        for view in actual.views {
            let declared = declaration.view(named: view.name)?.triggers.map(\.name) ?? []
            if let trigger = view.triggers?.first(where: {
                $0.function == name && !declared.contains($0.name)
                    && !differ.policy.allows(DestructiveTarget(.trigger, table: view.name, $0.name, undeclared: true))
            }) {
                return "trigger \(trigger.name) on view \(view.name), which schema.yaml does not declare,"
            }
        }
        return nil
    }

    /// What of the actual tables uses function `name` in an expression, for a
    /// reason; nil when nothing does.
    func expressionUsing(_ name: String) -> String? { Self.expressionUsing(name, in: actual) }

    /// What of `state`'s tables calls function `name` in a default, generated
    /// column, constraint or index, for a reason; nil when nothing does.
    static func expressionUsing(_ name: String, in state: SchemaState) -> String? {
        for table in state.tables {
            for column in table.columns {
                for text in [column.defaultExpression, column.generated].compactMap({ $0 })
                where Differ.calls(name, in: text) {
                    return "column \(table.name).\(column.name)"
                }
            }
            for constraint in table.constraints where Differ.calls(name, in: constraint.definition) {
                return "constraint \(constraint.name) on \(table.name)"
            }
            for index in table.indexes where Differ.calls(name, in: index.definition) {
                return "index \(index.name)"
            }
        }
        return nil
    }

    mutating func diffTriggers() {
        for table in declaration.tables {
            guard let want = desired.table(named: table.name) else { continue }
            let old = tableRenames.first { $0.value == table.name }?.key
            let current = actual.table(named: table.name) ?? old.flatMap { actual.table(named: $0) }
            let existing = current?.triggers ?? []
            for trigger in table.triggers {
                guard let w = want.trigger(named: trigger.name) else { continue }
                let have = existing.first { $0.name == trigger.name }
                // Dropped before a change it stands on (a column retyped), by the dependents pass.
                let dropped = droppedAsDependent(.trigger, trigger.name, table: current?.name ?? table.name)
                let recreate = recreatedFunctions.contains(w.function) || dropped
                if let have, have.definition == w.definition, have.enabled == w.enabled, !recreate {
                    if have.comment != w.comment {
                        add(.commentOnTrigger(table: table.name, name: trigger.name, comment: w.comment), .comments)
                    }
                    continue
                }
                if have != nil && !dropped {
                    add(.dropTrigger(table: current?.name ?? table.name, name: trigger.name), .dropTriggers)
                }
                add(.createTrigger(table: table.name, trigger), .createTriggers)
                if let comment = w.comment {
                    add(.commentOnTrigger(table: table.name, name: trigger.name, comment: comment), .comments)
                }
            }
            // Triggers of the table that schema.yaml does not declare.
            for have in existing where want.trigger(named: have.name) == nil {
                let on = current?.name ?? table.name
                if droppedAsDependent(.trigger, have.name, table: on) { continue }
                addDestructive(.dropTrigger(table: on, name: have.name), .dropTriggers,
                               hazards: [.dropsUnmanagedObject],
                               target: DestructiveTarget(.trigger, table: table.name, have.name, undeclared: true),
                               reason: "trigger \(have.name) on \(table.name) is not in schema.yaml") { state in
                    state.updateTable(table.name) { $0.triggers.append(have) }
                }
            }
        }
    }

    /// Functions the tenant has and `schema.yaml` does not declare, dropped
    /// after the tables: a trigger or an expression the plan keeps may call one,
    /// and then it is kept too.
    /// Whether the dependents pass (`Differ+Dependents.swift`) already drops this
    /// undeclared object of the schema, before the change that needs it gone.
    func droppedAsDependent(_ kind: DependentState.Kind, _ name: String, table: String? = nil) -> Bool {
        droppedDependents.values.contains { $0.schema == nil && $0.kind == kind && $0.name == name && $0.table == table }
    }

    mutating func dropUndeclaredFunctions() {
        let declared = Set(declaration.functions.map(\.name))
        // Aggregates first: they use the functions (PostgreSQL refuses the other order).
        let aggregatesFirst = actual.functions.filter { $0.kind == .aggregate }
            + actual.functions.filter { $0.kind != .aggregate }
        for function in aggregatesFirst where !declared.contains(function.name) {
            if droppedAsDependent(.function, function.name) || droppedAsDependent(.procedure, function.name) { continue }
            let reason = "function \(function.signature) is not in schema.yaml"
            let keep: (inout SchemaState) -> Void = { $0.functions.append(function) }
            let step = Step.dropFunction(name: function.name, arguments: function.arguments, kind: function.kind)
            let caller = expected.tables.lazy.flatMap { t in t.triggers.map { (t.name, $0) } }
                .first { $0.1.function == function.name }
            let user = caller.map { "trigger \($0.1.name) on \($0.0)" } ?? Self.expressionUsing(function.name, in: expected)
                ?? expected.functions.first { Self.aggregate($0, uses: function.name) }.map { "aggregate \($0.name)" }
            if let user {
                held.append(HeldChange(
                    object: step.object,
                    reason: reason + "; \(user), which this plan keeps, calls it",
                    sql: step.sql, undeclared: true))
                keep(&expected)
                continue
            }
            addDestructive(step, .dropFunctions, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.function, function.name, undeclared: true),
                           reason: reason, keep: keep)
        }
    }
}

extension Differ {
    /// The declared functions that a declared table's expressions call: a
    /// default, a generated column, a check or an index. They are created
    /// before the tables; the other functions after them.
    static func functionsUsedByTables(_ declaration: Declaration) -> Set<String> {
        var texts: [String] = []
        for table in declaration.tables {
            for column in table.columns {
                texts += [column.defaultExpression, column.generated].compactMap { $0 }
            }
            texts += table.checks.map(\.expression)
            texts += [table.partitionBy].compactMap { $0 }
            texts += table.exclusions.flatMap { $0.elements + [$0.predicate].compactMap { $0 } }
            for index in table.indexes {
                texts += index.columns
                if let predicate = index.predicate { texts.append(predicate) }
            }
        }
        return Set(declaration.functions.map(\.name).filter { name in texts.contains { calls(name, in: $0) } })
    }

    /// Whether SQL `text` calls a function named `name`: the name, as an
    /// identifier, followed by `(`. An ordering aid, never a comparison.
    static func calls(_ name: String, in text: String) -> Bool {
        let tokens = SQLTokens(text).tokens
        for i in tokens.indices.dropLast() {
            guard case .identifier(let word) = tokens[i], tokens[i + 1] == .symbol("(") else { continue }
            if word == name || word.lowercased() == name { return true }
        }
        return false
    }
}
