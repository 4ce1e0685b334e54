extension TableDeclaration {
    /// Whether `columns` are exactly the columns of one of the table's keys, in
    /// any order: what a foreign key to this table must reference.
    ///
    /// PostgreSQL's rule: the referenced columns must carry a primary key, a
    /// unique constraint, or a unique index without a predicate whose elements
    /// are all plain columns (an ordering such as `DESC` does not matter; an
    /// expression, operator class or collation makes the index no key). Index
    /// elements are read as `DeclarationLoader` reads them
    /// (`plainColumn(ofIndexElement:)`). Both the loader's validation and the
    /// importer ask this, so that an imported foreign key always validates.
    /// See https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK
    /// A deferrable key is no key for a foreign key (PostgreSQL refuses it).
    public func hasKey(on columns: [String]) -> Bool {
        let wanted = Set(columns)
        var keys: [Set<String>] = ([primaryKey].compactMap { $0 } + uniques)
            .filter { !$0.timing.deferrable }.map { Set($0.columns) }
        for index in indexes where index.unique && index.predicate == nil {
            let columns = index.columns.map { element -> String? in
                if column(named: element) != nil { return element }
                return DeclarationLoader.plainColumn(ofIndexElement: element).map(\.name)
            }
            if columns.allSatisfy({ $0 != nil }) { keys.append(Set(columns.compactMap { $0 })) }
        }
        return keys.contains(wanted)
    }
}
