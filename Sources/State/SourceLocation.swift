/// A place in an input file, 1-based, for error messages.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// An error in an input file that the user fixes by editing that file.
///
/// Printed as `file:line:column: error: message`, then an indented hint that says
/// what to do, like a compiler diagnostic.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var location: SourceLocation?
    /// The file when no line is known (a missing file, say).
    public var file: String
    public var message: String
    public var hint: String?

    public init(_ message: String, at location: SourceLocation, hint: String? = nil) {
        self.location = location
        self.file = location.file
        self.message = message
        self.hint = hint
    }

    public init(_ message: String, file: String, hint: String? = nil) {
        self.location = nil
        self.file = file
        self.message = message
        self.hint = hint
    }

    public var description: String {
        let place = location.map(\.description) ?? file
        var text = "\(place): error: \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

/// Several input errors found in one pass, reported together.
public struct InputErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [InputError]

    public init(_ errors: [InputError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
