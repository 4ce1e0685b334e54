import State

/// A view's `INSTEAD OF` triggers.
///
/// They follow their view: a view the plan creates, or drops and creates
/// again, gets every declared trigger after it (`createTriggers`, after the
/// views); a view replaced in place (`CREATE OR REPLACE VIEW`) or kept keeps
/// its triggers, and each changed one, or one whose function is dropped and
/// created again, is dropped (with the tables' triggers, before the functions)
/// and created again. A view whose change is held back keeps its triggers as
/// they are. Undeclared triggers are dropped only as the destructive policy
/// allows, and hold back a rebuild of their view otherwise
/// (`undeclaredTriggers(of:)`).
extension Differ.Run {
    mutating func diffViewTriggers() {
        for view in declaration.views where !view.materialized {
            guard let want = desired.view(named: view.name) else { continue }
            // Held back: the expected state keeps the actual view, triggers and all.
            guard expected.view(named: view.name)?.definition == want.definition else { continue }
            let wanted = want.triggers ?? []
            guard let have = actual.view(named: view.name), !rebuiltViews.contains(view.name) else {
                for trigger in view.triggers where wanted.contains(where: { $0.name == trigger.name }) {
                    add(.createTrigger(table: view.name, trigger), .createTriggers)
                    if let comment = trigger.comment {
                        add(.commentOnTrigger(table: view.name, name: trigger.name, comment: comment), .comments)
                    }
                }
                continue
            }
            for trigger in view.triggers {
                guard let w = want.trigger(named: trigger.name) else { continue }
                let h = have.trigger(named: trigger.name)
                if let h, h.definition == w.definition, h.enabled == w.enabled, !recreatedFunctions.contains(w.function) {
                    if h.comment != w.comment {
                        add(.commentOnTrigger(table: view.name, name: trigger.name, comment: w.comment), .comments)
                    }
                    continue
                }
                if h != nil { add(.dropTrigger(table: view.name, name: trigger.name), .dropTriggers) }
                add(.createTrigger(table: view.name, trigger), .createTriggers)
                if let comment = w.comment {
                    add(.commentOnTrigger(table: view.name, name: trigger.name, comment: comment), .comments)
                }
            }
            for h in have.triggers ?? [] where want.trigger(named: h.name) == nil {
                addDestructive(.dropTrigger(table: view.name, name: h.name), .dropTriggers,
                               hazards: [.dropsUnmanagedObject],
                               target: DestructiveTarget(.trigger, table: view.name, h.name, undeclared: true),
                               reason: "trigger \(h.name) on view \(view.name) is not in schema.yaml") { state in
                    state.updateView(view.name) { $0.triggers = ($0.triggers ?? []) + [h] }
                }
            }
        }
    }
}
