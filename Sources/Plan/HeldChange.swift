/// A change that the plan does not make, and why.
public struct HeldChange: Sendable, Equatable, Codable {
    public var object: String
    public var reason: String
    /// The statement that would make it, when there is one.
    public var sql: String?
    /// The change would drop an object that `schema.yaml` does not declare (an
    /// `alembic_version` table, an extra column): keeping it is not drift of the
    /// declared design. False for a declared object left different (a narrowed
    /// type, enum labels removed), which is drift.
    public var undeclared: Bool

    public init(object: String, reason: String, sql: String? = nil, undeclared: Bool = false) {
        self.object = object
        self.reason = reason
        self.sql = sql
        self.undeclared = undeclared
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        object = try c.decode(String.self, forKey: .object)
        reason = try c.decode(String.self, forKey: .reason)
        sql = try c.decodeIfPresent(String.self, forKey: .sql)
        undeclared = try c.decodeIfPresent(Bool.self, forKey: .undeclared) ?? false
    }

    /// `undeclared` is written only when true.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(object, forKey: .object)
        try c.encode(reason, forKey: .reason)
        try c.encodeIfPresent(sql, forKey: .sql)
        if undeclared { try c.encode(true, forKey: .undeclared) }
    }

    enum CodingKeys: String, CodingKey { case object, reason, sql, undeclared }
}
