/// A composite type of `types:`: named attributes in order, which columns
/// and functions use as a type.
///
/// Attribute types are kept as written; the server's rendering of the type
/// realised in the scratch schema is what gets compared (see `CompositeTypeState`).
public struct CompositeTypeDeclaration: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var name: String
        /// As written: `text`, `varchar(10)`, an enum, a domain or another composite type.
        public var type: String
        public var location: SourceLocation?

        public init(name: String, type: String, location: SourceLocation? = nil) {
            self.name = name
            self.type = type
            self.location = location
        }
    }

    public var name: String
    /// In the order written, which is the type's order.
    public var attributes: [Attribute]
    public var comment: String?
    public var location: SourceLocation?

    public init(name: String, attributes: [Attribute], comment: String? = nil, location: SourceLocation? = nil) {
        self.name = name
        self.attributes = attributes
        self.comment = comment
        self.location = location
    }
}
