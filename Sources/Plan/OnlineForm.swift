import SQLSyntax
import State

/// The online form of a diff: the same changes, in steps that let the
/// application go on reading and writing the tables they touch.
///
/// A pass over the Differ's typed steps, after its phases are concatenated.
/// Changes to tables that exist before the plan are rewritten; new tables and
/// new tenants keep the single transaction (nothing reads them yet):
///
/// | change                  | online form                                                         |
/// |-------------------------|---------------------------------------------------------------------|
/// | add an index            | `CREATE INDEX CONCURRENTLY`                                         |
/// | drop an index           | `DROP INDEX CONCURRENTLY`                                           |
/// | add a check             | `ADD ... NOT VALID`, then `VALIDATE CONSTRAINT`                     |
/// | add a foreign key       | `ADD ... NOT VALID`, then `VALIDATE CONSTRAINT`                     |
/// | add a unique/primary key| unique index built concurrently, then `ADD ... USING INDEX`         |
/// | set NOT NULL            | `CHECK (c IS NOT NULL) NOT VALID`, `VALIDATE`, `SET NOT NULL` (no scan, PostgreSQL 12+), drop the check |
/// | add a check to a domain | `ALTER DOMAIN ... ADD ... NOT VALID`, then `VALIDATE CONSTRAINT`    |
///
/// The steps are grouped in stages: `DROP INDEX CONCURRENTLY` each on its own
/// (outside a transaction); then one transaction with every other change and
/// the `NOT VALID` additions; each `CREATE INDEX CONCURRENTLY` on its own; one
/// transaction of validations (SHARE UPDATE EXCLUSIVE: reads and writes go on);
/// one short transaction that sets NOT NULL, attaches the key indexes and drops
/// the temporary checks. Each stage carries the state the tenant is in after
/// it, so that `apply` can tell the stage a tenant reached and resume there.
/// Those intermediate states are the final state edited the way PostgreSQL
/// would show them (`pg_get_constraintdef` appends ` NOT VALID`; a key's index
/// before it is attached is a plain unique index of the key's columns).
extension Differ.Run {
    /// Changes that run together, and the state after them.
    struct Stage {
        var steps: [Planned]
        var transactional: Bool
        var state: SchemaState
    }

    /// The stages of `planned` (after the enum-label prelude, whose state is
    /// `prelude`; `final` the state after them all, dependents the plan keeps
    /// included): online as described above unless the differ plans the
    /// single-transaction form, or nothing has an online form.
    func stages(of planned: [Planned], prelude: SchemaState?, final: SchemaState) -> [Stage] {
        let preludeSteps = planned.filter { !$0.transactional }
        let rest = planned.filter(\.transactional)
        var stages: [Stage] = []
        if let prelude, !preludeSteps.isEmpty {
            // Its own transaction, committed before the changes that use the labels.
            stages.append(Stage(steps: preludeSteps, transactional: true, state: prelude))
        }
        guard differ.online, let online = OnlinePlan(rest, run: self, final: final) else {
            stages.append(Stage(steps: rest, transactional: true, state: final))
            return stages.filter { !$0.steps.isEmpty }
        }
        // States from the end backwards (see the type's comment).
        var afterValidation = final
        for (table, column, check) in online.notNullChecks {
            afterValidation.updateTable(table) { t in
                if let i = t.columns.firstIndex(where: { $0.name == column }) { t.columns[i].notNull = false }
                t.constraints.append(ConstraintState(
                    name: check, kind: .check, definition: "CHECK (\(Self.canonicalIdentifier(column)) IS NOT NULL)"))
            }
        }
        for key in online.keyIndexes {
            afterValidation.updateTable(key.table) { t in
                t.constraints.removeAll { $0.name == key.name }
                t.indexes.append(IndexState(name: key.index, definition: key.indexDefinition))
            }
        }
        for (table, column) in online.lateNullable {
            afterValidation.updateTable(table) { t in
                if let i = t.columns.firstIndex(where: { $0.name == column }) { t.columns[i].notNull = true }
            }
        }
        for (table, name) in online.deferredForeignKeys {
            afterValidation.updateTable(table) { $0.constraints.removeAll { $0.name == name } }
        }
        for (table, name) in online.lateCommentedIndexes {
            afterValidation.updateTable(table) { t in
                if let i = t.indexes.firstIndex(where: { $0.name == name }) { t.indexes[i].comment = nil }
            }
        }
        for (table, name) in online.lateDropped {
            guard let old = actual.table(named: table)?.constraint(named: name) else { continue }
            afterValidation.updateTable(table) { t in
                t.constraints.removeAll { $0.name == name }
                t.constraints.append(old)
            }
        }
        var afterBuilds = afterValidation
        for (domain, name) in online.validatedDomainChecks {
            guard let i = afterBuilds.domains.firstIndex(where: { $0.name == domain }),
                  let k = afterBuilds.domains[i].checks.firstIndex(where: { $0.name == name }) else { continue }
            afterBuilds.domains[i].checks[k].definition += " NOT VALID"
        }
        for (table, name) in online.validated {
            afterBuilds.updateTable(table) { t in
                if let i = t.constraints.firstIndex(where: { $0.name == name }) { t.constraints[i].definition += " NOT VALID" }
            }
        }
        // After the first transaction: none of the concurrently built indexes yet.
        var afterBuild: [SchemaState] = []
        var state = afterBuilds
        for planned in online.builds.reversed() {
            afterBuild.insert(state.normalized(), at: 0)
            if case .createIndexConcurrently(let table, let index) = planned.step {
                state.updateTable(table) { $0.indexes.removeAll { $0.name == index.name } }
            }
        }
        // Before the builds, the backfills (see `OnlinePlan.planBackfill`) and
        // the transaction that drops their markers and adds the NOT NULL checks.
        let afterBackfills = state.normalized()
        let afterFirst = online.backfilled.isEmpty ? afterBackfills : online.stateBeforeBackfills(ending: state)

        var before = prelude ?? actual
        for planned in online.drops {
            if case .dropIndexConcurrently(let name) = planned.step {
                for i in before.tables.indices { before.tables[i].indexes.removeAll { $0.name == name } }
                // Or a materialized view's index.
                for i in before.views.indices { before.views[i].indexes.removeAll { $0.name == name } }
            }
            stages.append(Stage(steps: [planned], transactional: false, state: before.normalized()))
        }
        stages.append(Stage(steps: online.first, transactional: true, state: afterFirst))
        for backfill in online.backfills {
            stages.append(Stage(steps: [backfill], transactional: false, state: afterFirst))
        }
        stages.append(Stage(steps: online.backfillEnd, transactional: true, state: afterBackfills))
        for (planned, state) in zip(online.builds, afterBuild) {
            stages.append(Stage(steps: [planned], transactional: false, state: state))
        }
        stages.append(Stage(steps: online.validations, transactional: true, state: afterValidation.normalized()))
        // Foreign keys added in the last transaction are added NOT VALID there
        // and validated in one more (SHARE UPDATE EXCLUSIVE), like any other.
        var afterFinals = final
        for (table, name) in online.deferredForeignKeys {
            afterFinals.updateTable(table) { t in
                if let i = t.constraints.firstIndex(where: { $0.name == name }) { t.constraints[i].definition += " NOT VALID" }
            }
        }
        stages.append(Stage(steps: online.finals, transactional: true,
                            state: online.lateValidations.isEmpty ? final : afterFinals.normalized()))
        stages.append(Stage(steps: online.lateValidations, transactional: true, state: final))
        return stages.filter { !$0.steps.isEmpty }
    }

    /// `quote_ident`: a name as PostgreSQL's deparser writes it, quoted only
    /// when it must be (anything but lower-case ASCII letters, digits and `_`, or a
    /// keyword that is not unreserved). A test compares it with the server's.
    static func canonicalIdentifier(_ name: String) -> String {
        let simple = name.unicodeScalars.first.map { ("a"..."z").contains($0) || $0 == "_" } ?? false
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        return simple && !reservedWords.contains(name) ? name : quoteIdentifier(name)
    }

    /// `pg_get_keywords()` whose `catcode` is not `U` (PostgreSQL 15).
    static let reservedWords: Set<String> = Set("""
        all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both \
        case cast char character check coalesce collate collation column concurrently constraint create cross \
        current_catalog current_date current_role current_schema current_time current_timestamp current_user dec \
        decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign \
        freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect \
        interval into is isnull join lateral leading least left like limit localtime localtimestamp national \
        natural nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps \
        overlay placing position precision primary real references returning right row select session_user setof \
        similar smallint some substring symmetric table tablesample then time timestamp to trailing treat trim \
        true union unique user using values varchar variadic verbose when where window with xmlattributes \
        xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
        """.split(separator: " ").map(String.init))

    /// The name of the temporary check that makes `column` NOT NULL online:
    /// checks are named per table, and the prefix tells it apart (a re-plan
    /// drops one left behind without asking, see `isTemporaryCheck`).
    static func notNullCheckName(_ column: String) -> String {
        let name = temporaryCheckPrefix + column
        if name.utf8.count <= IdentifierLength.maxBytes { return name }
        return temporaryCheckPrefix + String(SHA256.hex(column).prefix(16))
    }

    static let temporaryCheckPrefix = "tenantplan_not_null_"

    /// The name a key's index is built under when the key it replaces has the
    /// key's name (a primary key moved to other columns): the old key stays
    /// until the new one is attached, in one transaction, and PostgreSQL
    /// renames the index to the key's name then.
    static func keyIndexName(_ key: String) -> String {
        let name = keyIndexPrefix + key
        if name.utf8.count <= IdentifierLength.maxBytes { return name }
        return keyIndexPrefix + String(SHA256.hex(key).prefix(16))
    }

    static let keyIndexPrefix = "tenantplan_key_"

    static func isTemporaryCheck(_ name: String) -> Bool { name.hasPrefix(temporaryCheckPrefix) }
}

/// The online rewrite of a change list, sorted into the stages' parts.
struct OnlinePlan {
    /// `DROP INDEX CONCURRENTLY`, one stage each, before everything else.
    var drops: [Differ.Run.Planned] = []
    /// The first transaction: every change without an online form, and the `NOT VALID` additions.
    var first: [Differ.Run.Planned] = []
    /// `CREATE INDEX CONCURRENTLY`, one stage each.
    var builds: [Differ.Run.Planned] = []
    /// Column backfills (`OnlineForm+Backfill.swift`), one stage each, after the
    /// first transaction; then one transaction that ends them (`backfillEnd`).
    var backfills: [Differ.Run.Planned] = []
    var backfillEnd: [Differ.Run.Planned] = []
    var backfilled: [Backfilled] = []
    var validations: [Differ.Run.Planned] = []
    /// SET NOT NULL, key constraints from their indexes, temporary checks dropped,
    /// and foreign keys that need one of those keys (`NOT VALID`).
    var finals: [Differ.Run.Planned] = []
    /// The validations of the foreign keys `finals` adds.
    var lateValidations: [Differ.Run.Planned] = []
    /// SET NOT NULL of the columns made NOT NULL online, and the drops of their
    /// temporary checks (`planNotNull`), in `finals`.
    var setNotNulls: [Differ.Run.Planned] = []
    var droppedChecks: [Differ.Run.Planned] = []

    var notNullChecks: [(table: String, column: String, check: String)] = []
    /// `index`: the name the key's index is built under (`keyIndexName` when the key replaces one of its name).
    var keyIndexes: [(table: String, name: String, index: String, indexDefinition: String)] = []
    /// Columns whose NOT NULL goes in the last transaction, after the primary key on them is dropped.
    var lateNullable: [(table: String, column: String)] = []
    var validated: [(table: String, name: String)] = []
    var deferredForeignKeys: [(table: String, name: String)] = []
    /// Keys and foreign keys dropped in the last transaction (see `staysUntilAttached`).
    var lateDropped: [(table: String, name: String)] = []
    /// Domains: checks added `NOT VALID` in the first transaction, validated later.
    var validatedDomainChecks: [(domain: String, name: String)] = []
    /// Indexes built concurrently whose comment is set in the last transaction
    /// (`finals`), once they exist: the states before it show them without one.
    var lateCommentedIndexes: [(table: String, name: String)] = []

    /// Nil when no change has an online form.
    init?(_ planned: [Differ.Run.Planned], run: Differ.Run, final: SchemaState) {
        typealias Planned = Differ.Run.Planned
        // PostgreSQL builds and drops a partitioned table's indexes only in a
        // transaction (no CONCURRENTLY, no index-first keys, no NOT VALID
        // foreign keys): its changes keep the single-transaction form, as a
        // new table's do.
        let partitioned = Set((run.actual.tables + final.tables).filter { $0.partitionBy != nil }.map(\.name))
        let newTables = Set(planned.compactMap { p -> String? in
            if case .createTable(let t) = p.step { return t.name }
            return nil
        }).union(partitioned)
        let partitionedIndexes = Set(run.actual.tables.filter { $0.partitionBy != nil }.flatMap { $0.indexes.map(\.name) })
        let identities = Set(planned.compactMap { p -> String? in
            if case .addIdentity(let table, let column, _, _) = p.step { return table + "." + column }
            return nil
        })
        /// The unique index definition of a key as the state shows it before the key is attached.
        func keyIndexDefinition(_ table: String, _ name: String) -> String? {
            guard let def = final.table(named: table)?.constraint(named: name)?.definition else { return nil }
            for prefix in ["PRIMARY KEY (", "UNIQUE ("] where def.hasPrefix(prefix) && def.hasSuffix(")") {
                let columns = def.dropFirst(prefix.count - 1)
                // Only a plain column list: INCLUDE, DEFERRABLE... have no index-first form here.
                guard !columns.dropFirst().dropLast().contains(")") else { return nil }
                return "UNIQUE USING btree " + columns
            }
            return nil
        }
        var keyTables: Set<String> = []
        for p in planned {
            if case .addConstraint(let table, let c) = p.step, !newTables.contains(table) {
                switch c {
                case .primaryKey(let k), .unique(let k):
                    if keyIndexDefinition(table, k.name) != nil { keyTables.insert(table) }
                default: break
                }
            }
        }
        // A foreign key the plan drops may reference a unique index it drops:
        // that index goes in the first transaction, after the foreign key,
        // not concurrently before it (PostgreSQL refuses, 2BP01).
        let dropsForeignKeys = planned.contains { p in
            switch p.step {
            case .dropDependent(let d): return d.kind == .foreignKey
            case .dropConstraint(let table, let name):
                return run.actual.table(named: table)?.constraint(named: name)?.kind == .foreignKey
            default: return false
            }
        }
        func backsForeignKey(_ index: String) -> Bool {
            dropsForeignKeys && run.actual.tables.contains { t in
                t.indexes.contains { $0.name == index && $0.definition.hasPrefix("UNIQUE ") }
            }
        }
        // A key rebuilt online (unique -> primary key) whose foreign keys move
        // to it: the old key and those foreign keys stay until the last
        // transaction, where they are dropped just before the key is attached
        // and the foreign keys added again. Dropped in the first transaction,
        // they would leave the tables without the rule while the index builds.
        let builtKeys = Set(planned.compactMap { p -> String? in
            guard case .addConstraint(let table, let c) = p.step, keyTables.contains(table) else { return nil }
            switch c {
            case .primaryKey(let k), .unique(let k): return keyIndexDefinition(table, k.name) != nil ? k.name : nil
            default: return nil
            }
        })
        let movedForeignKeys = Set(planned.compactMap { p -> String? in
            guard case .addConstraint(let table, .foreignKey(let f)) = p.step,
                  f.referencedSchema == nil, keyTables.contains(f.referencedTable) else { return nil }
            return table + "." + f.name
        })
        func isKeyDrop(_ table: String, _ name: String) -> Bool {
            guard let kind = run.actual.table(named: table)?.constraint(named: name)?.kind else { return false }
            return kind == .unique || kind == .primaryKey
        }
        // A key whose name the new key takes (a primary key moved to other
        // columns): the new key's index is built under another name
        // (`keyIndexName`), so that the old key, and the foreign keys on it,
        // stay too until the one transaction that swaps them: no committed
        // state of the table is without its key.
        let replacedKeys = Set(planned.compactMap { p -> String? in
            guard case .dropConstraint(let table, let name) = p.step, builtKeys.contains(name),
                  isKeyDrop(table, name) else { return nil }
            return table + "." + name
        })
        func staysUntilAttached(_ table: String, _ name: String) -> Bool {
            movedForeignKeys.contains(table + "." + name) || (keyTables.contains(table) && isKeyDrop(table, name))
        }
        // A column of a primary key dropped late keeps NOT NULL until then (PostgreSQL refuses before).
        let latePrimaryKeyTables = Set(planned.compactMap { p -> String? in
            guard case .dropConstraint(let table, let name) = p.step, staysUntilAttached(table, name),
                  run.actual.table(named: table)?.constraint(named: name)?.kind == .primaryKey else { return nil }
            return table
        })
        // Backfills that stopped before their end (`Differ.Run.resumedBackfills`):
        // by `table.column`, the marker each left.
        var resumed: [String: String] = [:]
        var resumedMarkers: Set<String> = []
        for p in planned {
            guard case .fillColumn(let table, let column) = p.step, !newTables.contains(table) else { continue }
            let marker = Differ.Run.backfillMarkerName(run.actualColumnName(column, table: table))
            resumed[table + "." + column] = marker
            resumedMarkers.insert(table + "." + marker)
        }
        // Comments on what exists only from a later stage on: indexes built
        // concurrently, keys attached and foreign keys added in the last
        // transaction. They are set at its end.
        var builtIndexes: [String: String] = [:]
        var lateConstraints: Set<String> = []
        for p in planned {
            guard case .createIndex(let table, let index) = p.step, !newTables.contains(table) else { continue }
            builtIndexes[index.name] = table
        }
        for p in planned {
            guard case .addConstraint(let table, let c) = p.step else { continue }
            switch c {
            case .primaryKey(let k), .unique(let k):
                if !newTables.contains(table) && keyIndexDefinition(table, k.name) != nil {
                    lateConstraints.insert(table + "." + k.name)
                }
            case .foreignKey(let f):
                // Of a new table too (as the loop below defers them).
                if f.referencedSchema == nil && keyTables.contains(f.referencedTable) {
                    lateConstraints.insert(table + "." + f.name)
                }
            default: break
            }
        }
        var lateComments: [Planned] = []
        var lateDrops: [Planned] = []
        var attaches: [Planned] = []
        var deferred: [Planned] = []
        var lateDropNotNulls: [Planned] = []
        for p in planned {
            func online(_ step: Step, hazards: [Hazard] = p.hazards, transactional: Bool = true) -> Planned {
                Planned(step: step, hazards: hazards, transactional: transactional)
            }
            switch p.step {
            case .fillColumn(let table, let column) where resumed[table + "." + column] != nil:
                // The backfill again, from the rows still NULL; the marker goes
                // (below) and NOT NULL follows as for a new column.
                backfills.append(online(.backfillColumn(table: table, column: column), transactional: false))
                let notNull = planned.contains { if case .setNotNull(table, column) = $0.step { true } else { false } }
                backfilled.append(Backfilled(table: table, marker: resumed[table + "." + column]!,
                                             notNullCheck: notNull ? Differ.Run.notNullCheckName(column) : nil))
            case .dropConstraint(let table, let name) where resumedMarkers.contains(table + "." + name):
                backfillEnd.append(p)
            case .setNotNull(let table, let column) where resumed[table + "." + column] != nil:
                // As `planBackfill`: the check is added once the rows are filled.
                planNotNull(table: table, column: column, checkAddedIn: \.backfillEnd)
            case .dropConstraint(let table, let name) where staysUntilAttached(table, name):
                lateDrops.append(p)
                lateDropped.append((table, name))
            case .addColumn(let table, let column) where !newTables.contains(table) && Self.fillsOnline(p)
                && !Self.hasUpdateTriggers(table, was: run.actualTableName(table),
                                           run.actual, final):
                planBackfill(table: table, column: column, final: final)
            case .dropNotNull(let table, let column) where latePrimaryKeyTables.contains(table):
                lateDropNotNulls.append(p)
                lateNullable.append((table, column))
            case .dropIndex(let name) where !backsForeignKey(name) && !partitionedIndexes.contains(name):
                drops.append(online(.dropIndexConcurrently(name), transactional: false))
            case .createIndex(let table, let index) where !newTables.contains(table):
                builds.append(online(.createIndexConcurrently(table: table, index), transactional: false))
            case .addConstraint(let table, .foreignKey(let f)) where f.referencedSchema == nil && keyTables.contains(f.referencedTable):
                // The key it needs is attached in the last transaction: added
                // NOT VALID there, validated after it.
                deferred.append(online(.addConstraintNotValid(table: table, .foreignKey(f)), hazards: []))
                lateValidations.append(online(.validateConstraint(table: table, name: f.name),
                                              hazards: p.hazards.filter { $0 == .mayFailOnExistingData }))
                deferredForeignKeys.append((table, f.name))
            case .addConstraint(_, .foreignKey(let f)) where f.referencedSchema == nil
                && partitioned.contains(f.referencedTable):
                // VALIDATE CONSTRAINT validates the key, not its clones for the
                // referenced partitions, which would stay NOT VALID: added valid.
                first.append(p)
            case .addConstraint(let table, let c) where !newTables.contains(table):
                switch c {
                case .check, .foreignKey:
                    first.append(online(.addConstraintNotValid(table: table, c), hazards: []))
                    validations.append(online(.validateConstraint(table: table, name: c.name),
                                              hazards: p.hazards.filter { $0 == .mayFailOnExistingData }))
                    validated.append((table, c.name))
                case .exclusion:
                    // No index-first form: ADD ... USING INDEX takes unique indexes only.
                    first.append(p)
                case .primaryKey(let k), .unique(let k):
                    guard let definition = keyIndexDefinition(table, k.name) else { first.append(p); continue }
                    let replaces = replacedKeys.contains(table + "." + k.name)
                    let indexName = replaces ? Differ.Run.keyIndexName(k.name) : k.name
                    let index = IndexDeclaration(name: indexName, columns: k.columns, unique: true, location: k.location)
                    builds.append(online(.createIndexConcurrently(table: table, index), transactional: false))
                    attaches.append(online(.addConstraintUsingIndex(table: table, name: k.name,
                                                                    primaryKey: { if case .primaryKey = c { true } else { false } }(),
                                                                    index: replaces ? indexName : nil),
                                           hazards: []))
                    keyIndexes.append((table, k.name, indexName, definition))
                }
            case .setNotNull(let table, let column) where !newTables.contains(table)
                && !identities.contains(table + "." + column):
                planNotNull(table: table, column: column, checkAddedIn: \.first)
            case .commentOnIndex(let name, _) where builtIndexes[name] != nil:
                lateComments.append(p)
                lateCommentedIndexes.append((builtIndexes[name]!, name))
            case .commentOnConstraint(let table, let name, _) where lateConstraints.contains(table + "." + name):
                lateComments.append(p)
            // Domains: a check on a domain that columns use.
            case .addDomainCheck(let domain, let check, let tables) where !tables.isEmpty:
                first.append(online(.addDomainCheckNotValid(domain: domain, check), hazards: []))
                validations.append(online(.validateDomainCheck(domain: domain, name: check.name, tables: tables),
                                          hazards: p.hazards.filter { $0 == .mayFailOnExistingData }))
                validatedDomainChecks.append((domain, check.name))
            default:
                first.append(p)
            }
        }
        finals = lateDrops + lateDropNotNulls + setNotNulls + attaches + droppedChecks + deferred + lateComments
        if drops.isEmpty && builds.isEmpty && validations.isEmpty && backfills.isEmpty { return nil }
    }
}

extension OnlinePlan {
    /// SET NOT NULL online, for every column made NOT NULL on a table that
    /// exists: `CHECK (c IS NOT NULL) NOT VALID` added in the stage `stage`
    /// names (`first`, or `backfillEnd` for a column backfilled first, whose
    /// rows are NULL until then), `VALIDATE` with the other validations (SHARE
    /// UPDATE EXCLUSIVE: reads and writes go on), then in the last transaction
    /// `SET NOT NULL`, which the validated check spares its scan (PostgreSQL
    /// 12+), and the check dropped. Returns the check's name.
    @discardableResult
    mutating func planNotNull(table: String, column: String,
                              checkAddedIn stage: WritableKeyPath<OnlinePlan, [Differ.Run.Planned]>) -> String {
        typealias Planned = Differ.Run.Planned
        let check = Differ.Run.notNullCheckName(column)
        self[keyPath: stage].append(Planned(step: .addConstraintNotValid(
            table: table, .check(CheckDeclaration(name: check, expression: "\(quoteIdentifier(column)) IS NOT NULL"))),
            hazards: []))
        validations.append(Planned(step: .validateConstraint(table: table, name: check), hazards: [.mayFailOnExistingData]))
        validated.append((table, check))
        notNullChecks.append((table, column, check))
        setNotNulls.append(Planned(step: .setNotNull(table: table, column: column), hazards: []))
        droppedChecks.append(Planned(step: .dropConstraint(table: table, name: check), hazards: []))
        return check
    }
}

extension Differ {
    /// A name as PostgreSQL's deparser writes it (`quote_ident`); see `Run.canonicalIdentifier`.
    public static func canonicalIdentifier(_ name: String) -> String { Run.canonicalIdentifier(name) }
}
