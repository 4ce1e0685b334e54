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
            func choice<T: RawRepresentable & CaseIterable>(_ field: YAMLEntry, _: T.Type) -> T? where T.RawValue == String {
                guard let text = reader.string(field, of: owner) else { valid = false; return nil }
                var allowed = T.allCases.map(\.rawValue)
                if T.self == TriggerDeclaration.Timing.self {
                    // A view's triggers are INSTEAD OF, a table's never.
                    allowed = onView ? [TriggerDeclaration.Timing.insteadOf.rawValue]
                        : allowed.filter { $0 != TriggerDeclaration.Timing.insteadOf.rawValue }
                } else if T.self == TriggerDeclaration.Level.self, onView {
                    allowed = [TriggerDeclaration.Level.row.rawValue]
                }
                if allowed.contains(text), let value = T(rawValue: text) { return value }
                if T.self == TriggerDeclaration.Timing.self, !onView,
                   ["instead_of", "instead of", "instead"].contains(text.lowercased()) {
                    reader.error("'\(field.key)' of \(owner) is \(text): INSTEAD OF triggers are for views",
                                 at: field.value,
                                 hint: "a table trigger is before or after; declare an INSTEAD OF trigger under "
                                     + "triggers: of a view")
                    valid = false
                    return nil
                }
                if onView && T.self != TriggerDeclaration.Event.self {
                    reader.error("'\(field.key)' of \(owner) must be \(allowed[0]), not '\(text)'", at: field.value,
                                 hint: "a view's triggers are INSTEAD OF triggers for each row: write \(field.key): "
                                     + allowed[0])
                    valid = false
                    return nil
                }
                reader.error("'\(field.key)' of \(owner) must be one of \(allowed.joined(separator: ", ")), not '\(text)'",
                             at: field.value,
                             hint: Suggestion.hint(for: text, among: allowed,
                                                   otherwise: "write \(field.key): \(allowed[0])"))
                valid = false
                return nil
            }
            let timing = required("timing", "before").flatMap { choice($0, TriggerDeclaration.Timing.self) }
            let level = required("for_each", "row").flatMap { choice($0, TriggerDeclaration.Level.self) }
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
