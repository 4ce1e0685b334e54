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

extension Differ {
    /// The relations PostgreSQL 15 scans, each under SHARE, to check the values
    /// of the domain `name` against a new rule (`ADD CONSTRAINT` validated,
    /// `SET NOT NULL`, `VALIDATE CONSTRAINT`), sorted.
    ///
    /// As `get_rels_with_domain` (typecmds.c) does: the columns of the domain
    /// and of every domain over it, at any depth (`CREATE DOMAIN d2 AS d1`), in
    /// tables and materialized views; a partitioned table is opened but not
    /// kept locked, its partitions are scanned instead. Values held inside an
    /// array or composite type are not checked: PostgreSQL refuses the
    /// statement (`containedUses(ofDomain:in:)`).
    static func relationsChecked(byDomain name: String, in state: SchemaState) -> [String] {
        let types = domainsOver(name, in: state)
        var relations: Set<String> = []
        for t in state.tables where t.columns.contains(where: { types.contains($0.type) }) {
            if t.partitionBy != nil {
                relations.formUnion(t.partitions?.map(\.name) ?? [])
            } else {
                relations.insert(t.name)
            }
        }
        for v in state.views where v.materialized && v.columns.contains(where: { types.contains(viewColumn($0).type) }) {
            relations.insert(v.name)
        }
        return relations.sorted()
    }

    /// The columns of tables and materialized views that hold values of the
    /// domain `name`, or of a domain over it, inside another type: an array, a
    /// composite type, a domain over one of those, a table's or view's row
    /// type, at any depth.
    ///
    /// PostgreSQL 15 refuses to check the domain's values against a new rule
    /// while such a column exists, whether it holds rows or not
    /// (`find_composite_type_dependencies`: cannot alter type "d" because
    /// column "t.c" uses it, 0A000).
    static func containedUses(ofDomain name: String, in state: SchemaState) -> [TypeUse] {
        let domains = domainsOver(name, in: state)
        // The types that hold the domains inside them, to a fixed point.
        var holders: Set<String> = []
        func holds(_ type: String) -> Bool {
            domains.contains(type) || holders.contains(type) || (type.hasSuffix("[]") && holds(String(type.dropLast(2))))
        }
        while true {
            let more = state.tables.filter { $0.columns.contains { holds($0.type) } }.map(\.name)
                + state.compositeTypes.filter { $0.attributes.contains { holds($0.type) } }.map(\.name)
                + state.domains.filter { holds($0.type) }.map(\.name)
                + state.views.filter { $0.columns.contains { holds(viewColumn($0).type) } }.map(\.name)
            let new = Set(more.map(canonicalIdentifier)).subtracting(domains).subtracting(holders)
            if new.isEmpty { break }
            holders.formUnion(new)
        }
        func contained(_ type: String) -> Bool { holds(type) && !domains.contains(type) }
        let columns = state.tables.flatMap { t in
            t.columns.filter { contained($0.type) }.map { TypeUse(kind: .column, owner: t.name, member: $0.name) }
        }
        let viewColumns = state.views.filter(\.materialized).flatMap { v in
            v.columns.map(viewColumn).filter { contained($0.type) }.map { TypeUse(kind: .column, owner: v.name, member: $0.name) }
        }
        return (columns + viewColumns).sorted { $0.description < $1.description }
    }

    /// The domain `name` and the domains over it, at any depth, as
    /// `format_type` names them in a column's type.
    static func domainsOver(_ name: String, in state: SchemaState) -> Set<String> {
        var types: Set<String> = [canonicalIdentifier(name)]
        while let over = state.domains.first(where: { types.contains($0.type) && !types.contains(canonicalIdentifier($0.name)) }) {
            types.insert(canonicalIdentifier(over.name))
        }
        return types
    }

    /// A view's column as `ViewState.columns` holds it
    /// (`quote_ident(name) || ' ' || format_type(...)`): its name as written
    /// there, and its type.
    static func viewColumn(_ column: String) -> (name: String, type: String) {
        var rest = Substring(column)
        if rest.first == "\"" {
            // A quoted name ends at a quote that is not doubled.
            rest = rest.dropFirst()
            while let quote = rest.firstIndex(of: "\"") {
                rest = rest[rest.index(after: quote)...]
                if rest.first == "\"" { rest = rest.dropFirst() } else { break }
            }
        } else {
            rest = rest.drop { $0 != " " }
        }
        return (String(column[..<rest.startIndex]), String(rest.dropFirst()))
    }
}
