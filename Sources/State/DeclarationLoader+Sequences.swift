import Yams

/// `sequences:`: standalone sequences, one per key.
extension DeclarationLoader.Parser {
    func parseSequences(_ entry: YAMLEntry, tables: [TableDeclaration]) -> [SequenceDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'sequences'",
            shape: "a mapping of sequence names to { type: bigint, start: 1, ... } ({} for the defaults)")
        else { return [] }
        var result: [SequenceDeclaration] = []
        for item in entries {
            let name = item.key
            let owner = "sequence '\(name)'"
            reader.checkName(name, kind: "sequence name", at: item.keyNode)
            let location = item.keyNode.location(in: file)
            // Sequences share the schema's namespace of relations with tables, indexes and views.
            claim(name, .table, owner, at: location)
            var sequence = SequenceDeclaration(name: name, location: location)
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.sequenceKeys, what: owner,
                shape: "a mapping with, optionally, " + DeclarationLoader.sequenceKeys.joined(separator: ", "),
                nullIsEmpty: true)
            else { continue }
            if let typeEntry = fields["type"], let type = reader.string(typeEntry, of: owner) {
                if let canonical = Self.sequenceTypes[type.lowercased()] {
                    sequence.type = canonical
                } else {
                    reader.error("\(owner) cannot be of type \(type)", at: typeEntry.value,
                                 hint: "a sequence is smallint, integer or bigint")
                }
            }
            sequence.start = fields["start"].flatMap { integer($0, of: owner) }
            sequence.increment = fields["increment"].flatMap { integer($0, of: owner) }
            sequence.minValue = fields["min_value"].flatMap { integer($0, of: owner) }
            sequence.maxValue = fields["max_value"].flatMap { integer($0, of: owner) }
            sequence.cache = fields["cache"].flatMap { integer($0, of: owner) }
            if sequence.increment == 0, let e = fields["increment"] {
                reader.error("'increment' of \(owner) cannot be 0", at: e.value,
                             hint: "write a positive step, or a negative one for a descending sequence")
            }
            if let cache = sequence.cache, cache < 1, let e = fields["cache"] {
                reader.error("'cache' of \(owner) must be at least 1", at: e.value,
                             hint: "cache: 1 hands out one value at a time (the default)")
            }
            if let cycleEntry = fields["cycle"], let value = reader.bool(cycleEntry, of: owner) {
                sequence.cycle = value
            }
            if let ownedEntry = fields["owned_by"], let ownedBy = reader.string(ownedEntry, of: owner) {
                checkOwner(ownedBy, at: ownedEntry.value, owner: owner)
                sequence.ownedBy = ownedBy
            }
            sequence.comment = comment(in: fields, of: owner)
            if let ownedEntry = fields["owned_by"], Self.isSerialShaped(sequence, tables: tables) {
                let serial = PostgresTypeName.serialType(forInteger: sequence.state.type)?.name ?? "bigserial"
                reader.error("\(owner) is what a \(serial) column is: owned by the column whose default takes its "
                                 + "values, with the options serial gives", at: ownedEntry.value,
                             hint: "declare the column as type: \(serial) and remove the sequence, or give the "
                                 + "sequence an option of its own (start:, cache:, comment:...)")
            }
            result.append(sequence)
        }
        return result
    }

    /// Whether the server would see a serial column's sequence: owned by a
    /// column whose default takes its values, with serial's options and no
    /// comment (`SequenceState.hasSerialOptions`). The catalogs cannot tell the
    /// two apart (see `Reflector.SequenceRow`).
    static func isSerialShaped(_ s: SequenceDeclaration, tables: [TableDeclaration]) -> Bool {
        guard let table = s.ownerTable, let column = s.ownerColumn,
              let expression = tables.first(where: { $0.name == table })?.columns
                .first(where: { $0.name == column })?.defaultExpression else { return false }
        let text = expression.lowercased().replacingOccurrences(of: " ", with: "")
        let name = s.name.lowercased()
        guard text.contains("nextval("), text.contains("'\(name)'") || text.contains("'\"\(name)\"'") else { return false }
        return s.state.hasSerialOptions
    }

    /// A whole number that fits a bigint.
    func integer(_ entry: YAMLEntry, of owner: String) -> Int64? {
        guard let text = reader.string(entry, of: owner) else { return nil }
        guard let value = Int64(text) else {
            reader.error("'\(entry.key)' of \(owner) must be a whole number, not '\(text)'", at: entry.value,
                         hint: "write a number between \(Int64.min) and \(Int64.max), without quotes")
            return nil
        }
        return value
    }

    /// `owned_by:` names a declared table's column, as `table.column`.
    func checkOwner(_ ownedBy: String, at node: Node, owner: String) {
        let parts = ownedBy.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            reader.error("'owned_by' of \(owner) must be table.column, not '\(ownedBy)'", at: node,
                         hint: "name the column whose drop drops the sequence, e.g. owned_by: invoices.number")
            return
        }
        guard let columns = tableColumns[parts[0]] else {
            reader.error("'owned_by' of \(owner) names table '\(parts[0])', which is not declared", at: node,
                         hint: Suggestion.hint(for: parts[0], among: tableNames,
                                               otherwise: "a sequence can only be owned by a column of a table in tables:"))
            return
        }
        if !columns.contains(parts[1]) {
            reader.error("'owned_by' of \(owner) names column '\(parts[1])', which table '\(parts[0])' does not declare",
                         at: node, hint: Suggestion.hint(for: parts[1], among: columns,
                                                         otherwise: "declare the column, or name another one"))
        }
    }

    static let sequenceTypes = ["smallint": "smallint", "int2": "smallint", "integer": "integer", "int": "integer",
                                "int4": "integer", "bigint": "bigint", "int8": "bigint"]
}

extension DeclarationLoader {
    static let sequenceKeys = ["type", "start", "increment", "min_value", "max_value", "cache", "cycle", "owned_by",
                               "comment"]
}
