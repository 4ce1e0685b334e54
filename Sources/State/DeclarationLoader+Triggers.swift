import Yams

/// A table's `triggers:`.
extension DeclarationLoader.Parser {
    func parseTriggers(_ entry: YAMLEntry, table: String, declared: [String]) -> [TriggerDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'triggers' of table '\(table)'",
            shape: "a mapping of trigger names to { timing: ..., events: [...], for_each: ..., function: ... }")
        else { return [] }
        var result: [TriggerDeclaration] = []
        for item in entries {
            let owner = "trigger '\(item.key)' of table '\(table)'"
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
                if let value = T(rawValue: text) { return value }
                let allowed = T.allCases.map(\.rawValue)
                if T.self == TriggerDeclaration.Timing.self,
                   ["instead_of", "instead of", "instead"].contains(text.lowercased()) {
                    reader.error("'\(field.key)' of \(owner) is \(text): INSTEAD OF triggers are for views, and "
                                     + "triggers on views are not supported yet", at: field.value,
                                 hint: "a table trigger is before or after; keep a view's INSTEAD OF trigger out of "
                                     + "schema.yaml and create it by hand (see Triggers in docs/schema-yaml.md)")
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
                if level == .row, events.contains(.truncate), let node = items.first(where: { $0.0 == "truncate" })?.1 {
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
            if let whenEntry = fields["when"] { trigger.when = reader.string(whenEntry, of: owner) }
            if let commentEntry = fields["comment"] {
                trigger.comment = reader.string(commentEntry, of: owner, allowEmpty: true)
            }
            result.append(trigger)
        }
        return result
    }
}

extension DeclarationLoader {
    static let triggerKeys = ["timing", "events", "for_each", "function", "when", "comment"]
}
