import State

/// Renames against the objects the plan keeps without declaring them.
///
/// PostgreSQL rewrites the definition of every index, constraint, trigger and
/// generated column that names a table or column when `renamed_from` renames it. A
/// declared object's definition comes from the declaration, so it already reads
/// as after the rename; but an undeclared object the plan keeps (its drop is
/// held back) is expected exactly as it is, so after such a rename the tenant
/// could never be verified. Rather than guess the server's rewritten text (its
/// quoting of the new name depends on its keyword list), the plan holds the
/// rename back, naming the object and how to let it go.
extension Differ.Run {
    /// One held change per rename that would rewrite a kept undeclared object;
    /// empty when there is none.
    func renamesRewritingKeptObjects() -> [HeldChange] {
        guard !tableRenames.isEmpty || !columnRenames.isEmpty else { return [] }
        var held: [HeldChange] = []
        var seen: Set<String> = []
        func hold(_ step: Step, _ what: String, _ target: DestructiveTarget) {
            guard seen.insert(step.object).inserted else { return }
            held.append(HeldChange(
                object: step.object,
                reason: "\(what), which schema.yaml does not declare and this plan keeps, names it, and PostgreSQL "
                    + "would rewrite its definition; nothing else is planned for this tenant until it is declared "
                    + "in schema.yaml (as it reads after the rename) or dropped" + allowHint(target),
                sql: step.sql))
        }
        for table in expected.tables {
            let wanted = desired.table(named: table.name)
            func target(_ kind: AllowSelector.Kind, _ name: String) -> DestructiveTarget {
                wanted == nil ? DestructiveTarget(.table, table.name, undeclared: true)
                    : DestructiveTarget(kind, table: table.name, name, undeclared: true)
            }
            var kept: [(what: String, definition: String, target: DestructiveTarget)] = []
            for c in table.constraints where wanted?.constraint(named: c.name) == nil {
                kept.append(("constraint \(c.name) on \(table.name)", c.definition, target(.constraint, c.name)))
            }
            for i in table.indexes where wanted?.index(named: i.name) == nil {
                let drop = wanted == nil ? target(.index, i.name) : DestructiveTarget(.index, i.name, undeclared: true)
                kept.append(("index \(i.name) on \(table.name)", i.definition, drop))
            }
            for c in table.columns where wanted?.column(named: c.name) == nil {
                guard let generated = c.generated else { continue }
                kept.append(("generated column \(table.name).\(c.name)", generated, target(.column, c.name)))
            }
            for trigger in table.triggers where wanted?.trigger(named: trigger.name) == nil {
                kept.append(("trigger \(trigger.name) on \(table.name)", trigger.definition,
                             target(.trigger, trigger.name)))
                // `CREATE TRIGGER ... ON <table>` names its own table, renamed or not.
                if let old = tableRenames.first(where: { $0.value == table.name })?.key,
                   mentions(trigger.definition, identifier: old) {
                    hold(.renameTable(from: old, to: table.name), "trigger \(trigger.name) on \(table.name)",
                         target(.trigger, trigger.name))
                }
                // Its function's body (PL/pgSQL) names the column as `NEW.old`, which PostgreSQL
                // neither tracks nor rewrites: after the rename the trigger fails every write it fires on.
                guard let function = expected.functions.first(where: {
                    $0.name == trigger.function && $0.result == "trigger"
                }) else { continue }
                for (old, new) in columnRenames[table.name] ?? [:] {
                    guard let use = Self.recordField(old, in: function.definition) else { continue }
                    let step = Step.renameColumn(table: table.name, from: old, to: new)
                    guard seen.insert(step.object).inserted else { continue }
                    held.append(HeldChange(
                        object: step.object,
                        reason: "trigger \(trigger.name) on \(table.name), which schema.yaml does not declare and this plan "
                            + "keeps, runs \(function.name)(), whose body uses \(use): PostgreSQL does not rewrite a "
                            + "function's body, and the trigger would fail every write it fires on after the rename; "
                            + "nothing else is planned for this tenant until the trigger is declared in schema.yaml "
                            + "(with a function that uses the new name) or dropped" + allowHint(target(.trigger, trigger.name)),
                        sql: step.sql))
                }
            }
            for object in kept {
                // The table's own columns, renamed.
                for (old, new) in columnRenames[table.name] ?? [:] where mentions(object.definition, identifier: old) {
                    hold(.renameColumn(table: table.name, from: old, to: new), object.what, object.target)
                }
                // A foreign key's referenced table and its columns, renamed.
                guard let referenced = Self.referencedTable(object.definition) else { continue }
                if let new = tableRenames[referenced] {
                    hold(.renameTable(from: referenced, to: new), object.what, object.target)
                }
                let declared = tableRenames[referenced] ?? referenced
                guard declared != table.name else { continue }
                for (old, new) in columnRenames[declared] ?? [:] where mentions(object.definition, identifier: old) {
                    hold(.renameColumn(table: declared, from: old, to: new), object.what, object.target)
                }
            }
        }
        return held.sorted { $0.object < $1.object }
    }
}
