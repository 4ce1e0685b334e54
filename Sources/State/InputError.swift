/// An error in an input file that the user fixes by editing that file.
///
/// Printed as `file:line:column: error: message`, then an indented hint that says
/// what to do, like a compiler diagnostic. Input files are read before any
/// database is touched, so nothing was changed.
public struct InputError: UserFacingError, Sendable, Equatable {
    public var location: SourceLocation?
    /// The file when no line is known (a missing file, say).
    public var file: String
    public var message: String
    /// More of what is wrong: the server's DETAIL and the statement it refused, say.
    public var detail: String?
    public var hint: String?

    public init(_ message: String, at location: SourceLocation, detail: String? = nil, hint: String? = nil) {
        self.location = location
        self.file = location.file
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    public init(_ message: String, file: String, detail: String? = nil, hint: String? = nil) {
        self.location = nil
        self.file = file
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    public var summary: String { message }
    public var place: String? { location?.description ?? file }
    public var nothingChanged: Bool { true }

    /// The diagnostic alone, as it stands in a list of them: `InputErrors`, or
    /// `ErrorFormatter.text(for:)`, closes the list.
    public var description: String { ErrorFormatter.diagnostic(self) }
}

/// Several input errors found in one pass, reported together.
public struct InputErrors: UserFacingError, Sendable {
    public var errors: [InputError]

    public init(_ errors: [InputError]) { self.errors = errors }

    public var summary: String { "\(errors.count) error\(errors.count == 1 ? "" : "s") in input files" }
    public var nothingChanged: Bool { true }
    public var diagnostics: [any UserFacingError] { errors }
}
