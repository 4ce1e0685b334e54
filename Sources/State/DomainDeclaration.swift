/// A domain of `domains:`: a base type with a nullability, a default, a
/// collation and named checks, which columns use as their `type:`.
///
/// Texts are kept as written; the server's rendering of the domain realised in
/// the scratch schema is what gets compared (see `DomainState`).
public struct DomainDeclaration: Sendable, Equatable {
    public var name: String
    /// The base type as written (`text`, `numeric(12,2)`, an enum of the schema).
    public var type: String
    public var nullable: Bool
    public var defaultExpression: String?
    public var collation: String?
    /// In the order written; each expression names the value `VALUE`.
    public var checks: [CheckDeclaration]
    public var comment: String?
    public var location: SourceLocation?
    /// Where each key's value stands (`type`, `default`, `collation`), for errors the server finds.
    public var fieldLocations: [String: SourceLocation]

    public init(name: String, type: String, nullable: Bool = true, defaultExpression: String? = nil,
                collation: String? = nil, checks: [CheckDeclaration] = [], comment: String? = nil,
                location: SourceLocation? = nil, fieldLocations: [String: SourceLocation] = [:]) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.defaultExpression = defaultExpression
        self.collation = collation
        self.checks = checks
        self.comment = comment
        self.location = location
        self.fieldLocations = fieldLocations
    }
}
