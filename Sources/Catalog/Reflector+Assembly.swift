import State

extension Reflector {
    /// One batch's rows grouped by table and object, from which each schema's
    /// state is assembled.
    ///
    /// Texts re-read with the schema on the path (`BatchRows.local`) replace the
    /// ones read in the batch. Tables, constraints and indexes come out in name
    /// order; columns stay in column order.
    struct Assembly {
        let rows: BatchRows
        /// Positions in `rows.columns` by table oid, in `attnum` order.
        var columns: [String: [Int]] = [:]
        /// Positions in `rows.constraints` by table oid.
        var constraints: [String: [Int]] = [:]
        /// Positions in `rows.indexes` by table oid.
        var indexes: [String: [Int]] = [:]
        /// Table comments by table oid, column comments by `table/attnum`.
        var comments: [String: String] = [:]
        /// Sequences that a column owns (serial or identity): part of their column.
        var ownedSequences: Set<String> = []
        /// A serial column's sequence oid, by the column's `table/attnum`.
        var serialSequences: [String: String] = [:]
        /// An identity column's sequence oid, by the column's `table/attnum`.
        var identitySequences: [String: String] = [:]
        /// Each owned sequence's data type, by sequence oid.
        var sequenceTypes: [String: String] = [:]
        /// What each table has that schema.yaml cannot express, by table oid.
        var unsupported: [String: [String]] = [:]
        /// Enum labels in order, by enum type oid.
        var labels: [String: [String]] = [:]
        /// Enum and composite type comments by type oid.
        var typeComments: [String: String] = [:]
        /// Routines the state manages (functions and procedures outside extensions).
        var managedRoutines: Set<String> = []
        /// Trigger rows by table oid.
        var triggers: [String: [TriggerRow]] = [:]
        /// Routine comments by oid.
        var routineComments: [String: String] = [:]
        /// Policy rows and row-level security and grants, by table oid.
        var policies: [String: [PolicyRow]] = [:]
        var tableSecurity: [String: TableSecurityRow] = [:]
        /// Persistence and partitioning rows by table oid, and each partitioned
        /// table's partitions (oid and bound) by its oid.
        var shapes: [String: TableShapeRow] = [:]
        var partitions: [String: [(oid: String, bound: String)]] = [:]
        // MARK: Sequences
        /// Every sequence's row, by oid.
        var sequenceRows: [String: SequenceRow] = [:]
        /// Sequences that stand alone (see `SequenceRow.belongsToColumn`).
        var standaloneSequences: Set<String> = []

        init(_ rows: BatchRows) {
            self.rows = rows
            for i in rows.columns.indices { columns[rows.columns[i].table, default: []].append(i) }
            for i in rows.constraints.indices { constraints[rows.constraints[i].table, default: []].append(i) }
            for i in rows.indexes.indices { indexes[rows.indexes[i].table, default: []].append(i) }
            for row in rows.sequences {
                sequenceRows[row.oid] = row
                if !row.belongsToColumn { standaloneSequences.insert(row.oid) }
            }
            for row in rows.sequences where !standaloneSequences.contains(row.oid) {
                guard let table = row.ownerTableOID, let attnum = row.ownerAttnum else { continue }
                ownedSequences.insert(row.oid)
                if row.dependency == "a" { serialSequences["\(table)/\(attnum)"] = row.oid }
                if row.dependency == "i" { identitySequences["\(table)/\(attnum)"] = row.oid }
                sequenceTypes[row.oid] = row.type
            }
            for row in rows.comments {
                comments[row.subid == "0" ? row.table : "\(row.table)/\(row.subid)"] = row.comment
            }
            for row in rows.enumLabels { labels[row.type, default: []].append(row.label) }
            for row in rows.typeComments { typeComments[row.oid] = row.comment }
            managedRoutines = Set(rows.routines.filter(\.isManaged).map(\.oid))
            for row in rows.routines { routineComments[row.oid] = row.comment }
            for row in rows.triggers { triggers[row.table, default: []].append(row) }
            for row in rows.tableProperties { unsupported[row.table, default: []].append(row.item) }
            for row in rows.policies { policies[row.table, default: []].append(row) }
            for row in rows.tableSecurity { tableSecurity[row.table] = row }
            for row in rows.tableShapes {
                shapes[row.table] = row
                // A partition that is itself partitioned stays a table of its own.
                if row.kind == "r", let parent = row.parent, let bound = row.bound {
                    partitions[parent, default: []].append((row.table, bound))
                }
            }
        }

        /// The partitions that belong to their parent in the state: those of a
        /// partitioned table of the same schema (`names`), not themselves partitioned.
        func foldedPartitions(names: [String: String]) -> Set<String> {
            var folded: Set<String> = []
            for (parent, list) in partitions where names[parent] != nil {
                for p in list where names[p.oid] != nil { folded.insert(p.oid) }
            }
            return folded
        }

        /// The state of the schema that `members` describes.
        func state(of members: Members) -> SchemaState {
            let names = Dictionary(members.classes.map { ($0.oid, $0.name) }, uniquingKeysWith: { a, _ in a })
            let folded = foldedPartitions(names: names)
            let tables = members.classes.filter { Reflector.isTable($0.kind) && !folded.contains($0.oid) }
                .map { table($0.oid, $0.name, names: names) }
            let enums = members.types.filter { $0.kind == "e" }.map {
                EnumState(name: $0.name, labels: labels[$0.oid] ?? [], comment: typeComments[$0.oid])
            }
            let functions = members.routines.filter { managedRoutines.contains($0.oid) }.compactMap { r -> FunctionState? in
                let local = rows.local
                guard let definition = local["fd/\(r.oid)"] else { return nil }
                return FunctionState(
                    name: r.name, arguments: local["fa/\(r.oid)"] ?? "",
                    // prokind has no other value.
                    kind: FunctionState.Kind(rawValue: String(r.kind)) ?? .function, result: local["fr/\(r.oid)"],
                    definition: Reflector.neutralised(definition: definition, quotedSchema: members.quotedName,
                                                      schema: members.schema),
                    comment: routineComments[r.oid])
            }
            let security = schemaSecurity(of: members.schema)
            // A view's triggers come with the tables' (`TriggerRow`).
            var views = Reflector.views(of: members, local: rows.local)
            let viewOIDs = Dictionary(members.classes.filter { $0.kind == "v" }.map { ($0.name, $0.oid) },
                                      uniquingKeysWith: { a, _ in a })
            for i in views.indices {
                guard let oid = viewOIDs[views[i].name] else { continue }
                let triggers = triggers(of: oid)
                views[i].triggers = triggers.isEmpty ? nil : triggers
            }
            return SchemaState(
                enums: enums.sorted { $0.name < $1.name }, tables: tables.sorted { $0.name < $1.name },
                sequences: sequences(of: members),
                others: Self.others(of: members, except: managedRoutines).sorted(),
                functions: functions.sorted { $0.signature < $1.signature },
                views: views,
                domains: domains(of: members),

                schemaGrants: security.grants, defaultPrivileges: security.defaults,
                compositeTypes: compositeTypes(of: members))
        }

        /// A table; `names` gives the name of each class of its schema by oid.
        func table(_ oid: String, _ name: String, names: [String: String]) -> TableState {
            let (constraints, constraintIndexes) = constraints(of: oid)
            return TableState(
                name: name, comment: comments[oid], columns: columns(of: oid, names: names),
                constraints: constraints.sorted { $0.name < $1.name },
                indexes: indexes(of: oid, except: constraintIndexes).sorted { $0.name < $1.name },
                triggers: triggers(of: oid),
                unsupported: (unsupported[oid] ?? []).sorted(),
                rowSecurity: tableSecurity[oid].flatMap { RowSecurityState.of(enabled: $0.enabled, forced: $0.forced) },
                policies: policies(of: oid), grants: tableSecurity[oid]?.grants.normalizedGrants,
                unlogged: shapes[oid]?.unlogged == true ? true : nil,
                partitionBy: rows.local["pk/\(oid)"] ?? shapes[oid]?.partitionKey,
                partitions: partitions(of: oid, names: names))
        }

        /// A partitioned table's partitions in its own schema, by name; nil for none.
        func partitions(of table: String, names: [String: String]) -> [PartitionState]? {
            let list = (partitions[table] ?? []).compactMap { p in
                names[p.oid].map { PartitionState(name: $0, bound: p.bound) }
            }
            return list.isEmpty ? nil : list.sorted { $0.name < $1.name }
        }

        func triggers(of table: String) -> [TriggerState] {
            (triggers[table] ?? []).compactMap { row in
                guard let definition = rows.local["gd/\(row.oid)"] else { return nil }
                return TriggerState(name: row.name, definition: definition, comment: row.comment, function: row.function,
                                    enabled: row.enabled)
            }.sorted { $0.name < $1.name }
        }

        func columns(of table: String, names: [String: String]) -> [ColumnState] {
            let local = rows.local
            return (columns[table] ?? []).map { i in
                let row = rows.columns[i]
                let key = row.key
                let expression = row.defaultOID.flatMap { local["d/\($0)"] } ?? row.defaultExpression
                let sequence = serialSequences[key]
                return ColumnState(
                    name: row.name, type: local["t/\(key)"] ?? row.type, notNull: row.notNull,
                    defaultExpression: row.isGenerated ? nil : expression, identity: row.identity,
                    generated: row.isGenerated ? expression : nil,
                    collation: row.collationOID == nil ? nil : (local["l/\(key)"] ?? row.collation),
                    comment: comments[key], ownedSequence: sequence.flatMap { names[$0] },
                    ownedSequenceType: sequence.flatMap { sequenceTypes[$0] },
                    identitySequence: row.identity == nil ? nil : identitySequences[key].flatMap { names[$0] })
            }
        }

        /// A table's constraints, and the indexes that its key and exclusion
        /// constraints own (which are not listed as indexes).
        ///
        /// A foreign key to a partitioned table has a clone per partition it
        /// reaches, left out of the state, but for one difference: a clone left
        /// NOT VALID. PostgreSQL 15's `VALIDATE CONSTRAINT` validates the key and
        /// not its clones (nor can a clone be validated alone: that checks every
        /// row against its one partition), so a key added `NOT VALID` and
        /// validated keeps NOT VALID clones, unlike a new tenant's. Such a key
        /// reads with `Reflector.invalidClonesNote(_:)` after its definition: it
        /// differs from the declared one, and the plan adds it again, valid.
        func constraints(of table: String) -> (constraints: [ConstraintState], indexes: Set<String>) {
            var states: [ConstraintState] = []
            var owned: Set<String> = []
            var invalidClones: [String: [String]] = [:]
            for i in constraints[table] ?? [] where rows.constraints[i].isClone && !rows.constraints[i].validated {
                let row = rows.constraints[i]
                invalidClones[row.parentOID, default: []].append(row.referencedName ?? row.name)
            }
            for i in constraints[table] ?? [] {
                let row = rows.constraints[i]
                guard !row.isClone, var definition = rows.local["c/\(row.oid)"] ?? row.definition,
                      let kind = ConstraintState.Kind(rawValue: row.kind) else { continue }
                if kind == .primaryKey || kind == .unique || kind == .exclusion { owned.insert(row.indexOID) }
                if let partitions = invalidClones[row.oid] { definition += Reflector.invalidClonesNote(partitions) }
                states.append(ConstraintState(name: row.name, kind: kind, definition: definition, comment: row.comment))
            }
            return (states, owned)
        }

        func indexes(of table: String, except constraintIndexes: Set<String>) -> [IndexState] {
            (indexes[table] ?? []).compactMap { i in
                let row = rows.indexes[i]
                // Indexes of constraints come without a definition (the query skips them).
                guard let definition = row.definition, !constraintIndexes.contains(row.oid) else { return nil }
                return IndexState(name: row.name, definition: row.tail(of: rows.local["i/\(row.oid)"] ?? definition,
                                                                       unique: row.isUnique),
                                  invalid: row.isInvalid, comment: row.comment)
            }
        }

        /// Objects the state does not model, as `kind name`.
        static func others(of members: Members, except managed: Set<String>) -> [String] {
            var others: [String] = []
            for c in members.classes {
                switch c.kind {
                case "f": others.append("foreign table \(c.name)")
                default: break
                }
            }
            for t in members.types {
                switch t.kind {
                case "r": others.append("range type \(t.name)")
                default: break
                }
            }
            for r in members.routines where !managed.contains(r.oid) {
                others.append("\(r.kind == "p" ? "procedure" : r.kind == "a" ? "aggregate" : "function") \(r.name)")
            }
            return others
        }
    }
}
