/// A composite type as the server renders it, read with the schema on the path.
public struct CompositeTypeState: Sendable, Equatable, Codable {
    public struct Attribute: Sendable, Equatable, Codable {
        public var name: String
        /// `format_type(atttypid, atttypmod)`.
        public var type: String

        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public var name: String
    /// In attribute-number order: the order of the type's fields, which
    /// PostgreSQL cannot change (unlike a table's columns, it is compared).
    public var attributes: [Attribute]
    public var comment: String?

    public init(name: String, attributes: [Attribute], comment: String? = nil) {
        self.name = name
        self.attributes = attributes
        self.comment = comment
    }

    public func attribute(named name: String) -> Attribute? { attributes.first { $0.name == name } }
}
