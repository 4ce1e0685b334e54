import State

/// How a column's values become values of its new type, as the server judges it.
public enum TypeConversion: Sendable, Equatable {
    /// PostgreSQL converts them itself (an assignment cast): no `USING`.
    case automatic
    /// Only an explicit cast converts them: `USING "column"::type`.
    case explicitCast
    /// The column's `using:` expression converts them.
    case declared
    /// Nothing converts them; the reason says why. Planning fails at the
    /// declaration (the oracle reports the error), never at apply time.
    case impossible(String)
}

/// Tells the `Differ` how a column's type change converts its values.
///
/// Implemented against a live server (`TypeConversionProbe` in `Catalog`),
/// which tries the change on an empty scratch table; the `Differ` itself stays
/// pure. Without an oracle, a change converts automatically, or by its `using:`.
public protocol TypeConversionOracle: Sendable {
    /// `old`: the column's type in the tenant (`format_type`); the new type is
    /// `column.type` (for a serial, its integer type).
    func conversion(table: String, column: ColumnDeclaration, from old: String) -> TypeConversion
}
