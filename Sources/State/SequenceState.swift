/// A standalone sequence as the server has it (`pg_sequence`): every option
/// explicit, whatever was written. Its current value (`last_value`) is data and
/// not part of the state.
public struct SequenceState: Sendable, Equatable, Codable {
    public var name: String
    /// `format_type(seqtypid, NULL)`: `smallint`, `integer`, `bigint`.
    public var type: String
    public var start: Int64
    public var increment: Int64
    public var minValue: Int64
    public var maxValue: Int64
    public var cache: Int64
    public var cycle: Bool
    /// The column that owns it (`OWNED BY`, `table.column`); nil for none.
    public var ownedBy: String?
    public var comment: String?

    public init(name: String, type: String = "bigint", start: Int64 = 1, increment: Int64 = 1,
                minValue: Int64 = 1, maxValue: Int64 = Int64.max, cache: Int64 = 1, cycle: Bool = false,
                ownedBy: String? = nil, comment: String? = nil) {
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
    }

    enum CodingKeys: String, CodingKey {
        case name, type, start, increment, minValue, maxValue, cache, cycle, ownedBy, comment
    }

    /// Plan files written before sequences were declarable hold only a name.
    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.init(name: name)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name), type: try c.decode(String.self, forKey: .type),
            start: try c.decode(Int64.self, forKey: .start), increment: try c.decode(Int64.self, forKey: .increment),
            minValue: try c.decode(Int64.self, forKey: .minValue), maxValue: try c.decode(Int64.self, forKey: .maxValue),
            cache: try c.decode(Int64.self, forKey: .cache), cycle: try c.decode(Bool.self, forKey: .cycle),
            ownedBy: try c.decodeIfPresent(String.self, forKey: .ownedBy),
            comment: try c.decodeIfPresent(String.self, forKey: .comment))
    }

    /// The largest value of a sequence type, nil for another type.
    public static func typeMaximum(_ type: String) -> Int64? {
        switch type {
        case "smallint": Int64(Int16.max)
        case "integer": Int64(Int32.max)
        case "bigint": Int64.max
        default: nil
        }
    }

    /// Whether it has the options `serial` gives a column's sequence (start and
    /// minimum 1, step 1, its type's maximum, cache 1, no cycle) and no comment.
    public var hasSerialOptions: Bool {
        start == 1 && increment == 1 && minValue == 1 && maxValue == Self.typeMaximum(type) && cache == 1
            && !cycle && comment == nil
    }
}
