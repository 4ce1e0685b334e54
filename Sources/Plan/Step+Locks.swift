import State

/// A table-level lock mode, as PostgreSQL names it in its documentation
/// (https://www.postgresql.org/docs/15/explicit-locking.html), weakest first.
public enum LockLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case accessShare = "ACCESS SHARE"
    case rowShare = "ROW SHARE"
    case rowExclusive = "ROW EXCLUSIVE"
    case shareUpdateExclusive = "SHARE UPDATE EXCLUSIVE"
    case share = "SHARE"
    case shareRowExclusive = "SHARE ROW EXCLUSIVE"
    case exclusive = "EXCLUSIVE"
    case accessExclusive = "ACCESS EXCLUSIVE"

    public static func < (a: LockLevel, b: LockLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The mode as `pg_locks.mode` shows it: `AccessExclusiveLock`.
    public var pgLocksMode: String {
        rawValue.split(separator: " ").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined() + "Lock"
    }

    /// Whether the application's `SELECT` waits while it is held.
    public var blocksReads: Bool { self == .accessExclusive }
    /// Whether the application's `INSERT`/`UPDATE`/`DELETE` (ROW EXCLUSIVE) waits while it is held.
    public var blocksWrites: Bool { self >= .share }

    /// Whether a request for `self` waits while another session holds `other`
    /// on the same relation (https://www.postgresql.org/docs/15/explicit-locking.html,
    /// table 13.2).
    public func conflicts(with other: LockLevel) -> Bool {
        let (low, high) = self < other ? (self, other) : (other, self)
        switch low {
        case .accessShare: return high == .accessExclusive
        case .rowShare: return high >= .exclusive
        case .rowExclusive: return high >= .share
        case .shareUpdateExclusive: return true
        case .share: return high != .share
        case .shareRowExclusive, .exclusive, .accessExclusive: return true
        }
    }
}

/// What a statement does to a relation's rows while it holds its lock.
public enum TableWork: String, Sendable, Codable {
    /// Catalog only: the lock is held for an instant (once granted).
    case none
    /// Reads every row (validation, index build).
    case scan
    /// Writes the whole table anew.
    case rewrite
}

/// The lock one statement takes on one relation, and the work it does under it.
public struct RelationLock: Sendable, Equatable, Codable {
    /// The relation as the statement names it: a table of the tenant, a shared
    /// table (`public.plans`), an index for `DROP INDEX`, or a sequence.
    public var relation: String
    public var mode: LockLevel
    public var work: TableWork

    public init(_ relation: String, _ mode: LockLevel, _ work: TableWork = .none) {
        self.relation = relation
        self.mode = mode
        self.work = work
    }
}

extension Step {
    /// The table-level locks the statement takes on existing relations, and
    /// whether it scans or rewrites under them. A test takes each statement in
    /// an open transaction and compares with `pg_locks`.
    ///
    /// `hazards` are the Differ's for this step: they say whether a type change
    /// rewrites (`tableRewrite`) or a SET NOT NULL scans (a validated check
    /// spares the scan: the online form plans it without `mayFailOnExistingData`).
    public func locks(hazards: [Hazard]) -> [RelationLock] {
        // A rewrite the Differ found (a generated column added back) is one whatever the statement.
        guard hazards.contains(.tableRewrite) else { return statementLocks(hazards: hazards) }
        return statementLocks(hazards: hazards).map {
            $0.mode == .accessExclusive ? RelationLock($0.relation, $0.mode, .rewrite) : $0
        }
    }

    private func statementLocks(hazards: [Hazard]) -> [RelationLock] {
        switch self {
        case .createSchema, .createEnum, .addEnumValue, .dropType, .createTable, .createSequence, .renameIndex,
             .createStandaloneSequence,
             .createCompositeType, .addAttribute, .dropAttribute, .alterAttributeType, .commentOnCompositeType,
             .commentOnEnum,
             .dropCompositeType:
            // New objects, and a composite type's own catalog rows: no table lock
            // (the values of a composite type's columns are not rewritten).
            return []
        // Sequences (measured on PostgreSQL 15): every form of ALTER SEQUENCE but RENAME
        // (options, AS, RESTART, OWNED BY) takes SHARE ROW EXCLUSIVE on the sequence, which
        // nextval's ROW EXCLUSIVE waits for: an INSERT whose default calls nextval waits
        // until the tenant's transaction commits. Reading the sequence goes on.
        case .alterSequence(_, let to):
            return [RelationLock(to.name, .shareRowExclusive)]
        case .alterSequenceType(let name, _):
            return [RelationLock(name, .shareRowExclusive)]
        case .sequenceOwnedBy(let name, let ownedBy):
            // And the owning table ACCESS SHARE while the dependency is recorded.
            return [RelationLock(name, .shareRowExclusive)]
                + (ownedBy.flatMap { $0.split(separator: ".", maxSplits: 1).first.map(String.init) }
                    .map { [RelationLock($0, .accessShare)] } ?? [])
        case .renameSequence(let from, _):
            // RENAME goes through ALTER TABLE's path: ACCESS EXCLUSIVE, even reads wait.
            return [RelationLock(from, .accessExclusive)]
        case .dropSequence(let name):
            return [RelationLock(name, .accessExclusive)]
        case .commentOnSequence(let name, _):
            // nextval goes on.
            return [RelationLock(name, .shareUpdateExclusive)]
        case .renameTable(let from, _):
            return [RelationLock(from, .accessExclusive)]
        case .dropTable(let name):
            return [RelationLock(name, .accessExclusive)]
        case .createPartition(let table, _, let defaultPartition):
            // The parent under ACCESS EXCLUSIVE; a DEFAULT partition is scanned
            // for rows that belong to the new bound, under ACCESS EXCLUSIVE too.
            return [RelationLock(table, .accessExclusive)]
                + (defaultPartition.map { [RelationLock($0, .accessExclusive, .scan)] } ?? [])
        case .dropPartition(let table, let name):
            return [RelationLock(table, .accessExclusive), RelationLock(name, .accessExclusive)]
        case .setLogged(let table, _):
            // Writes the table anew (to or from the WAL), and its indexes.
            return [RelationLock(table, .accessExclusive, .rewrite)]
        case .commentOnTable(let table, _), .commentOnColumn(let table, _, _):
            return [RelationLock(table, .shareUpdateExclusive)]
        case .commentOnIndex(let name, _):
            // The index alone, as the server takes it (measured on PostgreSQL 15).
            return [RelationLock(name, .shareUpdateExclusive)]
        case .commentOnConstraint(let table, _, _):
            // ACCESS SHARE on the table (measured on PostgreSQL 15): reads and writes go on.
            return [RelationLock(table, .accessShare)]
        case .addColumn(let table, _):
            return [RelationLock(table, .accessExclusive, hazards.contains(.tableRewrite) ? .rewrite : .none)]
        case .alterColumnType(let table, _, _, _, _):
            let work: TableWork = hazards.contains(.tableRewrite) ? .rewrite : hazards.contains(.longLock) ? .scan : .none
            return [RelationLock(table, .accessExclusive, work)]
        case .setNotNull(let table, _):
            return [RelationLock(table, .accessExclusive, hazards.contains(.mayFailOnExistingData) ? .scan : .none)]
        case .renameColumn(let table, _, _), .dropColumn(let table, _), .dropNotNull(let table, _),
             .setDefault(let table, _, _), .dropDefault(let table, _), .addIdentity(let table, _, _, _),
             .setIdentity(let table, _, _), .dropIdentity(let table, _), .dropExpression(let table, _),
             .renameConstraint(let table, _, _), .dropConstraint(let table, _),
             .addConstraintUsingIndex(let table, _, _, _):
            return [RelationLock(table, .accessExclusive)]
        case .addConstraint(let table, let constraint), .addConstraintNotValid(let table, let constraint):
            let validates: Bool = { if case .addConstraint = self { true } else { false } }()
            switch constraint {
            case .foreignKey(let f):
                let referenced = (f.referencedSchema.map { $0 + "." } ?? "") + f.referencedTable
                // Both tables: inserts into the one and deletes from the other must wait.
                return [RelationLock(table, .shareRowExclusive, validates ? .scan : .none)]
                    + (referenced == table ? [] : [RelationLock(referenced, .shareRowExclusive)])
            case .check, .primaryKey, .unique, .exclusion:
                return [RelationLock(table, .accessExclusive, validates ? .scan : .none)]
            }
        case .validateConstraint(let table, _):
            return [RelationLock(table, .shareUpdateExclusive, .scan)]
        case .createIndex(let table, _):
            return [RelationLock(table, .share, .scan)]
        case .createIndexConcurrently(let table, _):
            return [RelationLock(table, .shareUpdateExclusive, .scan)]
        case .dropIndex(let name):
            return [RelationLock(name, .accessExclusive)]
        case .dropIndexConcurrently(let name):
            return [RelationLock(name, .shareUpdateExclusive)]
        case .backfillColumn(let table, _):
            // UPDATE: row locks only, batch by batch; reads every row once (and again for rows still NULL).
            return [RelationLock(table, .rowExclusive, .scan)]
        case .fillColumn(let table, _):
            // One UPDATE: reads every row, locks the NULL ones until the tenant's transaction commits.
            return [RelationLock(table, .rowExclusive, .scan)]
        case .continueSequence(_, let table, _, let after, let reading):
            // Reading the column's highest value and the old sequence's last one
            // takes ACCESS SHARE on each (measured on PostgreSQL 15): reads and
            // writes go on. Without an index that leads with the column, max()
            // reads every row, under the lock the transaction holds on the table
            // by then. setval's ROW EXCLUSIVE is on the sequence the plan has
            // just made, which nothing else uses yet.
            let column: RelationLock
            switch reading {
            case .index: column = RelationLock(table, .accessShare)
            case .scan(let held): column = RelationLock(table, held, .scan)
            }
            return [column] + (after.map { [RelationLock($0, .accessShare)] } ?? [])
        case .createFunction, .replaceFunction, .dropFunction, .commentOnFunction:
            // Routines: no table lock.
            return []
        case .createTrigger(let table, _):
            return [RelationLock(table, .shareRowExclusive)]
        case .dropTrigger(let table, _), .commentOnTrigger(let table, _, _):
            return [RelationLock(table, .accessExclusive)]
        case .alterConstraintTiming(let table, _, _):
            // ACCESS EXCLUSIVE on the referencing table (measured on PostgreSQL 15),
            // held only for the catalog update: the constraint row and its
            // triggers' rows; no row is read.
            return [RelationLock(table, .accessExclusive)]
        case .setIndexStorage(let index, let set, let reset):
            // PostgreSQL's lock level per parameter (AlterTableGetRelOptionsLockLevel):
            // fillfactor and btree's deduplicate_items need SHARE UPDATE EXCLUSIVE; others, taken
            // as the strongest, ACCESS EXCLUSIVE. Catalog only: existing pages are not rewritten.
            let light: Set<String> = ["fillfactor", "deduplicate_items"]
            let names = Set(set.keys).union(reset)
            return [RelationLock(index, names.isSubset(of: light) ? .shareUpdateExclusive : .accessExclusive)]
        // Views: creating one takes ACCESS SHARE on what it reads (a materialized
        // view's query then scans it under that lock: reads and writes go on);
        // replacing, dropping or commenting on one locks the view itself.
        case .createView:
            return []
        case .replaceView(let v):
            return [RelationLock(v.name, .accessExclusive)]
        case .dropView(let name, _):
            return [RelationLock(name, .accessExclusive)]
        case .commentOnView(let name, _, _):
            return [RelationLock(name, .shareUpdateExclusive)]
        case .createViewIndex(let view, _):
            return [RelationLock(view, .share, .scan)]
        // MARK: Domains
        case .createDomain, .dropDomain, .alterDomainDefault, .dropDomainNotNull, .addDomainCheckNotValid,
             .dropDomainCheck, .commentOnDomain:
            // The domain's own catalog rows: no table lock (new values are
            // checked as they are written, under the writer's own locks).
            return []
        case .setDomainNotNull(_, let tables), .addDomainCheck(_, _, let tables), .validateDomainCheck(_, _, let tables):
            // Every column using the domain is checked, each table under SHARE.
            return tables.map { RelationLock($0, .share, .scan) }
        case .dropDependent(let d):
            let prefix = d.schema.map { $0 + "." } ?? ""
            switch d.kind {
            case .view, .materializedView: return [RelationLock(prefix + d.name, .accessExclusive)]
            case .function, .procedure, .aggregate, .domain, .attribute: return []
            default: return d.table.map { [RelationLock(prefix + $0, .accessExclusive)] } ?? []
            }
        case .security(let s):
            return s.locks
        }
    }
}

extension Hazard {
    /// The hazards that locks and their work amount to: a rewrite or a scan
    /// under ACCESS EXCLUSIVE stops reads and writes (`tableRewrite`,
    /// `longLock`); a scan under SHARE or SHARE ROW EXCLUSIVE stops writes
    /// (`blocksWrites`). Catalog-only changes and SHARE UPDATE EXCLUSIVE carry none.
    public static func of(_ locks: [RelationLock]) -> [Hazard] {
        var hazards: Set<Hazard> = []
        for lock in locks where lock.work != .none {
            if lock.mode.blocksReads { hazards.insert(lock.work == .rewrite ? .tableRewrite : .longLock) }
            else if lock.mode.blocksWrites { hazards.insert(.blocksWrites) }
        }
        return hazards.sorted()
    }

    /// The hazards that come from locks, recomputed by `of(_:)` for every change.
    static let lockHazards: Set<Hazard> = [.tableRewrite, .longLock, .blocksWrites]
}

extension Change {
    /// What the change does to existing rows under which lock, for people:
    /// `scans orders under SHARE UPDATE EXCLUSIVE`; nil for catalog-only changes.
    public var lockSummary: String? { lockSummary { _ in nil } }

    /// `lockSummary` with each relation's size where `size` knows it:
    /// `scans orders (up to 1.9 GB, tenant acme) under SHARE UPDATE EXCLUSIVE`.
    public func lockSummary(size: (String) -> String?) -> String? {
        let parts = locks.filter { $0.work != .none }.map { lock in
            let sized = size(lock.relation).map { " (\($0))" } ?? ""
            return "\(lock.work == .rewrite ? "rewrites" : "scans") \(lock.relation)\(sized) under \(lock.mode.rawValue)"
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
