import State

/// Composite types: created before the tables and functions that use them,
/// changed in place by `ALTER TYPE ... ADD / DROP / ALTER ATTRIBUTE`, and
/// dropped after the tables and columns that used them. What PostgreSQL cannot
/// do in place (reorder attributes, retype one a column uses) is held back as a
/// whole, with the reason.
extension Differ.Run {
    mutating func diffCompositeTypes() {
        for t in declaration.compositeTypes {
            guard let want = desired.compositeType(named: t.name) else { continue }
            guard let current = actual.compositeType(named: t.name) else {
                add(.createCompositeType(t), .compositeTypes)
                if want.comment != nil { add(.commentOnCompositeType(t.name, comment: want.comment), .comments) }
                continue
            }
            let object = "composite type \(t.name)"
            func hold(_ reason: String, sql: [Step] = []) {
                held.append(HeldChange(object: object, reason: reason,
                                       sql: sql.map(\.sql).joined(separator: ";\n")))
                setCompositeType(current, in: &expected)
            }
            let wanted = Set(want.attributes.map(\.name))
            let dropped = current.attributes.filter { !wanted.contains($0.name) }
            let kept = current.attributes.filter { wanted.contains($0.name) }
            let added = want.attributes.filter { current.attribute(named: $0.name) == nil }
            // PostgreSQL adds attributes at the end and cannot move one.
            let order = kept.map(\.name) + added.map(\.name)
            if order != want.attributes.map(\.name) {
                hold("its attributes would be in the order \(order.joined(separator: ", ")), and schema.yaml declares "
                     + "\(want.attributes.map(\.name).joined(separator: ", ")); PostgreSQL cannot reorder the attributes "
                     + "of a composite type: declare them in the tenant's order, or re-create the type by hand")
                continue
            }
            var steps: [(Step, [Hazard])] = []
            let retyped = kept.compactMap { a -> (CompositeTypeState.Attribute, String)? in
                guard let w = want.attribute(named: a.name), w.type != a.type else { return nil }
                return (a, w.type)
            }
            if !retyped.isEmpty {
                let users = Differ.uses(ofType: t.name, in: actual).map(\.description)
                    + foreignUses(ofType: t.name).filter { [.column, .attribute, .domain].contains($0.kind) }
                        .map(\.description)
                if !users.isEmpty {
                    let what = retyped.map { "\($0.0.name) (\($0.0.type) → \($0.1))" }.joined(separator: ", ")
                    hold("changing the type of attribute \(what) is refused by PostgreSQL while "
                         + "\(users.joined(separator: ", ")) use\(users.count == 1 ? "s" : "") the type; change those "
                         + "columns to another type first, or migrate the type by hand",
                         sql: retyped.map { .alterAttributeType(compositeType: t.name, name: $0.0.name, type: $0.1) })
                    continue
                }
            }
            // The values of a dropped attribute in every column of the type are lost.
            for a in dropped { steps.append((.dropAttribute(compositeType: t.name, name: a.name), [.dataLoss])) }
            for (a, type) in retyped { steps.append((.alterAttributeType(compositeType: t.name, name: a.name, type: type), [])) }
            for a in added { steps.append((.addAttribute(compositeType: t.name, name: a.name, type: a.type), [])) }
            if !dropped.isEmpty {
                let target = DestructiveTarget(.type, t.name, undeclared: false)
                let names = dropped.map(\.name).joined(separator: ", ")
                guard differ.policy.allows(target) else {
                    hold("dropping attribute \(names) of \(object) loses its values in every column of the type; "
                         + "plan with --allow type:\(t.name) to allow it", sql: steps.map(\.0))
                    continue
                }
            }
            for (step, hazards) in steps { add(step, .compositeTypes, hazards: hazards) }
            if current.comment != want.comment {
                add(.commentOnCompositeType(t.name, comment: want.comment), .comments)
            }
        }
    }

    /// Composite types the tenant has and `schema.yaml` does not declare:
    /// dropped as far as the policy allows, and held while a column the plan
    /// keeps uses one.
    mutating func dropUndeclaredCompositeTypes() {
        let declared = Set(declaration.compositeTypes.map(\.name))
        for t in actual.compositeTypes where !declared.contains(t.name) {
            let target = DestructiveTarget(.type, t.name, undeclared: true)
            let reason = "composite type \(t.name) is not in schema.yaml"
            let users = Differ.uses(ofType: t.name, in: expected).map(\.description)
                + foreignUses(ofType: t.name).map(\.description)
            if differ.policy.allows(target), !users.isEmpty {
                held.append(HeldChange(object: Step.dropCompositeType(t.name).object,
                                       reason: reason + "; \(users.joined(separator: ", ")) use it, "
                                           + "and this plan keeps them: change or drop them first",
                                       sql: Step.dropCompositeType(t.name).sql, undeclared: true))
                setCompositeType(t, in: &expected)
                continue
            }
            addDestructive(.dropCompositeType(t.name), .dropTypes, hazards: [.dropsUnmanagedObject], target: target,
                           reason: reason) { $0.compositeTypes.append(t) }
        }
    }

    func setCompositeType(_ t: CompositeTypeState, in state: inout SchemaState) {
        state.compositeTypes.removeAll { $0.name == t.name }
        state.compositeTypes.append(t)
    }
}
