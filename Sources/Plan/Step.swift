import State

/// One step of a tenant's migration, before it is rendered to SQL.
///
/// Names are unqualified: every statement runs under the tenant's `search_path`.
/// Declarations carry the user's own text for types and expressions; the
/// decision *whether* to change is made on canonical reflected states (`Differ`).
public enum Step: Sendable, Equatable {
    case createSchema
    case createEnum(EnumDeclaration)
    case addEnumValue(type: String, value: String, before: String?)
    case dropType(String)

    case createTable(TableDeclaration)
    case renameTable(from: String, to: String)
    case dropTable(String)
    case commentOnTable(String, comment: String?)
    // MARK: Partitions and persistence
    /// `CREATE TABLE partition PARTITION OF table bound`. `defaultPartition`:
    /// the table's DEFAULT partition when it has one, which the statement scans
    /// for rows of the new bound (and fails on any).
    case createPartition(table: String, PartitionDeclaration, defaultPartition: String?)
    /// `DROP TABLE partition`: its rows go with it.
    case dropPartition(table: String, name: String)
    /// `ALTER TABLE ... SET LOGGED` or `SET UNLOGGED`: rewrites the table.
    case setLogged(table: String, logged: Bool)

    case addColumn(table: String, ColumnDeclaration)
    case renameColumn(table: String, from: String, to: String)
    case dropColumn(table: String, column: String)
    /// `using`: the expression that computes the new value (`USING ...`), when
    /// PostgreSQL has no assignment cast from the old type.
    case alterColumnType(table: String, column: String, type: String, collation: String?, using: String? = nil)
    case setNotNull(table: String, column: String)
    case dropNotNull(table: String, column: String)
    /// `expression` is SQL text (the server's canonical form of the declared default).
    case setDefault(table: String, column: String, expression: String)
    case dropDefault(table: String, column: String)
    /// `sequence`: the identity sequence's name, as a new tenant's is named; nil
    /// lets PostgreSQL choose.
    case addIdentity(table: String, column: String, Identity, sequence: String?)
    case setIdentity(table: String, column: String, Identity)
    case dropIdentity(table: String, column: String)
    case dropExpression(table: String, column: String)
    case commentOnColumn(table: String, column: String, comment: String?)

    case createSequence(name: String, type: String, ownedByTable: String, column: String)
    case renameSequence(from: String, to: String)
    case alterSequenceType(name: String, type: String)
    case dropSequence(String)
    /// Sets sequence `name` (the new sequence of a column that holds rows) so
    /// that it continues after the column's highest value, and after the last
    /// value sequence `after` (the column's previous sequence) gave out. The
    /// value is computed by the statement when it runs, in each tenant.
    /// `reading` is how it finds the column's highest value: from a btree
    /// index that leads with the column, or by scanning the table under
    /// `tableLock` (ACCESS EXCLUSIVE when an earlier step of the same
    /// transaction holds it already: the column just became an identity).
    case continueSequence(name: String, table: String, column: String, after: String?,
                          reading: SequenceContinuation = .index)
    // MARK: Composite types
    case createCompositeType(CompositeTypeDeclaration)
    /// `type`: the attribute's type as the server renders it (`character varying(10)`).
    case addAttribute(compositeType: String, name: String, type: String)
    case dropAttribute(compositeType: String, name: String)
    /// Only while no column uses the composite type: PostgreSQL refuses otherwise.
    case alterAttributeType(compositeType: String, name: String, type: String)
    case commentOnCompositeType(String, comment: String?)
    /// `COMMENT ON TYPE` of an enum.
    case commentOnEnum(String, comment: String?)
    case dropCompositeType(String)
    // MARK: Sequences
    /// A standalone sequence with its declared options (`OWNED BY` comes once the table exists).
    case createStandaloneSequence(SequenceDeclaration)
    /// Changes the options of a standalone sequence that differ between `from`
    /// and `to`; its current value stays.
    case alterSequence(from: SequenceState, to: SequenceState)
    /// `OWNED BY table.column`, or `OWNED BY NONE` for nil.
    case sequenceOwnedBy(name: String, ownedBy: String?)
    case commentOnSequence(String, comment: String?)

    case addConstraint(table: String, ConstraintDeclaration)
    case renameConstraint(table: String, from: String, to: String)
    case dropConstraint(table: String, name: String)
    case commentOnConstraint(table: String, name: String, comment: String?)

    case createIndex(table: String, IndexDeclaration)
    case renameIndex(from: String, to: String)
    case dropIndex(String)
    case commentOnIndex(String, comment: String?)

    /// The declared `CREATE FUNCTION|PROCEDURE` statement, as written.
    case createFunction(FunctionDeclaration)
    /// The declared statement as `CREATE OR REPLACE`: same signature and result type.
    case replaceFunction(FunctionDeclaration)
    /// `arguments` as `pg_get_function_identity_arguments` gives them; `kind`
    /// as reflected, which names the statement (`DROP AGGREGATE`...).
    case dropFunction(name: String, arguments: String, kind: FunctionState.Kind)
    /// By name alone: a declared function's name is unique in the schema.
    case commentOnFunction(name: String, comment: String?)

    case createTrigger(table: String, TriggerDeclaration)
    case dropTrigger(table: String, name: String)
    case commentOnTrigger(table: String, name: String, comment: String?)
    /// Drops an object that depends on what the plan changes and that
    /// `schema.yaml` does not declare (see `DependentState`).
    case dropDependent(DependentState)
    // The online forms (`OnlineForm`): the same changes in steps that let the
    // application go on reading and writing the table.
    /// `CREATE [UNIQUE] INDEX CONCURRENTLY`: outside a transaction.
    case createIndexConcurrently(table: String, IndexDeclaration)
    /// `DROP INDEX CONCURRENTLY`: outside a transaction.
    case dropIndexConcurrently(String)
    /// A check or foreign key added `NOT VALID`: existing rows are not scanned.
    case addConstraintNotValid(table: String, ConstraintDeclaration)
    case validateConstraint(table: String, name: String)
    // MARK: Constraint and index options
    /// `ALTER CONSTRAINT ... [NOT] DEFERRABLE INITIALLY ...` of a foreign key: no row is read.
    case alterConstraintTiming(table: String, name: String, ConstraintTiming)
    /// `ALTER INDEX ... SET (...)` with `set`, or `RESET (...)` with `reset` (one
    /// of the two is empty): storage parameters, no rebuild.
    case setIndexStorage(index: String, set: [String: String], reset: [String])
    /// A unique or primary key constraint from a unique index: `index`, or
    /// the index of the same name when nil (PostgreSQL renames the index to the
    /// constraint's name).
    case addConstraintUsingIndex(table: String, name: String, primaryKey: Bool, index: String? = nil)
    // MARK: Column backfill (the online form of a column added with a volatile default)
    /// Sets `column` to its default in the rows where it is NULL, in batches,
    /// each its own transaction, outside the tenant's transaction (`ColumnBackfill`).
    case backfillColumn(table: String, column: String)
    /// Sets `column` to its default in the rows where it is NULL, in one
    /// statement inside the tenant's transaction: what a backfill that stopped
    /// before its end (its marker check still there) left to do, when the
    /// re-plan takes the tenant's single-transaction form.
    case fillColumn(table: String, column: String)
    // MARK: Views and materialized views
    /// `CREATE [MATERIALIZED] VIEW ... AS query`; a materialized view `WITH DATA`
    /// unless declared `with_data: false`.
    case createView(ViewDeclaration)
    /// `CREATE OR REPLACE VIEW`: the old columns stay, in order; new ones are appended.
    case replaceView(ViewDeclaration)
    case dropView(name: String, materialized: Bool)
    case commentOnView(name: String, materialized: Bool, comment: String?)
    /// An index of a materialized view, built in the plan's transaction.
    case createViewIndex(view: String, IndexDeclaration)

    // MARK: Domains
    /// `tables`, in the steps that check existing values: the tables whose
    /// columns use the domain, which the statement scans under SHARE.
    case createDomain(DomainDeclaration)
    case dropDomain(String)
    /// `SET DEFAULT expression`, or `DROP DEFAULT` for nil.
    case alterDomainDefault(domain: String, expression: String?)
    case setDomainNotNull(domain: String, tables: [String])
    case dropDomainNotNull(domain: String)
    case addDomainCheck(domain: String, CheckDeclaration, tables: [String])
    /// The online form: added `NOT VALID` (existing values are not checked), then validated.
    case addDomainCheckNotValid(domain: String, CheckDeclaration)
    case validateDomainCheck(domain: String, name: String, tables: [String])
    case dropDomainCheck(domain: String, name: String)
    case commentOnDomain(String, comment: String?)
    // MARK: Row-level security, policies and grants
    /// See `SecurityStep`.
    case security(SecurityStep)
}

/// How `Step.continueSequence` finds the highest value of its column.
public enum SequenceContinuation: Sendable, Equatable, Hashable {
    /// A btree index leads with the column: `max()` reads one entry of it.
    case index
    /// No index does: `max()` reads every row, under `tableLock` on the table.
    case scan(tableLock: LockLevel)
}
