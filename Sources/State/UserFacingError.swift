/// An error that users can hit, told the one way every error is told.
///
/// It says what is wrong (`summary`), where when it is about an input file
/// (`file:line:column`, or the file alone), what to do (`hint`), and whether
/// nothing was changed in any database (`nothingChanged`). `ErrorFormatter`
/// turns it into text; the CLI prints that text and maps the error to its exit
/// code in one place. Shaped after swift-format's `SwiftFormatError`: one
/// vocabulary, one description per case.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// What is wrong, in one sentence that names the object it is about.
    var summary: String { get }
    /// The place in an input file the error is about, if any.
    var location: SourceLocation? { get }
    /// Where the error is, as printed before `error:`: `file:line:column`, or a
    /// file alone when no line is known. Defaults to `location`.
    var place: String? { get }
    /// More of what is wrong, such as the server's DETAIL.
    var detail: String? { get }
    /// What to do about it.
    var hint: String? { get }
    /// True when the error guarantees that nothing was changed in any database.
    ///
    /// False when it cannot: an error about one connection may be met after
    /// other tenants were changed.
    var nothingChanged: Bool { get }
    /// The errors shown for this one: itself, or each error of a list such as
    /// `InputErrors`.
    var diagnostics: [any UserFacingError] { get }
}

extension UserFacingError {
    public var location: SourceLocation? { nil }
    public var place: String? { location?.description }
    public var detail: String? { nil }
    public var hint: String? { nil }
    public var nothingChanged: Bool { false }
    public var diagnostics: [any UserFacingError] { [self] }

    /// The error as the CLI prints it (see `ErrorFormatter.text(for:)`).
    public var description: String { ErrorFormatter.text(for: self) }
}
