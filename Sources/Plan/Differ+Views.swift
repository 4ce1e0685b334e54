import State

/// Views and materialized views.
///
/// A view whose query or options changed is replaced in place (`CREATE OR
/// REPLACE VIEW`) when PostgreSQL allows it: its old columns stay, same names
/// and types in the same order, and new ones come after them. That keeps the
/// views that read it and its grants. Otherwise (and always for a materialized
/// view) it is dropped and created again in the plan's transaction, with the
/// declared views that read it dropped before it and created again after it;
/// an undeclared object that stands on it holds the change back unless an
/// `--allow` selector names it. Declared views on a column that the plan
/// drops or retypes are rebuilt the same way (`Differ+Dependents.swift`).
///
/// Drops come dependents first; creations in the order the scratch schema
/// took them (`Differ.creationOrder`), each after the tables, functions and
/// views it reads; functions created after the tables that read a view come
/// in that order too. Undeclared views are dropped only as the destructive
/// policy allows.
extension Differ.Run {
    mutating func diffViews() {
        var rebuild = rebuiltViews
        var replace: [ViewDeclaration] = []
        for view in declaration.views {
            guard let want = desired.view(named: view.name) else { continue }
            guard let have = actual.view(named: view.name) else { continue }
            let same = have.materialized == want.materialized && have.definition == want.definition
                && have.options == want.options
            if !same {
                if have.isReplaceable(by: want) { replace.append(view) } else { rebuild.insert(view.name) }
            }
        }
        // What reads a rebuilt view is dropped with it: declared views are
        // rebuilt too, anything else must be allowed to go.
        let changed = rebuild
        rebuild = closure(of: rebuild)
        var held: Set<String> = []
        for name in rebuild.sorted() where !rebuiltViews.contains(name) {
            let blockers = dependents { $0.standsOn(relation: name) }.filter { !isDeclaredView($0) }
                + undeclaredTriggers(of: name)
            if let reason = blockingReason(blockers) {
                held.insert(name)
                holdViewChange(name, reason: "its query changes its columns, which needs DROP and CREATE, and \(reason)")
            }
        }
        // A view held back keeps the views that read it as they are.
        var heldViews = held
        if !held.isEmpty {
            let keptReaders = closure(of: held)
            let reason = "it reads \(held.sorted().joined(separator: ", ")), whose change is held back"
            for name in keptReaders where changed.contains(name) && !held.contains(name) && !rebuiltViews.contains(name) {
                holdViewChange(name, reason: reason)
                heldViews.insert(name)
            }
            rebuild.subtract(keptReaders)
            // A replacement among them runs when the views it reads keep the
            // columns it was planned against; otherwise it is held back too.
            while let i = replace.firstIndex(where: { readsStaleView($0.name, kept: keptReaders, replace: replace) }) {
                let name = replace.remove(at: i).name
                holdViewChange(name, reason: reason)
                heldViews.insert(name)
            }
        }
        for name in rebuild {
            let blockers = dependents { $0.standsOn(relation: name) }.filter { !isDeclaredView($0) }
            dropDependents(blockers + undeclaredTriggers(of: name))
        }
        var drops = rebuild.subtracting(rebuiltViews).compactMap { actual.view(named: $0) }
        drops += undeclaredViewDrops()
        for view in Self.dependentsFirst(drops) {
            let hazards: [Hazard] = declaration.view(named: view.name) != nil ? [.rebuildsView] : [.dropsUnmanagedObject]
            add(.dropView(name: view.name, materialized: view.materialized), .dropViews, hazards: hazards)
        }
        rebuiltViews.formUnion(rebuild)
        // Index changes only for the views kept: a rebuilt view gets its
        // declared indexes anew, a held-back one keeps its own.
        var indexSteps: [String: [Step]] = [:]
        for view in declaration.views where !rebuiltViews.contains(view.name) && !heldViews.contains(view.name) {
            guard let want = desired.view(named: view.name), let have = actual.view(named: view.name) else { continue }
            indexSteps[view.name] = viewIndexChanges(view, have: have, want: want)
        }
        planViewCreations(replace: replace, indexSteps: indexSteps)
    }

    /// Whether the declared view `name` reads, in its new query, a view this
    /// plan keeps as it is (one of `kept`, neither rebuilt nor among `replace`)
    /// with other columns than the desired state's: its replacement can not run.
    func readsStaleView(_ name: String, kept: Set<String>, replace: [ViewDeclaration]) -> Bool {
        (desired.view(named: name)?.reads ?? []).contains { read in
            kept.contains(read) && !rebuiltViews.contains(read) && !replace.contains { $0.name == read }
                && actual.view(named: read)?.columns != desired.view(named: read)?.columns
        }
    }

    /// The creations and replacements of declared views, with the functions
    /// that come after the tables, in `Differ.creationOrder`.
    mutating func planViewCreations(replace: [ViewDeclaration], indexSteps: [String: [Step]]) {
        var planned: [String: [Planned]] = [:]
        for view in declaration.views {
            guard let want = desired.view(named: view.name) else { continue }
            var steps: [Planned] = []
            let isNew = actual.view(named: view.name) == nil || rebuiltViews.contains(view.name)
            if isNew {
                var hazards: [Hazard] = view.materialized && view.withData ? [.populatesView] : []
                if actual.view(named: view.name) != nil { hazards.append(.rebuildsView) }
                steps.append(Planned(step: .createView(view), hazards: hazards))
                steps += view.indexes.map { Planned(step: .createViewIndex(view: view.name, $0), hazards: []) }
                for index in want.indexes { commentIndex(index, from: nil) }
                if let comment = want.comment {
                    add(.commentOnView(name: view.name, materialized: view.materialized, comment: comment), .comments)
                }
            } else {
                if actual.view(named: view.name)?.comment != want.comment {
                    add(.commentOnView(name: view.name, materialized: view.materialized, comment: want.comment), .comments)
                }
                if replace.contains(where: { $0.name == view.name }) {
                    steps.append(Planned(step: .replaceView(view), hazards: []))
                }
                steps += (indexSteps[view.name] ?? []).map { Planned(step: $0, hazards: []) }
            }
            if !steps.isEmpty { planned["view:\(view.name)"] = steps }
        }
        // Late functions that read a view move after it.
        let order = differ.creationOrder
        var late: [Planned] = []
        for p in phases[.lateFunctions] ?? [] {
            if let name = p.step.functionName, let at = order.firstIndex(of: "function:\(name)"),
               order[..<at].contains(where: { $0.hasPrefix("view:") }) {
                planned["function:\(name)", default: []].append(p)
            } else {
                late.append(p)
            }
        }
        phases[.lateFunctions] = late
        let keys = planned.keys.sorted { a, b in
            let i = order.firstIndex(of: a) ?? Int.max, j = order.firstIndex(of: b) ?? Int.max
            if i != j { return i < j }
            return (declaration.views.firstIndex { "view:\($0.name)" == a } ?? 0)
                < (declaration.views.firstIndex { "view:\($0.name)" == b } ?? 0)
        }
        phases[.createViews, default: []] += keys.flatMap { planned[$0] ?? [] }
    }

    /// The index changes of a declared materialized view that stays: missing
    /// or changed indexes built, undeclared ones dropped as allowed.
    mutating func viewIndexChanges(_ view: ViewDeclaration, have: ViewState, want: ViewState) -> [Step] {
        guard view.materialized, have.materialized else { return [] }
        var steps: [Step] = []
        for index in view.indexes {
            guard let w = want.indexes.first(where: { $0.name == index.name }) else { continue }
            let h = have.indexes.first { $0.name == index.name }
            if let h, h.definition == w.definition, !h.invalid {
                commentIndex(w, from: h.comment)
                continue
            }
            if h != nil { add(.dropIndex(index.name), .dropViews) }
            steps.append(.createViewIndex(view: view.name, index))
            commentIndex(w, from: nil)
        }
        for h in have.indexes where want.indexes.first(where: { $0.name == h.name }) == nil {
            addDestructive(.dropIndex(h.name), .dropViews, hazards: [.dropsUnmanagedObject],
                           target: DestructiveTarget(.index, h.name, undeclared: true),
                           reason: "index \(h.name) on materialized view \(view.name) is not in schema.yaml") { state in
                state.updateView(view.name) { $0.indexes.append(h) }
            }
        }
        return steps
    }

    /// Undeclared views, dropped as the policy allows, unless the dependents
    /// pass drops them already; what stands on one must be allowed to go too.
    mutating func undeclaredViewDrops() -> [ViewState] {
        var drops: [ViewState] = []
        for view in actual.views where declaration.view(named: view.name) == nil {
            if droppedAsDependent(.view, view.name) || droppedAsDependent(.materializedView, view.name) { continue }
            let target = DestructiveTarget(.view, view.name, undeclared: true)
            let reason = "\(view.kind) \(view.name) is not in schema.yaml"
            guard differ.policy.allows(target) else {
                held.append(HeldChange(object: "\(view.kind) \(view.name)", reason: reason + allowHint(target),
                                       sql: Step.dropView(name: view.name, materialized: view.materialized).sql,
                                       undeclared: true))
                expected.views.append(view)
                continue
            }
            let blockers = dependents { $0.standsOn(relation: view.name) }.filter { !isDeclaredView($0) }
            if let blocked = blockingReason(blockers) {
                held.append(HeldChange(object: "\(view.kind) \(view.name)", reason: reason + "; " + blocked,
                                       sql: Step.dropView(name: view.name, materialized: view.materialized).sql,
                                       undeclared: true))
                expected.views.append(view)
                continue
            }
            // The schema's views among them are dropped here, each once, readers first.
            dropDependents(blockers.filter { !($0.schema == nil && actual.view(named: $0.name) != nil) })
            drops.append(view)
        }
        return drops
    }

    /// The triggers of view `name` that schema.yaml does not declare, as
    /// dependents: a view dropped and created again would lose them, so they
    /// hold its rebuild back unless an `--allow` selector names them.
    func undeclaredTriggers(of name: String) -> [DependentState] {
        let declared = Set(declaration.view(named: name)?.triggers.map(\.name) ?? [])
        return (actual.view(named: name)?.triggers ?? []).filter { !declared.contains($0.name) }.map {
            DependentState(kind: .trigger, name: $0.name, table: name, on: [.init(.view, name)])
        }
    }

    /// `names` and the declared views that read them, directly or through others.
    func closure(of names: Set<String>) -> Set<String> {
        var result = names
        var frontier = Array(names)
        while let name = frontier.popLast() {
            for view in actual.views where view.reads.contains(name) && declaration.view(named: view.name) != nil {
                if result.insert(view.name).inserted { frontier.append(view.name) }
            }
        }
        return result
    }

    /// Whether `d` is a view of the schema that schema.yaml declares: rebuilt, not dropped for good.
    func isDeclaredView(_ d: DependentState) -> Bool {
        d.schema == nil && (d.kind == .view || d.kind == .materializedView) && declaration.view(named: d.name) != nil
    }

    /// Keeps the actual view `name` as it is, and says why. Its comment is
    /// still set (`planViewCreations`): that needs no rebuild.
    mutating func holdViewChange(_ name: String, reason: String) {
        guard var view = actual.view(named: name), let declared = declaration.view(named: name) else { return }
        held.append(HeldChange(object: "\(view.kind) \(name)", reason: reason, sql: Step.createView(declared).sql))
        view.comment = desired.view(named: name)?.comment
        expected.views.removeAll { $0.name == name }
        expected.views.append(view)
    }

    /// `views` in an order in which each comes before the views it reads.
    static func dependentsFirst(_ views: [ViewState]) -> [ViewState] {
        var remaining = views.sorted { $0.name < $1.name }
        var result: [ViewState] = []
        while !remaining.isEmpty {
            let i = remaining.firstIndex { v in !remaining.contains { $0.reads.contains(v.name) } } ?? 0
            result.append(remaining.remove(at: i))
        }
        return result
    }
}

extension Differ {
    /// The functions created after the tables, and the views, in `order` (see
    /// `SchemaState.creationOrder`); what `order` does not name comes after,
    /// functions then views, in declaration order.
    static func lateRoutines(of declaration: Declaration, early: Set<String>, order: [String]) -> [Step] {
        var steps: [(key: String, step: Step)] = declaration.functions.filter { !early.contains($0.name) }
            .map { ("function:\($0.name)", .createFunction($0)) }
        steps += declaration.views.map { ("view:\($0.name)", .createView($0)) }
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let sorted = steps.enumerated().sorted { a, b in
            (rank[a.element.key] ?? Int.max, a.offset) < (rank[b.element.key] ?? Int.max, b.offset)
        }
        var ops: [Step] = []
        for (_, item) in sorted {
            ops.append(item.step)
            if case .createView(let view) = item.step {
                ops += view.indexes.map { .createViewIndex(view: view.name, $0) }
                ops += view.indexes.compactMap { i in i.comment.map { .commentOnIndex(i.name, comment: $0) } }
            }
        }
        return ops
    }
}

extension Step {
    /// The function a function step creates or replaces.
    var functionName: String? {
        switch self {
        case .createFunction(let f), .replaceFunction(let f): f.name
        default: nil
        }
    }
}

extension SchemaState {
    /// Applies `change` to view `name`, if the state has it.
    public mutating func updateView(_ name: String, _ change: (inout ViewState) -> Void) {
        guard let i = views.firstIndex(where: { $0.name == name }) else { return }
        change(&views[i])
    }
}
