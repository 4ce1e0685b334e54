import Foundation
import Yams

/// `views:` and `materialized_views:`: one view per key, its query as SQL.
extension DeclarationLoader.Parser {
    func parseViews(_ entry: YAMLEntry, materialized: Bool) -> [ViewDeclaration] {
        let kind = materialized ? "materialized view" : "view"
        let allowed = materialized ? DeclarationLoader.materializedViewKeys : DeclarationLoader.viewKeys
        guard let entries = reader.entries(
            of: entry.value, what: "'\(materialized ? "materialized_views" : "views")'",
            shape: "a mapping of \(kind) names to { query: ... }")
        else { return [] }
        var result: [ViewDeclaration] = []
        for item in entries {
            let owner = "\(kind) '\(item.key)'"
            reader.checkName(item.key, kind: "\(kind) name", at: item.keyNode)
            let location = item.keyNode.location(in: file)
            // Views share the schema's namespace of relations with tables, indexes and sequences.
            claim(item.key, .table, owner, at: location)
            guard let fields = reader.fields(
                of: item.value, allowed: allowed + (materialized ? ["triggers"] : []), what: owner,
                shape: "a mapping with query: (its SELECT) and optionally "
                    + allowed.dropFirst().joined(separator: ", "))
            else { continue }
            var view = ViewDeclaration(name: item.key, query: "", materialized: materialized, location: location)
            guard let queryEntry = fields["query"] else {
                reader.error("\(owner) has no query", at: item.keyNode,
                             hint: "add query: with the SELECT that defines it")
                continue
            }
            guard let query = reader.string(queryEntry, of: owner) else { continue }
            view.query = DeclarationLoader.withoutTrailingSemicolons(query)
            view.queryLocation = literalBlockLocation(of: queryEntry)
            if let optionsEntry = fields["options"] { parseViewOptions(optionsEntry, into: &view, owner: owner) }
            if let indexesEntry = fields["indexes"] {
                view.indexes = parseIndexes(indexesEntry, table: item.key, declared: nil, kind: kind)
            }
            if let withData = fields["with_data"], let value = reader.bool(withData, of: owner) {
                view.withData = value
            }
            view.comment = comment(in: fields, of: owner)
            if let triggersEntry = fields["triggers"] {
                if materialized {
                    reader.error("\(owner) has triggers, which PostgreSQL does not allow on a materialized view",
                                 at: triggersEntry.keyNode,
                                 hint: "remove triggers:, or make it a view (views: takes INSTEAD OF triggers)")
                } else {
                    view.triggers = parseTriggers(triggersEntry, table: item.key, declared: [], onView: true)
                }
            }
            result.append(view)
        }
        return result
    }

    func parseViewOptions(_ entry: YAMLEntry, into view: inout ViewDeclaration, owner: String) {
        guard let options = reader.fields(
            of: entry.value, allowed: DeclarationLoader.viewOptionKeys, what: "'options' of \(owner)",
            shape: "a mapping with security_barrier: true, security_invoker: true or check_option: local|cascaded")
        else { return }
        if let e = options["security_barrier"], let value = reader.bool(e, of: owner) { view.securityBarrier = value }
        if let e = options["security_invoker"], let value = reader.bool(e, of: owner) { view.securityInvoker = value }
        if let e = options["check_option"], let value = reader.string(e, of: owner) {
            if let option = ViewDeclaration.CheckOption(rawValue: value) {
                view.checkOption = option
            } else {
                reader.error("unknown check_option '\(value)' of \(owner)", at: e.value,
                             hint: "write check_option: local or check_option: cascaded")
            }
        }
    }

    /// Where a literal block's first line stands (`sql: |`): its lines are the
    /// file's lines, after the indicator's line. Nil for other scalars.
    func literalBlockLocation(of entry: YAMLEntry) -> SourceLocation? {
        guard case .scalar(let scalar) = entry.value, scalar.style == .literal, let mark = entry.value.mark else {
            return nil
        }
        let line = mark.line + 1
        let indent = line <= sourceLines.count ? sourceLines[line - 1].prefix { $0 == " " }.count : 0
        return SourceLocation(file: file, line: line, column: indent + 1)
    }
}

extension DeclarationLoader {
    static let viewKeys = ["query", "options", "comment", "triggers"]
    static let materializedViewKeys = ["query", "indexes", "with_data", "comment"]
    static let viewOptionKeys = ["security_barrier", "security_invoker", "check_option"]

    /// `text` without its trailing `;` and white space.
    public static func withoutTrailingSemicolons(_ text: String) -> String {
        var body = Substring(text)
        while let last = body.last, last.isWhitespace || last == ";" { body.removeLast() }
        return String(body)
    }
}
