/// A row does not hold what its decoder reads: a mismatch between a query and
/// the struct that decodes its rows, which is a bug in the program.
public enum RowError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The result has no column of that name; `columns` are the ones it has.
    case missingColumn(String, columns: [String])
    /// The column is NULL where the decoder requires a value.
    case unexpectedNull(column: String)

    public var description: String {
        switch self {
        case .missingColumn(let name, let columns):
            "the query result has no column named \(name) (its columns: \(columns.joined(separator: ", ")))"
        case .unexpectedNull(let column):
            "the query result's column \(column) is NULL, where a value is required"
        }
    }
}
