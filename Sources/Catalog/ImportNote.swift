/// An object of the tenant and what the import did not carry over about it.
public struct ImportNote: Sendable, Equatable, CustomStringConvertible {
    /// `index orders_open_idx on orders`, `column events.id`.
    public var object: String
    public var reason: String

    public init(object: String, reason: String) {
        self.object = object
        self.reason = reason
    }

    public var description: String { "\(object): \(reason)" }
}
