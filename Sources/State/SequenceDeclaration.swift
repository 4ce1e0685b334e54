/// A sequence of `sequences:`: a standalone sequence, not a serial or identity
/// column's (those belong to their column).
///
/// Unset options take PostgreSQL's defaults for the sequence's type; the
/// server's rendering of the sequence realised in the scratch schema is what
/// gets compared (see `SequenceState`). Its current value is data: never
/// declared, compared or reset.
public struct SequenceDeclaration: Sendable, Equatable {
    public var name: String
    /// `smallint`, `integer` or `bigint` as written; nil: bigint.
    public var type: String?
    public var start: Int64?
    public var increment: Int64?
    public var minValue: Int64?
    public var maxValue: Int64?
    public var cache: Int64?
    public var cycle: Bool
    /// The column (`table.column`) the sequence is `OWNED BY`: dropped with it.
    public var ownedBy: String?
    public var comment: String?
    public var location: SourceLocation?

    public init(name: String, type: String? = nil, start: Int64? = nil, increment: Int64? = nil,
                minValue: Int64? = nil, maxValue: Int64? = nil, cache: Int64? = nil, cycle: Bool = false,
                ownedBy: String? = nil, comment: String? = nil, location: SourceLocation? = nil) {
        self.name = name
        self.type = type
        self.start = start
        self.increment = increment
        self.minValue = minValue
        self.maxValue = maxValue
        self.cache = cache
        self.cycle = cycle
        self.ownedBy = ownedBy
        self.comment = comment
        self.location = location
    }

    /// The sequence as the server would have it: each option not written takes
    /// PostgreSQL's default for the type and direction (start at the minimum,
    /// or at the maximum for a descending sequence; bounds of the type, or -1
    /// as the maximum of a descending one).
    /// See https://www.postgresql.org/docs/15/sql-createsequence.html
    public var state: SequenceState {
        let type = type ?? "bigint"
        let increment = increment ?? 1
        let typeMaximum = SequenceState.typeMaximum(type) ?? Int64.max
        let minValue = minValue ?? (increment > 0 ? 1 : -typeMaximum - 1)
        let maxValue = maxValue ?? (increment > 0 ? typeMaximum : -1)
        return SequenceState(
            name: name, type: type, start: start ?? (increment > 0 ? minValue : maxValue), increment: increment,
            minValue: minValue, maxValue: maxValue, cache: cache ?? 1, cycle: cycle, ownedBy: ownedBy,
            comment: comment)
    }

    /// The owning column's table, if any.
    public var ownerTable: String? { ownedBy.flatMap { $0.split(separator: ".", maxSplits: 1).first.map(String.init) } }
    /// The owning column, if any.
    public var ownerColumn: String? {
        guard let ownedBy, let dot = ownedBy.firstIndex(of: ".") else { return nil }
        return String(ownedBy[ownedBy.index(after: dot)...])
    }
}
