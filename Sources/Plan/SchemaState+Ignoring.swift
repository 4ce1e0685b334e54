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
    /// Triggers and policies (`TableState.unsupported`) go too.
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
        let before = state.enums.count + state.sequences.count + state.others.count
        state.enums.removeAll { rules.ignores(.types, $0.name) }
        state.sequences.removeAll { rules.ignores(.sequences, $0) }
        state.others.removeAll { Self.ignores(other: $0, rules) }
        count += before - (state.enums.count + state.sequences.count + state.others.count)

        let tableCount = state.tables.count
        state.tables.removeAll { rules.ignores(.tables, $0.name) }
        count += tableCount - state.tables.count
        for i in state.tables.indices {
            state.tables[i] = state.tables[i].ignoring(rules, count: &count)
        }
        return state
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
    /// the columns they stand on in `ignoredUses`.
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
        for constraint in constraints where rules.ignores(.constraints, table: name, constraint.name) {
            uses.formUnion(columnsNamed(in: constraint.definition))
            count += 1
        }
        table.constraints.removeAll { rules.ignores(.constraints, table: name, $0.name) }
        let unsupported = table.unsupported.count
        table.unsupported.removeAll { item in
            if item.hasPrefix("trigger ") { return rules.ignores(.triggers, table: name, String(item.dropFirst(8))) }
            if item.hasPrefix("policy ") { return rules.ignores(.policies, table: name, String(item.dropFirst(7))) }
            return false
        }
        count += unsupported - table.unsupported.count
        table.ignoredUses = uses.sorted()
        return table
    }
}
