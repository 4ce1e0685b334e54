import State

extension SchemaState {
    /// The state without what `rules` ignore: the one place `ignore:` acts.
    ///
    /// `plan` filters every tenant's reflected state (and the desired state)
    /// through it before fingerprinting and diffing, and `apply` filters the
    /// state it verifies through the same rules, which the plan file carries; so
    /// an ignored object never shows, never makes a tenant differ, and never
    /// makes `apply` find a tenant stale or unverified.
    ///
    /// What goes: ignored tables (with everything on them), columns
    /// (`table.column`), indexes (by name; the index of a constraint is its
    /// constraint), constraints (`table.name`), enums (`types`), sequences that no
    /// column owns, and among the objects tenantplan reads but does not manage,
    /// views and materialized views (`views`), functions, procedures and
    /// aggregates (`functions`), and domains, composite and range types (`types`).
    /// functions and procedures (`functions`), triggers (`triggers`, `table.name`).
    /// Policies (`TableState.policies`, `table.name`) go; as dependents
    /// (`DependentState`), ignored ones, like ignored views and functions that
    /// depend on a table, stay as uses of what they stand on (`ignoreDependents`).
    ///
    /// What stays: for each remaining table, the columns that its ignored
    /// columns, indexes and constraints stand on (`TableState.ignoredUses`), so
    /// that the `Differ` never drops such a column, or the table, which would
    /// take the ignored objects along. Idempotent: filtering a filtered state
    /// changes nothing.
    public func ignoring(_ rules: IgnoreRules) -> SchemaState {
        var count = 0
        return ignoring(rules, count: &count)
    }

    /// The same, adding the number of objects taken out to `count` (a table
    /// counts once, whatever it holds).
    public func ignoring(_ rules: IgnoreRules, count: inout Int) -> SchemaState {
        guard !rules.isEmpty else { return self }
        var state = self
        let before = state.enums.count + state.sequences.count + state.others.count + state.functions.count
        state.enums.removeAll { rules.ignores(.types, $0.name) }
        state.sequences.removeAll { rules.ignores(.sequences, $0.name) }
        state.others.removeAll { Self.ignores(other: $0, rules) }
        state.functions.removeAll { rules.ignores(.functions, $0.name) }
        count += before - (state.enums.count + state.sequences.count + state.others.count + state.functions.count)
        let views = state.views.count
        state.views.removeAll { rules.ignores(.views, $0.name) }
        count += views - state.views.count
        // A view's triggers: `triggers` as `view.name`, like a table's.
        for i in state.views.indices {
            guard let triggers = state.views[i].triggers else { continue }
            let name = state.views[i].name
            let kept = triggers.filter { !rules.ignores(.triggers, table: name, $0.name) }
            count += triggers.count - kept.count
            state.views[i].triggers = kept.isEmpty ? nil : kept
        }
        // Domains: `types` covers enums, domains and composite types alike.
        let domainCount = state.domains.count
        state.domains.removeAll { rules.ignores(.types, $0.name) }
        count += domainCount - state.domains.count
        let compositeCount = state.compositeTypes.count
        state.compositeTypes.removeAll { rules.ignores(.types, $0.name) }
        count += compositeCount - state.compositeTypes.count

        let tableCount = state.tables.count
        state.tables.removeAll { rules.ignores(.tables, $0.name) }
        count += tableCount - state.tables.count
        for i in state.tables.indices {
            state.tables[i] = state.tables[i].ignoring(rules, count: &count)
        }
        state.ignoreDependents(rules)
        return state
    }

    /// Dependents (see `DependentState`) that are ignored objects, or stand only
    /// on ignored objects, go; an ignored one stays as a use of what it stands on
    /// (`TableState.ignoredUses`, `""` for a whole table), so that the `Differ`
    /// never drops that. Not counted: the view or function itself is counted
    /// in `others`.
    mutating func ignoreDependents(_ rules: IgnoreRules) {
        guard !dependents.isEmpty else { return }
        var kept: [DependentState] = []
        for var d in dependents {
            let ignored: Bool = switch d.kind {
            case .view, .materializedView: d.schema == nil && rules.ignores(.views, d.name)
            case .function, .procedure, .aggregate: d.schema == nil && rules.ignores(.functions, d.name)
            case .trigger: d.schema == nil && rules.ignores(.triggers, table: d.table ?? "", d.name)
            case .policy: d.schema == nil && rules.ignores(.policies, table: d.table ?? "", d.name)
            default: false
            }
            if ignored {
                for target in d.on where target.kind == .table {
                    updateTable(target.name) { $0.ignoredUses = Array(Set($0.ignoredUses + [target.column ?? ""])).sorted() }
                }
                continue
            }
            d.on.removeAll { target in
                switch target.kind {
                case .table:
                    guard let table = table(named: target.name) else { return true }
                    return target.column.map { table.column(named: $0) == nil } ?? false
                case .view: return rules.ignores(.views, target.name)
                case .type: return rules.ignores(.types, target.name)
                }
            }
            if !d.on.isEmpty { kept.append(d) }
        }
        dependents = kept
    }

    /// Whether an entry of `others` (`view name`, `function name`, ...) is ignored.
    static func ignores(other entry: String, _ rules: IgnoreRules) -> Bool {
        let kinds: [(prefix: String, kind: IgnoreRules.Kind)] = [
            ("view ", .views), ("materialized view ", .views),
            ("function ", .functions), ("procedure ", .functions), ("aggregate ", .functions),
            ("domain ", .types), ("composite type ", .types), ("range type ", .types),
        ]
        for (prefix, kind) in kinds where entry.hasPrefix(prefix) {
            return rules.ignores(kind, String(entry.dropFirst(prefix.count)))
        }
        return false
    }
}

extension TableState {
    /// The table without its ignored columns, indexes and constraints, and with
    /// the columns they stand on in `ignoredUses` (and those of an ignored
    /// primary key in `ignoredKeyColumns`).
    func ignoring(_ rules: IgnoreRules, count: inout Int) -> TableState {
        var table = self
        let names = Set(columns.map(\.name))
        var uses = Set(ignoredUses)
        /// The table's columns a deparsed definition names (a column name that
        /// only appears as a referenced table's column counts too: harmless), or
        /// `""`, which no column can be named, for one that names none: the
        /// object then stands on the table alone.
        func columnsNamed(in definition: String) -> [String] {
            let named = SQLTokens(definition).tokens.compactMap { token -> String? in
                if case .identifier(let name) = token, names.contains(name) { return name }
                return nil
            }
            return named.isEmpty ? [""] : named
        }
        for column in columns where rules.ignores(.columns, table: name, column.name) {
            uses.insert(column.name)
            count += 1
        }
        table.columns.removeAll { rules.ignores(.columns, table: name, $0.name) }
        for index in indexes where rules.ignores(.indexes, index.name) {
            uses.formUnion(columnsNamed(in: index.definition))
            count += 1
        }
        table.indexes.removeAll { rules.ignores(.indexes, $0.name) }
        var keyColumns = Set(ignoredKeyColumns)
        for constraint in constraints where rules.ignores(.constraints, table: name, constraint.name) {
            uses.formUnion(columnsNamed(in: constraint.definition))
            if constraint.kind == .primaryKey { keyColumns.formUnion(constraint.keyColumns) }
            count += 1
        }
        table.ignoredKeyColumns = keyColumns.sorted()
        table.constraints.removeAll { rules.ignores(.constraints, table: name, $0.name) }
        count += table.triggers.count
        table.triggers.removeAll { rules.ignores(.triggers, table: name, $0.name) }
        count -= table.triggers.count
        let unsupported = table.unsupported.count
        table.unsupported.removeAll { item in
            if item.hasPrefix("policy ") { return rules.ignores(.policies, table: name, String(item.dropFirst(7))) }
            return false
        }
        count += unsupported - table.unsupported.count
        // A partition is a table: `tables` globs match it by its own name.
        if let partitions = table.partitions {
            let kept = partitions.filter { !rules.ignores(.tables, $0.name) }
            count += partitions.count - kept.count
            table.partitions = kept.isEmpty ? nil : kept
        }
        if let policies = table.policies {
            let kept = policies.filter { !rules.ignores(.policies, table: name, $0.name) }
            count += policies.count - kept.count
            table.policies = kept.isEmpty ? nil : kept
        }
        table.ignoredUses = uses.sorted()
        return table
    }
}

extension ConstraintState {
    /// The key columns of a deparsed `PRIMARY KEY (a, b) INCLUDE (c)` or
    /// `UNIQUE (a, b)`: the names inside the first parentheses.
    var keyColumns: [String] {
        var columns: [String] = []
        var inside = false
        for token in SQLTokens(definition).tokens {
            switch token {
            case .symbol("("): inside = true
            case .symbol(")"): return columns
            case .identifier(let column) where inside: columns.append(column)
            default: break
            }
        }
        return columns
    }
}
