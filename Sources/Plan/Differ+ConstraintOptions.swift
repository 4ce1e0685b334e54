import State

/// Constraint and index options changed in place: a foreign key's timing by
/// `ALTER CONSTRAINT`, an index's storage parameters by `ALTER INDEX SET|RESET`.
/// Anything else that differs rebuilds the constraint or index.
extension Differ.Run {
    /// Plans `ALTER CONSTRAINT` when a foreign key differs from its declaration
    /// in `DEFERRABLE`/`INITIALLY DEFERRED` alone. Unique and primary keys have
    /// no such form in PostgreSQL: they are rebuilt.
    mutating func changesTimingOnly(_ have: ConstraintState, _ want: ConstraintState, _ decl: ConstraintDeclaration,
                                    table: String) -> Bool {
        guard have.kind == .foreignKey, want.kind == .foreignKey, case .foreignKey(let f) = decl,
              !touchesRecreatedColumn(have.definition, table: table) else { return false }
        let current = ConstraintTiming.split(have.definition), wanted = ConstraintTiming.split(want.definition)
        guard current.timing != wanted.timing, sameAfterRenames(current.definition, wanted.definition) else {
            return false
        }
        add(.alterConstraintTiming(table: table, name: f.name, f.timing), .addForeignKeys)
        return true
    }

    /// Plans `ALTER INDEX ... SET (...)` and `RESET (...)` when an index differs
    /// from its declaration in its storage parameters alone.
    mutating func changesStorageOnly(_ have: IndexState, _ want: IndexState, _ decl: IndexDeclaration,
                                     table: String) -> Bool {
        guard !have.invalid, !touchesRecreatedColumn(have.definition, table: table) else { return false }
        let current = Self.splitStorage(have.definition), wanted = Self.splitStorage(want.definition)
        guard sameAfterRenames(current.definition, wanted.definition) else { return false }
        let reset = current.parameters.keys.filter { decl.storage[$0] == nil }.sorted()
        let set = decl.storage.filter { current.parameters[$0.key] != $0.value }
        if !reset.isEmpty { add(.setIndexStorage(index: decl.name, set: [:], reset: reset), .createIndexes) }
        if !set.isEmpty { add(.setIndexStorage(index: decl.name, set: set, reset: []), .createIndexes) }
        return !reset.isEmpty || !set.isEmpty
    }

    /// An index definition without its ` WITH (...)` clause, and the parameters
    /// that clause sets, their values unquoted (`fillfactor='70'` is `70`).
    static func splitStorage(_ definition: String) -> (definition: String, parameters: [String: String]) {
        guard let start = definition.range(of: " WITH (") else { return (definition, [:]) }
        var parameters: [String: String] = [:]
        var rest = definition[start.upperBound...]
        while let equals = rest.firstIndex(of: "=") {
            let name = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "'" {
                rest = rest.dropFirst()
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if c == "'" {
                        if rest.first == "'" { value.append("'"); rest = rest.dropFirst(); continue }
                        break
                    }
                    value.append(c)
                }
            } else {
                value = String(rest.prefix { $0 != "," && $0 != ")" })
                rest = rest.dropFirst(value.count)
            }
            parameters[name] = value
            if rest.hasPrefix(", ") { rest = rest.dropFirst(2); continue }
            break
        }
        guard rest.first == ")" else { return (definition, [:]) }
        let remainder = rest.dropFirst()
        return (String(definition[..<start.lowerBound]) + remainder, parameters)
    }
}
