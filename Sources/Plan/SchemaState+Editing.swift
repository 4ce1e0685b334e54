import State

extension SchemaState {
    mutating func updateTable(_ name: String, _ body: (inout TableState) -> Void) {
        guard let i = tables.firstIndex(where: { $0.name == name }) else { return }
        body(&tables[i])
    }
}

extension TableState {
    mutating func replaceColumn(_ column: ColumnState) {
        if let i = columns.firstIndex(where: { $0.name == column.name }) {
            columns[i] = column
        } else {
            columns.append(column)
        }
    }
}
