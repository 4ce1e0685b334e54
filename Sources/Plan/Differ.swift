import State

/// Computes the changes that take a schema from an actual state to the desired one.
///
/// Pure: compares two reflected `SchemaState`s (both in the server's canonical
/// text) and collects typed `Step`s built from the `Declaration`, so the
/// statements carry the user's own text; each step is rendered to SQL once, at
/// the end (`Run.finish()`). Changes come out in dependency order: enums, renames,
/// drops of changed triggers, functions, constraints and indexes, functions that
/// tables use, new tables, column changes, constraints, indexes, foreign keys,
/// the other functions, triggers, comments, then drops of undeclared objects.
///
/// What `declaration.ignore` ignores is taken out of both states first
/// (`SchemaState.ignoring`), so it is never created, changed, dropped or shown.
/// Destructive changes are planned only as far as `policy` allows; the rest are
/// held back, each with the narrowest `--allow` selector that would allow it.
public struct Differ: Sendable {
    public var declaration: Declaration
    public var desired: SchemaState
    public var policy: DestructivePolicy
    /// How type changes convert values; nil: automatically, or by `using:`.
    public var conversions: (any TypeConversionOracle)?
    /// Whether changes to existing tables take their online form (`OnlineForm`);
    /// false (the default here; `plan` sets it unless `--transactional`): one transaction per tenant.
    public var online = false
    /// Columns (`table.column`) whose declared default rewrites a table that
    /// holds rows when the column is added (a volatile default); the server
    /// says which (`DesiredState.realise(_:probingDefaults:on:)`).
    public var rewritingDefaults: Set<String> = []
    /// The order in which the scratch schema took the declared views and late
    /// functions (`SchemaState.creationOrder`), kept apart from `desired`.
    public var creationOrder: [String] = []

    /// Whether every destructive change is allowed (`--allow-destructive`).
    public var allowDestructive: Bool { policy == .all }

    public init(declaration: Declaration, desired: SchemaState, policy: DestructivePolicy,
                conversions: (any TypeConversionOracle)? = nil) {
        self.declaration = declaration
        self.desired = desired.ignoring(declaration.ignore).normalized()
        self.creationOrder = desired.creationOrder
        self.desired.creationOrder = []
        self.policy = policy
        self.conversions = conversions
    }

    public init(declaration: Declaration, desired: SchemaState, allowDestructive: Bool = false) {
        self.init(declaration: declaration, desired: desired, policy: allowDestructive ? .all : .none)
    }

    /// The operations that build the declaration in an empty schema, in order.
    /// Used for new tenants and to realise the desired state in a scratch schema.
    public static func creation(of declaration: Declaration, order: [String] = []) -> [Step] {
        var ops: [Step] = defaultPrivilegeCreation(of: declaration)
        ops += declaration.enums.map { .createEnum($0) }
        ops += declaration.domains.map { .createDomain($0) }
        ops += declaration.compositeTypes.map { .createCompositeType($0) }
        // Sequences before the tables whose defaults take their values, owned once their column exists.
        ops += declaration.sequences.map { .createStandaloneSequence($0) }
        let early = functionsUsedByTables(declaration)
        ops += declaration.functions.filter { early.contains($0.name) }.map { .createFunction($0) }
        ops += declaration.tables.map { .createTable($0) }
        for t in declaration.tables {
            ops += t.partitions.map { .createPartition(table: t.name, $0, defaultPartition: nil) }
        }
        for t in declaration.tables {
            ops += t.indexes.map { .createIndex(table: t.name, $0) }
        }
        for t in declaration.tables {
            ops += t.foreignKeys.map { .addConstraint(table: t.name, .foreignKey($0)) }
        }
        for s in declaration.sequences where s.ownedBy != nil {
            ops.append(.sequenceOwnedBy(name: s.name, ownedBy: s.ownedBy))
        }
        ops += lateRoutines(of: declaration, early: early, order: order)
        for t in declaration.tables {
            ops += t.triggers.map { .createTrigger(table: t.name, $0) }
        }
        for v in declaration.views {
            ops += v.triggers.map { .createTrigger(table: v.name, $0) }
            ops += v.triggers.compactMap { g in g.comment.map { .commentOnTrigger(table: v.name, name: g.name, comment: $0) } }
        }
        for v in declaration.views where v.comment != nil {
            ops.append(.commentOnView(name: v.name, materialized: v.materialized, comment: v.comment))
        }
        for e in declaration.enums where e.comment != nil {
            ops.append(.commentOnEnum(e.name, comment: e.comment))
        }
        for d in declaration.domains where d.comment != nil {
            ops.append(.commentOnDomain(d.name, comment: d.comment))
        }
        for t in declaration.compositeTypes where t.comment != nil {
            ops.append(.commentOnCompositeType(t.name, comment: t.comment))
        }
        for s in declaration.sequences where s.comment != nil {
            ops.append(.commentOnSequence(s.name, comment: s.comment))
        }
        ops += securityCreation(of: declaration)
        for f in declaration.functions where f.comment != nil {
            ops.append(.commentOnFunction(name: f.name, comment: f.comment))
        }
        for t in declaration.tables {
            for g in t.triggers where g.comment != nil {
                ops.append(.commentOnTrigger(table: t.name, name: g.name, comment: g.comment))
            }
            if let comment = t.comment { ops.append(.commentOnTable(t.name, comment: comment)) }
            for c in t.columns where c.comment != nil {
                ops.append(.commentOnColumn(table: t.name, column: c.name, comment: c.comment))
            }
            ops += memberComments(of: t)
        }
        return ops
    }

    /// The comments of a new table's constraints and indexes, in declaration order.
    static func memberComments(of table: TableDeclaration) -> [Step] {
        var constraints: [ConstraintDeclaration] = table.primaryKey.map { [.primaryKey($0)] } ?? []
        constraints += table.uniques.map { .unique($0) } + table.checks.map { .check($0) }
        constraints += table.exclusions.map { .exclusion($0) } + table.foreignKeys.map { .foreignKey($0) }
        return constraints.compactMap { c in
            c.comment.map { .commentOnConstraint(table: table.name, name: c.name, comment: $0) }
        } + table.indexes.compactMap { i in i.comment.map { .commentOnIndex(i.name, comment: $0) } }
    }

    public func diff(actual: SchemaState?) -> Diff {
        guard let actual = actual?.ignoring(declaration.ignore).normalized() else {
            let tables = Set(declaration.tables.map(\.name) + declaration.views.map(\.name) + declaration.sequences.map(\.name))
            let changes = [Step.createSchema.change()] + Self.creation(of: declaration, order: creationOrder).map { $0.change(newTables: tables) }
            return Diff(changes: changes, held: [], expected: desired, prelude: nil,
                        stages: [Diff.Stage(changes: changes.count, transactional: true, state: desired)])
        }
        var run = Run(differ: self, actual: actual)
        run.diffEnums()
        run.diffDomains()
        run.diffCompositeTypes()
        run.diffSequences()
        run.diffTables()
        run.diffFunctions()
        run.diffTriggers()
        run.diffSecurity()
        run.dropUndeclared()
        run.dropUndeclaredFunctions()
        run.dropUndeclaredDomains()
        run.dropUndeclaredCompositeTypes()
        run.forgetDroppedPolicies()
        run.diffViews()
        run.diffViewTriggers()
        // A rename that would rewrite an undeclared object the plan keeps holds
        // the whole tenant back: the rest of the plan was made assuming it.
        let renames = run.renamesRewritingKeptObjects()
        if !renames.isEmpty {
            return Diff(changes: [], held: renames + run.held, expected: actual, prelude: nil)
        }
        return run.finish()
    }
}
