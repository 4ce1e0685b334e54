import State
import SQLSyntax

extension Step {
    /// What the step does, as plan files name it.
    public var operation: Change.Operation {
        switch self {
        case .createSchema: .createSchema
        case .createEnum: .createEnum
        case .addEnumValue: .addEnumValue
        case .dropType: .dropType
        case .createTable: .createTable
        case .renameTable: .renameTable
        case .dropTable: .dropTable
        case .commentOnTable: .commentOnTable
        case .createPartition: .createPartition
        case .dropPartition: .dropPartition
        case .setLogged: .setLogged
        case .addColumn: .addColumn
        case .renameColumn: .renameColumn
        case .dropColumn: .dropColumn
        case .alterColumnType: .alterColumnType
        case .setNotNull: .setNotNull
        case .dropNotNull: .dropNotNull
        case .setDefault: .setDefault
        case .dropDefault: .dropDefault
        case .addIdentity: .addIdentity
        case .setIdentity: .setIdentity
        case .dropIdentity: .dropIdentity
        case .dropExpression: .dropExpression
        case .commentOnColumn: .commentOnColumn
        case .createSequence: .createSequence
        case .renameSequence: .renameSequence
        case .alterSequenceType: .alterSequenceType
        case .dropSequence: .dropSequence
        case .continueSequence: .continueSequence
        // MARK: Composite types
        case .createCompositeType: .createCompositeType
        case .addAttribute: .addAttribute
        case .dropAttribute: .dropAttribute
        case .alterAttributeType: .alterAttributeType
        case .commentOnCompositeType: .commentOnCompositeType
        case .commentOnEnum: .commentOnEnum
        case .dropCompositeType: .dropCompositeType
        // MARK: Sequences
        case .createStandaloneSequence: .createStandaloneSequence
        case .alterSequence: .alterSequence
        case .sequenceOwnedBy: .sequenceOwnedBy
        case .commentOnSequence: .commentOnSequence
        case .addConstraint: .addConstraint
        case .renameConstraint: .renameConstraint
        case .dropConstraint: .dropConstraint
        case .commentOnConstraint: .commentOnConstraint
        case .createIndex: .createIndex
        case .renameIndex: .renameIndex
        case .dropIndex: .dropIndex
        case .commentOnIndex: .commentOnIndex
        case .createFunction: .createFunction
        case .replaceFunction: .replaceFunction
        case .dropFunction: .dropFunction
        case .commentOnFunction: .commentOnFunction
        case .createTrigger: .createTrigger
        case .dropTrigger: .dropTrigger
        case .commentOnTrigger: .commentOnTrigger
        case .dropDependent: .dropDependent
        case .createIndexConcurrently: .createIndexConcurrently
        case .dropIndexConcurrently: .dropIndexConcurrently
        case .addConstraintNotValid: .addConstraintNotValid
        case .validateConstraint: .validateConstraint
        case .addConstraintUsingIndex: .addConstraintUsingIndex
        case .alterConstraintTiming: .alterConstraint
        case .setIndexStorage: .setIndexStorage
        case .backfillColumn: .backfillColumn
        case .fillColumn: .fillColumn
        case .createView: .createView
        case .replaceView: .replaceView
        case .dropView: .dropView
        case .commentOnView: .commentOnView
        case .createViewIndex: .createViewIndex
        // MARK: Domains
        case .createDomain: .createDomain
        case .dropDomain: .dropDomain
        case .alterDomainDefault: .alterDomainDefault
        case .setDomainNotNull: .setDomainNotNull
        case .dropDomainNotNull: .dropDomainNotNull
        case .addDomainCheck: .addDomainCheck
        case .addDomainCheckNotValid: .addDomainCheckNotValid
        case .validateDomainCheck: .validateDomainCheck
        case .dropDomainCheck: .dropDomainCheck
        case .commentOnDomain: .commentOnDomain
        case .security(let s): s.operation
        }
    }

    /// `+` create, `~` change, `-` drop.
    public var action: Change.Action {
        switch self {
        case .createSchema, .createEnum, .createTable, .addColumn, .createSequence, .addConstraint, .createIndex,
             .createFunction, .createTrigger, .createIndexConcurrently, .addConstraintNotValid, .addConstraintUsingIndex,
             .createView, .createViewIndex, .createPartition,
             .createDomain, .addDomainCheck, .addDomainCheckNotValid, .createStandaloneSequence,
             .createCompositeType, .addAttribute:
            .create
        case .dropType, .dropTable, .dropColumn, .dropSequence, .dropConstraint, .dropIndex, .dropFunction, .dropTrigger,
             .dropDependent, .dropIndexConcurrently, .dropView, .dropDomain, .dropDomainCheck, .dropPartition,
             .dropAttribute, .dropCompositeType:
            .drop
        case .security(let s):
            s.action
        default:
            .change
        }
    }

    /// The object the operation changes, for people.
    public var object: String {
        switch self {
        case .createSchema: "schema"
        case .createEnum(let e): "enum \(e.name)"
        case .addEnumValue(let type, let value, _): "enum \(type) value '\(value)'"
        case .dropType(let name): "enum \(name)"
        case .createTable(let t): "table \(t.name)"
        case .renameTable(let from, let to): "table \(from) → \(to)"
        case .dropTable(let name): "table \(name)"
        case .commentOnTable(let table, _): "comment on table \(table)"
        case .createPartition(let table, let p, _): "partition \(p.name) of \(table)"
        case .dropPartition(let table, let name): "partition \(name) of \(table)"
        case .setLogged(let table, let logged): "table \(table) \(logged ? "logged" : "unlogged")"
        case .addColumn(let table, let c): "column \(table).\(c.name)"
        case .renameColumn(let table, let from, let to): "column \(table).\(from) → \(to)"
        case .dropColumn(let table, let column): "column \(table).\(column)"
        case .alterColumnType(let table, let column, let type, _, _): "column \(table).\(column) type \(type)"
        case .setNotNull(let table, let column): "column \(table).\(column) not null"
        case .dropNotNull(let table, let column): "column \(table).\(column) nullable"
        case .setDefault(let table, let column, _): "column \(table).\(column) default"
        case .dropDefault(let table, let column): "column \(table).\(column) default"
        case .addIdentity(let table, let column, _, _), .setIdentity(let table, let column, _):
            "column \(table).\(column) identity"
        case .dropIdentity(let table, let column): "column \(table).\(column) identity"
        case .dropExpression(let table, let column): "column \(table).\(column) generated expression"
        case .commentOnColumn(let table, let column, _): "comment on column \(table).\(column)"
        case .createSequence(let name, _, _, _): "sequence \(name)"
        case .renameSequence(let from, let to): "sequence \(from) → \(to)"
        case .alterSequenceType(let name, let type): "sequence \(name) as \(type)"
        case .dropSequence(let name): "sequence \(name)"
        case .continueSequence(let name, _, _, _, _): "sequence \(name) position"
        // MARK: Composite types
        case .createCompositeType(let t): "composite type \(t.name)"
        case .addAttribute(let type, let name, _), .dropAttribute(let type, let name):
            "attribute \(name) of composite type \(type)"
        case .alterAttributeType(let type, let name, let attributeType):
            "attribute \(name) of composite type \(type) as \(attributeType)"
        case .commentOnCompositeType(let name, _): "comment on composite type \(name)"
        case .commentOnEnum(let name, _): "comment on enum \(name)"
        case .dropCompositeType(let name): "composite type \(name)"
        // MARK: Sequences
        case .createStandaloneSequence(let s): "sequence \(s.name)"
        case .alterSequence(_, let s): "sequence \(s.name)"
        case .sequenceOwnedBy(let name, _): "owner of sequence \(name)"
        case .commentOnSequence(let name, _): "comment on sequence \(name)"
        case .addConstraint(let table, let c): "constraint \(c.name) on \(table)"
        case .renameConstraint(let table, let from, let to): "constraint \(from) → \(to) on \(table)"
        case .dropConstraint(let table, let name): "constraint \(name) on \(table)"
        case .commentOnConstraint(let table, let name, _): "comment on constraint \(name) on \(table)"
        case .createIndex(let table, let index): "index \(index.name) on \(table)"
        case .renameIndex(let from, let to): "index \(from) → \(to)"
        case .dropIndex(let name): "index \(name)"
        case .commentOnIndex(let name, _): "comment on index \(name)"
        case .createFunction(let f), .replaceFunction(let f): "function \(f.name)"
        case .dropFunction(let name, let arguments, _): "function \(name)(\(arguments))"
        case .commentOnFunction(let name, _): "comment on function \(name)"
        case .createTrigger(let table, let t): "trigger \(t.name) on \(table)"
        case .dropTrigger(let table, let name): "trigger \(name) on \(table)"
        case .commentOnTrigger(let table, let name, _): "comment on trigger \(name) on \(table)"
        case .dropDependent(let d): d.description
        case .createIndexConcurrently(let table, let index): "index \(index.name) on \(table)"
        case .dropIndexConcurrently(let name): "index \(name)"
        case .addConstraintNotValid(let table, let c): "constraint \(c.name) on \(table) (not valid)"
        case .validateConstraint(let table, let name): "constraint \(name) on \(table) (validate)"
        case .alterConstraintTiming(let table, let name, _): "constraint \(name) on \(table)"
        case .setIndexStorage(let index, _, _): "index \(index) storage parameters"
        case .addConstraintUsingIndex(let table, let name, _, _): "constraint \(name) on \(table) (from its index)"
        case .backfillColumn(let table, let column): "column \(table).\(column) (backfill)"
        case .fillColumn(let table, let column): "column \(table).\(column) (fill the rows a stopped backfill left)"
        case .createView(let v), .replaceView(let v): "\(v.kind) \(v.name)"
        case .dropView(let name, let materialized): "\(materialized ? "materialized view" : "view") \(name)"
        case .commentOnView(let name, let materialized, _): "comment on \(materialized ? "materialized view" : "view") \(name)"
        case .createViewIndex(let view, let index): "index \(index.name) on \(view)"
        // MARK: Domains
        case .createDomain(let d): "domain \(d.name)"
        case .dropDomain(let name): "domain \(name)"
        case .alterDomainDefault(let domain, _): "default of domain \(domain)"
        case .setDomainNotNull(let domain, _), .dropDomainNotNull(let domain): "not null of domain \(domain)"
        case .addDomainCheck(let domain, let c, _): "check \(c.name) of domain \(domain)"
        case .addDomainCheckNotValid(let domain, let c): "check \(c.name) of domain \(domain) (not valid)"
        case .validateDomainCheck(let domain, let name, _): "check \(name) of domain \(domain) (validate)"
        case .dropDomainCheck(let domain, let name): "check \(name) of domain \(domain)"
        case .commentOnDomain(let name, _): "comment on domain \(name)"
        case .security(let s): s.object
        }
    }

    /// Where in `schema.yaml` the operation comes from, for errors the server finds.
    public var location: SourceLocation? {
        switch self {
        case .createEnum(let e): e.location
        case .createTable(let t): t.location
        case .createPartition(_, let p, _): p.location
        case .addColumn(_, let c): c.fieldLocations["type"] ?? c.location
        case .addConstraint(_, let c): c.location
        case .createIndex(_, let i), .createIndexConcurrently(_, let i): i.location
        case .addConstraintNotValid(_, let c): c.location
        case .createFunction(let f), .replaceFunction(let f): f.location
        case .createTrigger(_, let t): t.location
        case .createView(let v), .replaceView(let v): v.location
        case .createViewIndex(_, let i): i.location
        // MARK: Domains
        case .createDomain(let d): d.location
        case .createStandaloneSequence(let s): s.location
        case .createCompositeType(let t): t.location
        case .addDomainCheck(_, let c, _), .addDomainCheckNotValid(_, let c): c.location
        case .security(let s): s.location
        default: nil
        }
    }

    /// The step rendered for a plan: its statement, with what it may do to a live application.
    ///
    /// The locks it takes on relations that exist before the plan (not those
    /// in `newTables`, which no application uses yet) decide its lock hazards
    /// (`Hazard.of(_:)`); the Differ's other hazards are kept.
    public func change(hazards: [Hazard] = [], transactional: Bool = true, newTables: Set<String> = []) -> Change {
        let locks = locks(hazards: hazards).filter { !newTables.contains($0.relation) }
        let kept = hazards.filter { !Hazard.lockHazards.contains($0) }
        var change = Change(op: operation, action: action, object: object, sql: sql, transactional: transactional,
                            hazards: Array(Set(kept + Hazard.of(locks))), lockFirst: lockFirst)
        change.locks = locks
        if case .backfillColumn(let table, let column) = self {
            change.backfill = ColumnBackfill(table: table, column: column)
        }
        return change
    }

    /// The tables to lock before the statement (`Change.lockFirst`): a foreign
    /// key added to an existing table locks the referenced table, then its own.
    var lockFirst: [String] {
        let table: String, f: ForeignKeyDeclaration
        switch self {
        case .addConstraint(let t, .foreignKey(let k)), .addConstraintNotValid(let t, .foreignKey(let k)): (table, f) = (t, k)
        default: return []
        }
        let referenced = (f.referencedSchema.map { quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(f.referencedTable)
        let own = quoteIdentifier(table)
        return referenced == own ? [own] : [referenced, own]
    }
}
