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

    /// Where the character at 1-based `position` of `text` stands, when `text`
    /// starts here and its lines are the source's lines; nil for a position
    /// before the text.
    public func advanced(toPosition position: Int, in text: String) -> SourceLocation? {
        guard position >= 1 else { return nil }
        let before = text.unicodeScalars.prefix(position - 1)
        let line = before.filter { $0 == "\n" }.count
        let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0)
        return SourceLocation(file: file, line: self.line + line, column: self.column + column)
    }
}
