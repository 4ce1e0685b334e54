import State

extension Differ {
    /// One diff in progress: typed steps are collected in phases, then
    /// concatenated and rendered to SQL once, in `finish()`.
    ///
    /// The phases run in `Differ+Enums.swift`, `Differ+Tables.swift`,
    /// `Differ+Columns.swift`, `Differ+Constraints.swift` and
    /// `Differ+Undeclared.swift`.
    struct Run {
        enum Phase: Int, CaseIterable {
            case enums, domains, /* composite types */ compositeTypes, /* sequences */ sequences, dropDependents, /* views */ dropViews, renames,
                 /* aggregates before the functions they use */ dropAggregates, dropTriggers, dropChangedFunctions, dropForeignKeys,
                 dropConstraintsAndIndexes, createFunctions, createTables, columns, readdColumns, addConstraints,
                 createIndexes, addForeignKeys, /* sequences */ sequenceOwners, lateFunctions, /* views */ createViews, createTriggers, comments, dropTables, dropFunctions,
                 dropDomains, dropTypes
        }

        /// A step the diff plans, not yet rendered.
        struct Planned {
            var step: Step
            var hazards: [Hazard]
            /// False for the steps `apply` commits first, on their own (enum labels added).
            var transactional = true
        }

        let differ: Differ
        let actual: SchemaState
        var phases: [Phase: [Planned]] = [:]
        var held: [HeldChange] = []
        var expected: SchemaState

        /// Actual table names consumed by a declared table (same name or renamed from).
        var claimedTables: Set<String> = []

        /// Renames that `renamed_from` hints make: tables (old → new), and columns
        /// by declared table name (old → new).
        var tableRenames: [String: String] = [:]
        var columnRenames: [String: [String: String]] = [:]

        /// Columns dropped and added again, by table: `DROP COLUMN` takes the indexes
        /// and constraints on them along, so those are dropped first and re-created.
        var recreatedColumns: [String: Set<String>] = [:]

        /// By declared table name: the columns objects `ignore:` leaves alone
        /// stand on (`TableState.ignoredUses`, after column renames). Such a
        /// column is never dropped, nor dropped and added again.
        var ignoredUses: [String: Set<String>] = [:]

        /// Columns (`table.column`, by declared names) whose online backfill
        /// stopped before its end: their marker check is still there (see
        /// `isBackfillMarker`), and the plan fills the rows left NULL.
        var resumedBackfills: Set<String> = []

        /// Declared functions dropped and created again: their triggers are too.
        var recreatedFunctions: Set<String> = []
        /// Undeclared dependents the plan drops, by `DependentState.sortKey`
        /// (see `Differ+Dependents.swift`).
        var droppedDependents: [String: DependentState] = [:]
        // MARK: Views
        /// Declared views the plan drops and creates again (see `Differ+Views.swift`).
        var rebuiltViews: Set<String> = []

        init(differ: Differ, actual: SchemaState) {
            self.differ = differ
            self.actual = actual
            self.expected = differ.desired
            self.expected.others = actual.others
        }
    }
}

extension Differ.Run {
    var declaration: Declaration { differ.declaration }
    var desired: SchemaState { differ.desired }

    mutating func add(_ step: Step, _ phase: Phase, hazards: [Hazard] = []) {
        phases[phase, default: []].append(Planned(step: step, hazards: hazards))
    }

    /// Adds a destructive change, or holds it back when the policy does not allow
    /// `target`. Returns whether the change was planned.
    @discardableResult
    mutating func addDestructive(_ step: Step, _ phase: Phase, hazards: [Hazard], target: DestructiveTarget,
                                 reason: String, keep: (inout SchemaState) -> Void) -> Bool {
        if differ.policy.allows(target) {
            add(step, phase, hazards: hazards)
            return true
        }
        held.append(HeldChange(object: step.object, reason: reason + allowHint(target),
                               sql: step.sql, undeclared: hazards.contains(.dropsUnmanagedObject)))
        keep(&expected)
        return false
    }

    /// `; plan with --allow column:orders.note to allow it`: the narrowest selector.
    func allowHint(_ target: DestructiveTarget) -> String {
        "; plan with --allow \(AllowSelector(narrowestFor: target).shellWord) to allow it"
    }

    /// Whether objects `ignore:` leaves alone stand on `column` of `table`.
    func isPinned(_ table: String, _ column: String) -> Bool {
        ignoredUses[table]?.contains(column) ?? false
    }

    /// Holds back a change that would drop objects `ignore:` leaves alone along
    /// with what it drops. No policy allows it: ignoring wins over everything.
    mutating func holdForIgnored(_ step: Step, reason: String, undeclared: Bool, keep: (inout SchemaState) -> Void) {
        held.append(HeldChange(
            object: step.object,
            reason: reason + "; objects that ignore: leaves alone stand on it and would be dropped with it: "
                + "drop them by hand, or stop ignoring them, first",
            sql: step.sql, undeclared: undeclared))
        keep(&expected)
    }

    /// The drops of undeclared types (domains, then enums, composite types and
    /// sequences, as planned), each after the drops of the types that use it:
    /// a composite type's attribute can be of a domain and a domain can stand on
    /// a composite type or an enum, so no fixed order of kinds serves (a type
    /// dropped first fails with 2BP01 while another uses it).
    func typeDropsInOrder() -> [Planned] {
        var remaining = (phases[.dropDomains] ?? []) + (phases[.dropTypes] ?? [])
        func dropped(_ step: Step) -> String? {
            switch step {
            case .dropDomain(let name), .dropCompositeType(let name), .dropType(let name): name
            default: nil
            }
        }
        // The types each dropped type's users are, among those this plan drops.
        let names = Set(remaining.compactMap { dropped($0.step) })
        var users: [String: Set<String>] = [:]
        for name in names {
            users[name] = Set(Differ.uses(ofType: name, in: actual)
                .filter { $0.kind != .column && names.contains($0.owner) }.map(\.owner))
        }
        var ordered: [Planned] = []
        var done: Set<String> = []
        while !remaining.isEmpty {
            // The first planned drop none of whose users is still to be dropped;
            // the first one when a cycle (which PostgreSQL does not allow) leaves none.
            let next = remaining.firstIndex { planned in
                dropped(planned.step).map { (users[$0] ?? []).isSubset(of: done) } ?? true
            } ?? remaining.startIndex
            let step = remaining.remove(at: next)
            if let name = dropped(step.step) { done.insert(name) }
            ordered.append(step)
        }
        return ordered
    }

    func finish() -> Diff {
        var planned = Self.withoutRepeatedForeignKeySteps(Phase.allCases.flatMap { phase -> [Planned] in
            switch phase {
            case .dropDomains: typeDropsInOrder()
            case .dropTypes: []
            default: phases[phase] ?? []
            }
        })
        var expected = self.expected
        keepDependents(in: &expected)
        // PostgreSQL refuses to use an enum label in the transaction that adds it
        // (55P04). When a later change uses a new label, the label additions run
        // and commit first, as a prelude; otherwise everything stays in one
        // transaction, all or nothing.
        let added = Set(planned.compactMap(\.step.addedEnumLabel))
        let used = !added.isEmpty && planned.contains {
            $0.step.addedEnumLabel == nil && $0.step.stringLiterals.contains(where: added.contains)
        }
        if used {
            for i in planned.indices where planned[i].step.addedEnumLabel != nil { planned[i].transactional = false }
        }
        var prelude: SchemaState?
        if planned.contains(where: { !$0.transactional }) {
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
        let stages = stages(of: planned, prelude: prelude, final: expected.normalized())
        let newTables = Set(planned.compactMap { p -> String? in
            if case .createTable(let t) = p.step { return t.name }
            if case .createView(let v) = p.step { return v.name }  // a view created or rebuilt here: no reader yet
            if case .createStandaloneSequence(let s) = p.step { return s.name }  // no nextval yet
            if case .createSequence(let name, _, _, _) = p.step { return name }
            return nil
        })
        let changes = stages.flatMap(\.steps).map {
            $0.step.change(hazards: $0.hazards, transactional: $0.transactional, newTables: newTables)
        }
        return Diff(changes: changes, held: held, expected: expected.normalized(), prelude: prelude,
                    stages: stages.map { Diff.Stage(changes: $0.steps.count, transactional: $0.transactional, state: $0.state) })
    }

    func isSubsequence(_ small: [String], of big: [String]) -> Bool {
        var it = big.makeIterator()
        return small.allSatisfy { label in
            while let next = it.next() { if next == label { return true } }
            return false
        }
    }
}
