/// The positions of a result's columns, found by name once per result.
///
/// Every row of a result is decoded by the same `init`, which reads the same
/// columns in the same order row after row. So the k-th lookup of a row is
/// remembered with its position, and the next row's k-th lookup only checks
/// that it asks for the same name (one string comparison, which for the same
/// literal is an identity check) before it reuses the position: no hashing or
/// search per value. Any other lookup (a column read only in some rows) searches
/// the names and is remembered in turn. With duplicate names, the first wins.
///
/// On the hot path of reflection (every catalog value of every tenant), so the
/// lookup is inlinable and its state is exempt from dynamic exclusivity checks:
/// it is only ever used by the one `decode` call that made it, on one thread.
@usableFromInline
final class ColumnLookup {
    @usableFromInline let names: [String]
    /// The lookups of the previous row, in the order it made them.
    @usableFromInline @exclusivity(unchecked) var remembered: [(name: String, index: Int)] = []
    /// How many lookups the current row has made.
    @usableFromInline @exclusivity(unchecked) var next = 0

    @usableFromInline
    init(_ names: [String]) {
        self.names = names
    }

    /// Starts the lookups of the next row.
    @inlinable
    func startRow() {
        next = 0
    }

    @inlinable
    func index(of name: String) throws(RowError) -> Int {
        let k = next
        next = k + 1
        if k < remembered.count, remembered[k].name == name { return remembered[k].index }
        return try search(name, lookup: k)
    }

    /// The position of `name`, searched for, and remembered as lookup `k`.
    @usableFromInline
    func search(_ name: String, lookup k: Int) throws(RowError) -> Int {
        guard let index = names.firstIndex(of: name) else {
            throw .missingColumn(name, columns: names)
        }
        if k < remembered.count {
            remembered[k] = (name, index)
        } else if k == remembered.count {
            remembered.append((name, index))
        }
        return index
    }
}
