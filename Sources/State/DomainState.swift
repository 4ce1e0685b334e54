/// A domain as the server renders it, read with the schema on the path.
public struct DomainState: Sendable, Equatable, Codable {
    public var name: String
    /// `format_type(typbasetype, typtypmod)`.
    public var type: String
    public var notNull: Bool
    /// `pg_get_expr` of the default; nil for none.
    public var defaultExpression: String?
    /// The domain's collation when it differs from its base type's, quoted as the
    /// deparser quotes it.
    public var collation: String?
    /// Its check constraints, `pg_get_constraintdef` (`CHECK (VALUE ~ '@'::text)`,
    /// with ` NOT VALID` while not validated), sorted by name.
    public var checks: [ConstraintState]
    public var comment: String?

    public init(name: String, type: String, notNull: Bool = false, defaultExpression: String? = nil,
                collation: String? = nil, checks: [ConstraintState] = [], comment: String? = nil) {
        self.name = name
        self.type = type
        self.notNull = notNull
        self.defaultExpression = defaultExpression
        self.collation = collation
        self.checks = checks
        self.comment = comment
    }

    public func check(named name: String) -> ConstraintState? { checks.first { $0.name == name } }
}
