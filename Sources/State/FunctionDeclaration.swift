/// A function or procedure of `functions:`: one object per key, written as the
/// SQL that creates it.
///
/// The SQL is kept as written (`CREATE FUNCTION name(...) ... AS $$ ... $$`); the
/// server's rendering of the object it creates (`pg_get_functiondef`) is what
/// gets compared (see `DesiredState`), and the key must be the name it creates.
public struct FunctionDeclaration: Sendable, Equatable {
    /// The key: the name of the function the SQL creates, unqualified.
    public var name: String
    /// The `CREATE [OR REPLACE] FUNCTION|PROCEDURE` statement, without a trailing `;`.
    public var sql: String
    public var comment: String?
    /// The file the SQL was read from (`file:`), relative to `schema.yaml`; nil for `sql:`.
    public var sourceFile: String?
    /// The key's place in `schema.yaml`.
    public var location: SourceLocation?
    /// Where the SQL's first character stands, when each of its lines is a line
    /// of the source as written: a literal block (`sql: |`) or a file. Errors the
    /// server locates in the statement point there (see `location(ofPosition:)`).
    public var sqlLocation: SourceLocation?

    public init(name: String, sql: String, comment: String? = nil, sourceFile: String? = nil,
                location: SourceLocation? = nil, sqlLocation: SourceLocation? = nil) {
        self.name = name
        self.sql = sql
        self.comment = comment
        self.sourceFile = sourceFile
        self.location = location
        self.sqlLocation = sqlLocation
    }

    /// The source place of a 1-based character position in `sql` (as the
    /// server reports one), or nil when the SQL's lines are not the source's.
    public func location(ofPosition position: Int) -> SourceLocation? {
        guard let start = sqlLocation else { return nil }
        return start.advanced(toPosition: position, in: sql)
    }
}

/// A trigger of a table's or a view's `triggers:`.
public struct TriggerDeclaration: Sendable, Equatable {
    /// `instead_of` is for views, `before` and `after` for tables.
    public enum Timing: String, Sendable, Equatable, CaseIterable {
        case before, after
        case insteadOf = "instead_of"

        public var sql: String { self == .insteadOf ? "INSTEAD OF" : rawValue.uppercased() }
    }

    public enum Event: String, Sendable, Equatable, CaseIterable {
        case insert, update, delete, truncate

        public var sql: String { rawValue.uppercased() }
    }

    public enum Level: String, Sendable, Equatable, CaseIterable {
        case row, statement

        public var sql: String { rawValue.uppercased() }
    }

    public var name: String
    public var timing: Timing
    /// In the order written.
    public var events: [Event]
    public var forEach: Level
    /// A declared function's name, or a schema-qualified shared one (`public.audit`).
    public var function: String
    /// The trigger's `WHEN` condition, as SQL text.
    public var when: String?
    public var comment: String?
    public var location: SourceLocation?

    public init(name: String, timing: Timing, events: [Event], forEach: Level = .statement, function: String,
                when: String? = nil, comment: String? = nil, location: SourceLocation? = nil) {
        self.name = name
        self.timing = timing
        self.events = events
        self.forEach = forEach
        self.function = function
        self.when = when
        self.comment = comment
        self.location = location
    }
}
