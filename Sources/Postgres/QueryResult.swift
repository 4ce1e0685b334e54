import CLibPQ

/// Rows copied out of a `PGresult` before it is cleared. Values are in text format.
///
/// Read a row by column name with `decode`, into a small struct whose fields are
/// the query's column names (see `Row`); `rows` holds the same values by position.
public struct QueryResult: Sendable {
    /// The column names (`PQfname`), in the order of the select list.
    public var columns: [String]
    public var rows: [[String?]]
    /// The command tag's row count (`UPDATE 3` gives 3), or nil.
    public var affectedRows: Int?

    init(copying raw: OpaquePointer) {
        let fieldCount = PQnfields(raw)
        let rowCount = PQntuples(raw)
        columns = (0..<fieldCount).map { String(cString: PQfname(raw, $0)) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var row: [String?] = []
            row.reserveCapacity(Int(fieldCount))
            for f in 0..<fieldCount {
                if PQgetisnull(raw, r, f) == 1 {
                    row.append(nil)
                } else {
                    row.append(String(cString: PQgetvalue(raw, r, f)))
                }
            }
            rows.append(row)
        }
        self.rows = rows
        affectedRows = Int(String(cString: PQcmdTuples(raw)))
    }

    static let empty = QueryResult(columns: [], rows: [], affectedRows: nil)

    init(columns: [String], rows: [[String?]], affectedRows: Int?) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The first column of the first row, or nil.
    public var scalar: String? { rows.first?.first ?? nil }

    /// The position of the first column named `name` (exactly, as `PQfname`
    /// gives it), or nil when there is none.
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex(of: name)
    }

    /// Every row decoded as a `T`, which reads its columns by name.
    ///
    /// Each name is looked up once for the whole result, not once per row (see
    /// `ColumnLookup`), so decoding costs about as much as reading by position.
    /// - Throws: `RowError` when `T` reads a column the result does not have, or
    ///   finds NULL where it requires a value; any error `T.init` throws.
    @inlinable
    public func decode<T: RowDecodable>(_ type: T.Type = T.self) throws -> [T] {
        try compactDecode { try T($0) }
    }

    /// The rows that `decode` makes a value of, in order; it returns nil to leave
    /// a row out (a catalog row whose deparsed text is NULL, say). Names are looked
    /// up once per result, as in `decode(_:)`.
    @inlinable
    public func compactDecode<T>(_ decode: (Row) throws -> T?) throws -> [T] {
        let lookup = ColumnLookup(columns)
        var decoded: [T] = []
        decoded.reserveCapacity(rows.count)
        for values in rows {
            lookup.startRow()
            if let value = try decode(Row(values: values, lookup: lookup)) { decoded.append(value) }
        }
        return decoded
    }
}
