import Postgres
import State

/// Views and materialized views of a tenant, as `import` declares them.
extension Importer {
    /// The tenant's views as `Reflector` reads them, and each materialized
    /// view's indexes as the index queries of tables read them.
    static func readViews(_ state: SchemaState?, namespace: String,
                          on connection: Connection) throws -> (views: [ViewState], indexes: [String: [Index]]) {
        let views = state?.views ?? []
        guard views.contains(where: \.materialized) else { return (views, [:]) }
        let rows = try connection.query(
            "SELECT c.oid::int8::text, c.relname FROM pg_class c WHERE c.relnamespace = $1::oid AND c.relkind = 'm'",
            [namespace]).rows
        let names = Dictionary(rows.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { a, _ in a })
        let oids = arrayLiteral(Array(names.keys))
        var keys: [String: [IndexKey]] = [:]
        for key in try connection.query(IndexKey.query, [oids]).compactDecode(IndexKey.init) {
            keys[key.index, default: []].append(key)
        }
        var indexes: [String: [Index]] = [:]
        for var index in try connection.query(Index.query, [oids]).compactDecode(Index.init) {
            index.keys = keys[index.oid] ?? []
            if let view = names[index.table] { indexes[view, default: []].append(index) }
        }
        return (views, indexes)
    }

    /// The declared views, each after the views it reads, and what is left out.
    static func buildViews(_ views: [ViewState], indexes: [String: [Index]], triggers: [String: [Trigger]] = [:],
                           functions: Set<String> = [], into built: inout Built) {
        var remaining = views.sorted { $0.name < $1.name }
        var ordered: [ViewState] = []
        while !remaining.isEmpty {
            let i = remaining.firstIndex { v in !v.reads.contains { r in remaining.contains { $0.name == r } } } ?? 0
            ordered.append(remaining.remove(at: i))
        }
        for view in ordered {
            var declared = ViewDeclaration(name: view.name, query: viewQuery(view.definition),
                                           materialized: view.materialized, comment: view.comment)
            var unknown: [String] = []
            for option in view.options {
                switch option {
                case "security_barrier=true": declared.securityBarrier = true
                case "security_invoker=true": declared.securityInvoker = true
                case "check_option=local": declared.checkOption = .local
                case "check_option=cascaded": declared.checkOption = .cascaded
                default: unknown.append(option)
                }
            }
            if !unknown.isEmpty {
                built.skipped.append(ImportNote(
                    object: "\(view.kind) \(view.name)",
                    reason: "schema.yaml cannot express its options \(unknown.joined(separator: ", "))"))
                continue
            }
            for index in (indexes[view.name] ?? []).sorted(by: { $0.name < $1.name }) {
                guard let built1 = buildIndex(index) else {
                    built.skipped.append(ImportNote(
                        object: "index \(index.name) on \(view.name)",
                        reason: "schema.yaml cannot express its definition: \(index.tail)"))
                    continue
                }
                var declaredIndex = built1
                declaredIndex.comment = index.comment
                declared.indexes.append(declaredIndex)
            }
            for trigger in (triggers[view.name] ?? []).sorted(by: { $0.name < $1.name }) {
                switch buildTrigger(trigger, declared: functions, onView: true) {
                case .success(let t): declared.triggers.append(t)
                case .failure(let reason):
                    built.skipped.append(ImportNote(object: "trigger \(trigger.name) on \(view.name)", reason: reason.text))
                }
            }
            built.declaration.views.append(declared)
        }
    }

    /// `pg_get_viewdef`'s text as a `query:`: without the leading space and
    /// the trailing `;` the server writes.
    static func viewQuery(_ definition: String) -> String {
        var text = Substring(definition)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        return DeclarationLoader.withoutTrailingSemicolons(String(text))
    }

    /// `views:` and `materialized_views:`, each query as a literal block when
    /// it reads back exactly so.
    static func viewsSection(_ views: [ViewDeclaration]) -> String {
        var out = ""
        for materialized in [false, true] {
            let these = views.filter { $0.materialized == materialized }
            guard !these.isEmpty else { continue }
            out += materialized ? "materialized_views:\n" : "views:\n"
            for v in these {
                out += "  \(yamlScalar(v.name)):\n"
                if let comment = v.comment { out += "    comment: \(yamlScalar(comment))\n" }
                var options: [(String, String)] = []
                if v.securityBarrier { options.append(("security_barrier", "true")) }
                if v.securityInvoker { options.append(("security_invoker", "true")) }
                if let check = v.checkOption { options.append(("check_option", check.rawValue)) }
                if !options.isEmpty { out += "    options: \(flowMapping(options))\n" }
                out += "    query: \(literalBlock(v.query, indent: "      ") ?? yamlScalar(v.query))\n"
                if !v.indexes.isEmpty {
                    out += "    indexes:\n"
                    for index in v.indexes {
                        out += "      \(yamlScalar(index.name)): \(flowMapping(indexFields(index) + commentField(index.comment)))\n"
                    }
                }
                if !v.triggers.isEmpty {
                    out += "    triggers:\n"
                    for t in v.triggers { out += "      \(yamlScalar(t.name)): \(flowMapping(triggerFields(t)))\n" }
                }
            }
        }
        return out
    }
}
