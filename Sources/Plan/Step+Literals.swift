import State
import SQLSyntax

extension Step {
    /// The enum label the step adds, when it adds one.
    ///
    /// PostgreSQL refuses to use a label in the transaction that adds it
    /// (55P04), so the `Differ` looks for later steps that use it.
    var addedEnumLabel: String? {
        if case .addEnumValue(_, let value, _) = self { return value }
        return nil
    }

    /// The string literals of the step's statement, in statement order: the
    /// values it quotes itself (enum labels, comments) and those inside the raw
    /// SQL it carries (types, defaults, generated expressions, checks, index
    /// expressions and predicates).
    ///
    /// A step uses an enum label only as a literal (`'paid'::order_status`);
    /// identifiers are always quoted and carry none. Read from the step's own
    /// fields: only the user's raw SQL fragments are tokenised, never a rendered
    /// statement.
    var stringLiterals: [String] {
        switch self {
        case .createEnum(let e):
            return e.values
        case .addEnumValue(_, let value, let before):
            return [value] + (before.map { [$0] } ?? [])
        case .commentOnTable(_, let comment), .commentOnColumn(_, _, let comment):
            return comment.map { [$0] } ?? []
        case .createPartition(_, let p, _):
            return SQLTokens(p.bound).literals
        case .dropPartition, .setLogged:
            return []
        case .createTable(let t):
            return (t.partitionBy.map { SQLTokens($0).literals } ?? []) + t.columns.flatMap(Self.literals(inColumn:)) + t.checks.flatMap { SQLTokens($0.expression).literals }
                + t.exclusions.flatMap(Self.literals(inExclusion:))
        case .addColumn(_, let column):
            return Self.literals(inColumn: column)
        case .alterColumnType(_, _, let type, let collation, let using):
            return SQLTokens(type).literals + (collation.map(Self.literals(inCollation:)) ?? [])
                + (using.map { SQLTokens($0).literals } ?? [])
        case .setDefault(_, _, let expression):
            return SQLTokens(expression).literals
        case .createSequence(_, let type, _, _), .alterSequenceType(_, let type):
            return SQLTokens(type).literals
        case .addConstraint(_, .check(let check)), .addConstraintNotValid(_, .check(let check)):
            return SQLTokens(check.expression).literals
        case .addConstraint(_, .exclusion(let x)), .addConstraintNotValid(_, .exclusion(let x)):
            return Self.literals(inExclusion: x)
        case .continueSequence(let name, _, _, _, _):
            return [quoteIdentifier(name)]
        case .commentOnSequence(_, let comment):
            return comment.map { [$0] } ?? []
        case .createStandaloneSequence, .alterSequence, .sequenceOwnedBy:
            return []
        case .createCompositeType(let t):
            return t.attributes.flatMap { SQLTokens($0.type).literals }
        case .addAttribute(_, _, let type), .alterAttributeType(_, _, let type):
            return SQLTokens(type).literals
        case .commentOnCompositeType(_, let comment), .commentOnEnum(_, let comment):
            return comment.map { [$0] } ?? []
        case .dropAttribute, .dropCompositeType:
            return []
        case .createIndex(_, let index), .createIndexConcurrently(_, let index):
            let elements = index.columns.flatMap { element -> [String] in
                let body = IndexElement.split(element).body
                return IndexElement.isPlainName(body) ? [] : SQLTokens(body).literals
            }
            return elements + Self.literals(inStorage: index.storage) + (index.predicate.map { SQLTokens($0).literals } ?? [])
        case .setIndexStorage(_, let set, _):
            return Self.literals(inStorage: set)
        case .createFunction(let f), .replaceFunction(let f):
            return SQLTokens(f.sql).literals
        case .createTrigger(_, let t):
            return t.when.map { SQLTokens($0).literals } ?? []
        case .createView(let v), .replaceView(let v):
            return SQLTokens(v.query).literals
        case .createViewIndex(_, let index):
            return Step.createIndex(table: "", index).stringLiterals
        case .commentOnView(_, _, let comment):
            return comment.map { [$0] } ?? []
        case .dropView:
            return []
        case .commentOnFunction(_, let comment), .commentOnTrigger(_, _, let comment),
             .commentOnIndex(_, let comment), .commentOnConstraint(_, _, let comment):
            return comment.map { [$0] } ?? []
        case .security(let s):
            return s.literals
        case .dropFunction, .dropTrigger,
             .addConstraint(_, .primaryKey), .addConstraint(_, .unique), .addConstraint(_, .foreignKey),
             .createSchema, .dropType, .renameTable, .dropTable, .renameColumn, .dropColumn, .setNotNull,
             .dropNotNull, .dropDefault, .addIdentity, .setIdentity, .dropIdentity, .dropExpression,
             .renameSequence, .dropSequence, .renameConstraint, .dropConstraint, .renameIndex, .dropIndex, .dropDependent,
             .addConstraintNotValid, .validateConstraint, .addConstraintUsingIndex, .dropIndexConcurrently,
             .backfillColumn, .fillColumn,
             .alterConstraintTiming:
            return []
        // MARK: Domains
        case .createDomain(let d):
            return SQLTokens(d.type).literals + (d.collation.map(Self.literals(inCollation:)) ?? [])
                + (d.defaultExpression.map { SQLTokens($0).literals } ?? []) + d.checks.flatMap { SQLTokens($0.expression).literals }
        case .alterDomainDefault(_, let expression):
            return expression.map { SQLTokens($0).literals } ?? []
        case .addDomainCheck(_, let check, _), .addDomainCheckNotValid(_, let check):
            return SQLTokens(check.expression).literals
        case .commentOnDomain(_, let comment):
            return comment.map { [$0] } ?? []
        case .dropDomain, .setDomainNotNull, .dropDomainNotNull, .validateDomainCheck, .dropDomainCheck:
            return []
        }
    }

    /// The literals of a column definition: type, collation, generated expression, default.
    static func literals(inColumn c: ColumnDeclaration) -> [String] {
        SQLTokens(c.type).literals
            + (c.collation.map(literals(inCollation:)) ?? [])
            + (c.generated.map { SQLTokens($0).literals } ?? [])
            + (c.defaultExpression.map { SQLTokens($0).literals } ?? [])
    }

    /// Storage parameter values, each quoted, in the order `storageParameters` writes them.
    static func literals(inStorage parameters: [String: String]) -> [String] {
        parameters.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The literals of an exclusion constraint's elements and predicate.
    static func literals(inExclusion x: ExclusionDeclaration) -> [String] {
        x.elements.flatMap { SQLTokens($0).literals } + (x.predicate.map { SQLTokens($0).literals } ?? [])
    }

    /// A collation name kept as written (see `collationName`) may hold literals; a quoted one holds none.
    static func literals(inCollation name: String) -> [String] {
        collationName(name) == name ? SQLTokens(name).literals : []
    }
}
