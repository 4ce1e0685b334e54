import State

/// Standalone sequences: imported from the tenant's reflected state, each
/// option written only where it is not PostgreSQL's default for the
/// sequence's type and direction, so that the declaration realises exactly as
/// the tenant reads. Serial and identity sequences stay their column's.
extension Importer {
    static func buildSequences(_ sequences: [SequenceState], into built: inout Built) {
        let columns = Dictionary(built.declaration.tables.map { ($0.name, Set($0.columns.map(\.name))) },
                                 uniquingKeysWith: { a, _ in a })
        for s in sequences {
            var declared = SequenceDeclaration(name: s.name, type: s.type, cycle: s.cycle, comment: s.comment)
            let ascending = s.increment > 0
            let typeMinimum: Int64 = switch s.type {
            case "smallint": Int64(Int16.min)
            case "integer": Int64(Int32.min)
            default: Int64.min
            }
            let typeMaximum = SequenceState.typeMaximum(s.type) ?? Int64.max
            let defaultMin: Int64 = ascending ? 1 : typeMinimum
            let defaultMax: Int64 = ascending ? typeMaximum : -1
            if s.increment != 1 { declared.increment = s.increment }
            if s.minValue != defaultMin { declared.minValue = s.minValue }
            if s.maxValue != defaultMax { declared.maxValue = s.maxValue }
            if s.start != (ascending ? s.minValue : s.maxValue) { declared.start = s.start }
            if s.cache != 1 { declared.cache = s.cache }
            if let owner = s.ownedBy, let dot = owner.firstIndex(of: ".") {
                let table = String(owner[..<dot]), column = String(owner[owner.index(after: dot)...])
                if columns[table]?.contains(column) == true {
                    declared.ownedBy = owner
                } else {
                    built.caveats.append(ImportNote(
                        object: "sequence \(s.name)",
                        reason: "it is owned by \(owner), which is not imported; imported without owned_by"))
                }
            }
            built.declaration.sequences.append(declared)
        }
    }

    /// The `sequences:` section, or nothing.
    static func sequencesSection(_ sequences: [SequenceDeclaration]) -> String {
        guard !sequences.isEmpty else { return "" }
        var out = "sequences:\n"
        for s in sequences {
            var fields: [(String, String)] = []
            if let value = s.type { fields.append(("type", yamlScalar(value))) }
            if let value = s.start { fields.append(("start", String(value))) }
            if let value = s.increment { fields.append(("increment", String(value))) }
            if let value = s.minValue { fields.append(("min_value", String(value))) }
            if let value = s.maxValue { fields.append(("max_value", String(value))) }
            if let value = s.cache { fields.append(("cache", String(value))) }
            if s.cycle { fields.append(("cycle", "true")) }
            if let value = s.ownedBy { fields.append(("owned_by", yamlScalar(value))) }
            if let value = s.comment { fields.append(("comment", yamlScalar(value))) }
            out += "  \(yamlScalar(s.name)): \(flowMapping(fields))\n"
        }
        return out
    }
}
