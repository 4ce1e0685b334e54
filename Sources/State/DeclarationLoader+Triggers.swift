import Yams

/// A table's or a view's `triggers:`. A view's are `INSTEAD OF` triggers, for
/// each row, on insert, update or delete, without `when` (PostgreSQL's rules);
/// a table's are `before` or `after`.
extension DeclarationLoader.Parser {
    func parseTriggers(_ entry: YAMLEntry, table: String, declared: [String], onView: Bool = false) -> [TriggerDeclaration] {
        let relation = onView ? "view" : "table"
        guard let entries = reader.entries(
            of: entry.value, what: "'triggers' of \(relation) '\(table)'",
            shape: "a mapping of trigger names to { timing: ..., events: [...], for_each: ..., function: ... }")
        else { return [] }
        var result: [TriggerDeclaration] = []
        for item in entries {
            let owner = "trigger '\(item.key)' of \(relation) '\(table)'"
            reader.checkName(item.key, kind: "trigger name", at: item.keyNode)
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.triggerKeys, what: owner,
                shape: "a mapping with timing, events, for_each and function, and optionally when and comment")
            else { continue }
            var valid = true
            func required(_ key: String, _ example: String) -> YAMLEntry? {
                if let field = fields[key] { return field }
                reader.error("\(owner) has no \(key)", at: item.keyNode, hint: "add \(key): \(example)")
                valid = false
                return nil
            }
            /// The value among `allowed` that `field` names; otherwise an error
            /// listing them (for a view's trigger, the one it must be).
            func choice<T: RawRepresentable>(_ field: YAMLEntry, among allowed: [T]) -> T? where T.RawValue == String {
                guard let text = reader.string(field, of: owner) else { valid = false; return nil }
                if let value = allowed.first(where: { $0.rawValue == text }) { return value }
                valid = false
                let names = allowed.map(\.rawValue)
                if onView {
                    reader.error("'\(field.key)' of \(owner) must be \(names[0]), not '\(text)'", at: field.value,
                                 hint: "a view's triggers are INSTEAD OF triggers for each row: write \(field.key): "
                                     + names[0])
                } else {
                    reader.error(
                        "'\(field.key)' of \(owner) must be one of \(names.joined(separator: ", ")), not '\(text)'",
                        at: field.value,
                        hint: Suggestion.hint(for: text, among: names, otherwise: "write \(field.key): \(names[0])"))
                }
                return nil
            }
            // A view's triggers are INSTEAD OF, for each row; a table's never INSTEAD OF.
            let timing = required("timing", "before").flatMap { field -> TriggerDeclaration.Timing? in
                if !onView, let text = field.value.scalarText,
                   ["instead_of", "instead of", "instead"].contains(text.lowercased()) {
                    reader.error("'\(field.key)' of \(owner) is \(text): INSTEAD OF triggers are for views",
                                 at: field.value,
                                 hint: "a table trigger is before or after; declare an INSTEAD OF trigger under "
                                     + "triggers: of a view")
                    valid = false
                    return nil
                }
                return choice(field, among: onView ? [.insteadOf]
                                  : TriggerDeclaration.Timing.allCases.filter { $0 != .insteadOf })
            }
            let level = required("for_each", "row").flatMap {
                choice($0, among: onView ? [.row] : TriggerDeclaration.Level.allCases)
            }
            var events: [TriggerDeclaration.Event] = []
            if let eventsEntry = required("events", "[insert, update]"),
               let items = reader.stringList(eventsEntry, of: owner, itemName: "event", required: true) {
                let allowed = TriggerDeclaration.Event.allCases.map(\.rawValue)
                for (text, node) in items {
                    guard let event = TriggerDeclaration.Event(rawValue: text) else {
                        reader.error("unknown event '\(text)' in \(owner)", at: node,
                                     hint: Suggestion.hint(for: text, among: allowed,
                                                           otherwise: "events are \(allowed.joined(separator: ", "))"))
                        valid = false
                        continue
                    }
                    if events.contains(event) {
                        reader.error("event '\(text)' is listed twice in \(owner)", at: node, hint: "list each event once")
                        valid = false
                        continue
                    }
                    events.append(event)
                }
                if onView, events.contains(.truncate), let node = items.first(where: { $0.0 == "truncate" })?.1 {
                    reader.error("\(owner) fires on truncate, which PostgreSQL does not support for a view", at: node,
                                 hint: "a view's triggers fire on insert, update or delete")
                    valid = false
                } else if level == .row, events.contains(.truncate),
                          let node = items.first(where: { $0.0 == "truncate" })?.1 {
                    reader.error("\(owner) fires for each row on truncate, which PostgreSQL does not support", at: node,
                                 hint: "use for_each: statement for truncate, or a separate trigger")
                    valid = false
                }
            } else if fields["events"] != nil {
                valid = false
            }
            var function = ""
            if let functionEntry = required("function", "touch_updated_at"),
               let name = reader.string(functionEntry, of: owner) {
                function = name
                // A schema-qualified name is a shared function (`public.audit_row`).
                if !name.contains("."), !functionNames.contains(name) {
                    reader.error(
                        "\(owner) calls function '\(name)', which is not declared under functions:",
                        at: functionEntry.value,
                        hint: Suggestion.hint(
                            for: name, among: functionNames,
                            otherwise: "declare it under functions:, or qualify a shared function (public.\(name))"))
                    valid = false
                }
            }
            guard valid, let timing, let level else { continue }
            var trigger = TriggerDeclaration(name: item.key, timing: timing, events: events, forEach: level,
                                             function: function, location: item.keyNode.location(in: file))
            if let whenEntry = fields["when"] {
                if onView {
                    reader.error("\(owner) has a when: condition, which PostgreSQL does not allow on INSTEAD OF "
                                     + "triggers", at: whenEntry.keyNode,
                                 hint: "remove when:, and test the condition in the trigger's function")
                    continue
                }
                trigger.when = reader.string(whenEntry, of: owner)
            }
            trigger.comment = comment(in: fields, of: owner)
            result.append(trigger)
        }
        return result
    }
}

extension DeclarationLoader {
    static let triggerKeys = ["timing", "events", "for_each", "function", "when", "comment"]
}
