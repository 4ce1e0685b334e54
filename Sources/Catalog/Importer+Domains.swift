import Plan
import State

/// Domains: imported from the tenant's reflected state, in the server's
/// canonical text, so that the declaration realises exactly as the tenant reads.
extension Importer {
    static func buildDomains(_ domains: [DomainState], into built: inout Built) {
        var declared: [DomainDeclaration] = []
        for d in domains {
            var domain = DomainDeclaration(name: d.name, type: d.type, nullable: !d.notNull,
                                           defaultExpression: d.defaultExpression, collation: d.collation,
                                           comment: d.comment)
            for check in d.checks {
                guard let expression = checkExpression(check.definition) else {
                    built.skipped.append(ImportNote(
                        object: "check \(check.name) of domain \(d.name)",
                        reason: "schema.yaml cannot express its definition (NOT VALID): \(check.definition)"))
                    continue
                }
                domain.checks.append(CheckDeclaration(name: check.name, expression: expression))
            }
            declared.append(domain)
        }
        // A domain based on another comes after it: the order they are created in.
        var ordered: [DomainDeclaration] = []
        var pending = declared
        while !pending.isEmpty {
            let placed = Set(ordered.map(\.name))
            let names = Set(pending.map(\.name))
            let ready = pending.filter { d in
                let base = names.first { d.type == Differ.canonicalIdentifier($0) || d.type == Differ.canonicalIdentifier($0) + "[]" }
                return base == nil || base == d.name || placed.contains(base!)
            }
            let next = ready.isEmpty ? pending : ready
            ordered += next
            pending.removeAll { p in next.contains { $0.name == p.name } }
        }
        built.declaration.domains = ordered
    }

    /// `CHECK (expr)` as `expr`; nil for a text of another shape (` NOT VALID`).
    static func checkExpression(_ definition: String) -> String? {
        guard definition.hasPrefix("CHECK ("), definition.hasSuffix(")") else { return nil }
        return String(definition.dropFirst("CHECK (".count).dropLast())
    }

    /// The `domains:` section, or nothing.
    static func domainsSection(_ domains: [DomainDeclaration]) -> String {
        guard !domains.isEmpty else { return "" }
        var out = "domains:\n"
        for d in domains {
            var fields: [(String, String)] = [("type", yamlScalar(d.type))]
            if !d.nullable { fields.append(("nullable", "false")) }
            if let value = d.defaultExpression { fields.append(("default", yamlScalar(value))) }
            if let value = d.collation { fields.append(("collation", yamlScalar(value))) }
            if !d.checks.isEmpty {
                fields.append(("checks", flowMapping(d.checks.map { (yamlScalar($0.name), yamlScalar($0.expression)) })))
            }
            if let value = d.comment { fields.append(("comment", yamlScalar(value))) }
            out += "  \(yamlScalar(d.name)): \(flowMapping(fields))\n"
        }
        return out
    }
}
