/// One row of a `QueryResult`, read by column name.
///
/// A query's rows are decoded into a small struct whose fields are the query's
/// column names (GRDB's `Row` reads the same way), so adding or moving a column
/// never shifts the others. Values are in text format, as the server sends them.
/// A `Row` lives only while `QueryResult.decode` runs: it shares its result's
/// `ColumnLookup`, which is not thread-safe.
public struct Row {
    @usableFromInline let values: [String?]
    @usableFromInline let lookup: ColumnLookup

    @usableFromInline
    init(values: [String?], lookup: ColumnLookup) {
        self.values = values
        self.lookup = lookup
    }

    /// The value of the column named `name`; nil for NULL.
    /// - Throws: `RowError.missingColumn` when the result has no such column.
    @inlinable
    public subscript(_ name: String) -> String? {
        get throws(RowError) { values[try lookup.index(of: name)] }
    }

    /// The value of a column that is never NULL, such as a catalog's oid or name.
    /// - Throws: `RowError.missingColumn`, or `RowError.unexpectedNull` for NULL.
    @inlinable
    public func value(_ name: String) throws(RowError) -> String {
        guard let value = try self[name] else { throw .unexpectedNull(column: name) }
        return value
    }

    /// The character of a `"char"` column that always holds one (`relkind`, `contype`).
    /// - Throws: `RowError.missingColumn`, or `RowError.unexpectedNull` for NULL
    ///   or an empty text (the zero byte, which some `"char"` columns hold).
    @inlinable
    public func character(_ name: String) throws(RowError) -> Character {
        guard let character = try self[name]?.first else { throw .unexpectedNull(column: name) }
        return character
    }

    /// Whether a boolean column is true (`t`); NULL reads as false.
    /// - Throws: `RowError.missingColumn` when the result has no such column.
    @inlinable
    public func bool(_ name: String) throws(RowError) -> Bool {
        try self[name] == "t"
    }
}

/// A type that one row of a query's result decodes into, by column name.
///
/// ```swift
/// struct Table: RowDecodable {
///     var oid: String
///     var comment: String?
///     init(_ row: Row) throws {
///         oid = try row.value("oid")
///         comment = try row["comment"]
///     }
/// }
/// let tables = try connection.query(sql).decode(Table.self)
/// ```
public protocol RowDecodable {
    init(_ row: Row) throws
}
