/// A view of `views:` or a materialized view of `materialized_views:`.
///
/// The query is kept as written; the server's rendering of the view it makes
/// (`pg_get_viewdef`) is what gets compared (see `DesiredState`).
public struct ViewDeclaration: Sendable, Equatable {
    /// `check_option:` of an updatable view.
    public enum CheckOption: String, Sendable, Equatable, CaseIterable {
        case local, cascaded
    }

    public var name: String
    /// The `SELECT` (or `VALUES`, `WITH ...`) that defines it, without a trailing `;`.
    public var query: String
    public var materialized: Bool
    /// `security_barrier:` (views only).
    public var securityBarrier: Bool
    /// `security_invoker:` (views only, PostgreSQL 15 and later).
    public var securityInvoker: Bool
    public var checkOption: CheckOption?
    /// Indexes of a materialized view, in declaration order.
    public var indexes: [IndexDeclaration]
    /// `with_data: false`: a new materialized view is created `WITH NO DATA`
    /// (empty until the application refreshes it). Never compared: data.
    public var withData = true
    public var comment: String?
    /// A view's `INSTEAD OF` triggers, in declaration order.
    public var triggers: [TriggerDeclaration] = []
    public var location: SourceLocation?
    /// Where the query's first character stands, when its lines are the source's
    /// (a literal block): errors the server locates in it point there.
    public var queryLocation: SourceLocation?

    public init(name: String, query: String, materialized: Bool = false, securityBarrier: Bool = false,
                securityInvoker: Bool = false, checkOption: CheckOption? = nil, indexes: [IndexDeclaration] = [],
                comment: String? = nil, location: SourceLocation? = nil, queryLocation: SourceLocation? = nil) {
        self.name = name
        self.query = query
        self.materialized = materialized
        self.securityBarrier = securityBarrier
        self.securityInvoker = securityInvoker
        self.checkOption = checkOption
        self.indexes = indexes
        self.comment = comment
        self.location = location
        self.queryLocation = queryLocation
    }

    /// The source place of a 1-based character position in `query`; nil when
    /// the query's lines are not the source's (it is not a literal block).
    public func location(ofQueryPosition position: Int) -> SourceLocation? {
        queryLocation?.advanced(toPosition: position, in: query)
    }

    /// `view` or `materialized view`, for messages and statements.
    public var kind: String { materialized ? "materialized view" : "view" }

    /// `WITH (...)` options as the server lists them in `reloptions`.
    public var options: [String] {
        var options: [String] = []
        if let checkOption { options.append("check_option=\(checkOption.rawValue)") }
        if securityBarrier { options.append("security_barrier=true") }
        if securityInvoker { options.append("security_invoker=true") }
        return options
    }
}
