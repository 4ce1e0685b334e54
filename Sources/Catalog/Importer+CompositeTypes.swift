import Plan
import State

/// Composite types: imported from the tenant's reflected state, attribute
/// types in the server's canonical text, in the order the tenant has them.
extension Importer {
    static func buildCompositeTypes(_ types: [CompositeTypeState], into built: inout Built) {
        let declared = types.map { t in
            CompositeTypeDeclaration(name: t.name, attributes: t.attributes.map { .init(name: $0.name, type: $0.type) },
                                     comment: t.comment)
        }
        // A type with an attribute of another comes after it: the order they are created in.
        var ordered: [CompositeTypeDeclaration] = []
        var pending = declared
        while !pending.isEmpty {
            let placed = Set(ordered.map(\.name))
            let names = Set(pending.map(\.name))
            let ready = pending.filter { t in
                t.attributes.allSatisfy { a in
                    let used = names.first { a.type == Differ.canonicalIdentifier($0) || a.type == Differ.canonicalIdentifier($0) + "[]" }
                    return used == nil || used == t.name || placed.contains(used!)
                }
            }
            let next = ready.isEmpty ? pending : ready
            ordered += next
            pending.removeAll { p in next.contains { $0.name == p.name } }
        }
        built.declaration.compositeTypes = ordered
    }

    /// The `types:` section, or nothing.
    static func compositeTypesSection(_ types: [CompositeTypeDeclaration]) -> String {
        guard !types.isEmpty else { return "" }
        var out = "types:\n"
        for t in types {
            var fields: [(String, String)] = [
                ("attributes", flowMapping(t.attributes.map { (yamlScalar($0.name), yamlScalar($0.type)) })),
            ]
            if let value = t.comment { fields.append(("comment", yamlScalar(value))) }
            out += "  \(yamlScalar(t.name)): \(flowMapping(fields))\n"
        }
        return out
    }
}
