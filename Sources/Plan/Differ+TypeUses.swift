import State

extension Differ {
    /// Something of a state that holds values of a type: a table's column, an
    /// attribute of a composite type, or a domain over it. PostgreSQL refuses
    /// to drop the type, or to retype an attribute of a composite type, while
    /// any of them does.
    struct TypeUse: Equatable {
        enum Kind: String { case column, attribute, domain }
        var kind: Kind
        /// The table, composite type or domain.
        var owner: String
        /// The column or attribute; nil for a domain.
        var member: String?

        /// `column t.c`, `attribute y.a`, `domain d`: for a reason.
        var description: String { "\(kind.rawValue) \(owner)" + (member.map { ".\($0)" } ?? "") }
    }

    /// What in `state` holds values of the type `name` (or arrays of it):
    /// columns of tables, attributes of other composite types and domains, by
    /// their descriptions.
    static func uses(ofType name: String, in state: SchemaState) -> [TypeUse] {
        let type = canonicalIdentifier(name)
        func uses(_ text: String) -> Bool { text == type || text == type + "[]" }
        var result: [TypeUse] = []
        for t in state.tables {
            result += t.columns.filter { uses($0.type) }.map { TypeUse(kind: .column, owner: t.name, member: $0.name) }
        }
        for y in state.compositeTypes where y.name != name {
            result += y.attributes.filter { uses($0.type) }
                .map { TypeUse(kind: .attribute, owner: y.name, member: $0.name) }
        }
        result += state.domains.filter { $0.name != name && uses($0.type) }
            .map { TypeUse(kind: .domain, owner: $0.name) }
        return result.sorted { $0.description < $1.description }
    }
}
