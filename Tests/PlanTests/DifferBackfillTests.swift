import Testing
import Plan
import State

/// The online form of a column added with a volatile default, and of a
/// primary key moved to other columns: the exact statements, in their stages.
@Suite("Differ: online backfill and key swap")
struct DifferBackfillTests {
    static func declaration(nullable: Bool) -> Declaration {
        Declaration(file: "schema.yaml", tables: [TableDeclaration(
            name: "t",
            columns: [ColumnDeclaration(name: "id", type: "integer", nullable: false),
                      ColumnDeclaration(name: "Token", type: "uuid", nullable: nullable, defaultExpression: "gen_random_uuid()")],
            primaryKey: KeyDeclaration(name: "t_pkey", columns: ["id"]))])
    }

    static let actual = SchemaState(tables: [TableState(
        name: "t", columns: [ColumnState(name: "id", type: "integer", notNull: true)],
        constraints: [ConstraintState(name: "t_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")])])

    static func desired(nullable: Bool) -> SchemaState {
        var state = actual
        state.tables[0].columns.append(ColumnState(name: "Token", type: "uuid", notNull: !nullable,
                                                   defaultExpression: "gen_random_uuid()"))
        return state
    }

    static func diff(nullable: Bool, online: Bool = true) -> Diff {
        var differ = Differ(declaration: declaration(nullable: nullable), desired: desired(nullable: nullable))
        differ.online = online
        differ.rewritingDefaults = ["t.Token"]
        return differ.diff(actual: actual)
    }

    @Test("a table renamed in the same plan keeps the one rewriting statement when its old name has an undeclared UPDATE trigger or rule")
    func renamedTableWithUpdateTrigger() {
        for kind in [DependentState.Kind.trigger, .rule] {
            var declaration = Self.declaration(nullable: true)
            declaration.tables[0].renamedFrom = "old_t"
            var actual = Self.actual
            actual.tables[0].name = "old_t"
            actual.dependents = [DependentState(kind: kind, name: "audit", table: "old_t", on: [])]
            var differ = Differ(declaration: declaration, desired: Self.desired(nullable: true),
                                policy: .none)
            differ.online = true
            differ.rewritingDefaults = ["t.Token"]
            let ops = differ.diff(actual: actual).changes.map(\.op)
            #expect(!ops.contains(.backfillColumn), "\(kind): \(ops)")
            #expect(ops.contains(.addColumn), "\(kind): \(ops)")
        }
    }

    @Test("NOT NULL: added bare, default set, marker; backfill alone; check and marker drop; validate; SET NOT NULL")
    func notNull() throws {
        let diff = Self.diff(nullable: false)
        #expect(diff.changes.map(\.sql) == [
            #"ALTER TABLE "t" ADD COLUMN "Token" uuid"#,
            #"ALTER TABLE "t" ALTER COLUMN "Token" SET DEFAULT gen_random_uuid()"#,
            #"ALTER TABLE "t" ADD CONSTRAINT "tenantplan_backfill_Token" CHECK (true) NOT VALID"#,
            ColumnBackfill(table: "t", column: "Token").batchStatement(),
            #"ALTER TABLE "t" ADD CONSTRAINT "tenantplan_not_null_Token" CHECK ("Token" IS NOT NULL) NOT VALID"#,
            #"ALTER TABLE "t" DROP CONSTRAINT "tenantplan_backfill_Token""#,
            #"ALTER TABLE "t" VALIDATE CONSTRAINT "tenantplan_not_null_Token""#,
            #"ALTER TABLE "t" ALTER COLUMN "Token" SET NOT NULL"#,
            #"ALTER TABLE "t" DROP CONSTRAINT "tenantplan_not_null_Token""#,
        ])
        #expect(diff.stages.map(\.changes) == [3, 1, 2, 1, 2])
        #expect(diff.stages.map(\.transactional) == [true, false, true, true, true])
        // The backfill changes no catalog row: it ends where it starts, with the marker.
        #expect(diff.stages[1].state == diff.stages[0].state)
        let marked = try #require(diff.stages[0].state.table(named: "t"))
        #expect(marked.constraint(named: "tenantplan_backfill_Token")?.definition == "CHECK (true) NOT VALID")
        #expect(marked.column(named: "Token")?.notNull == false)
        #expect(marked.column(named: "Token")?.defaultExpression == "gen_random_uuid()")
        #expect(diff.stages[2].state.table(named: "t")?.constraint(named: "tenantplan_not_null_Token")?.definition
                == #"CHECK ("Token" IS NOT NULL) NOT VALID"#)
        #expect(diff.stages.last?.state == diff.expected)
        // No rewrite; the backfill scans under ROW EXCLUSIVE and is heavy.
        #expect(!diff.changes.contains { $0.hazards.contains(.tableRewrite) })
        let backfill = diff.changes[3]
        #expect(backfill.op == .backfillColumn && !backfill.transactional && backfill.isHeavy)
        #expect(backfill.locks == [RelationLock("t", .rowExclusive, .scan)])
        #expect(backfill.hazards.isEmpty)
        // What it fills, as typed fields: apply renders its statements from them.
        #expect(backfill.backfill == ColumnBackfill(table: "t", column: "Token"))
        #expect(diff.changes.filter { $0.backfill != nil }.count == 1)
    }

    @Test("nullable: the marker alone tells the backfill's end")
    func nullable() {
        let diff = Self.diff(nullable: true)
        #expect(diff.changes.map(\.op.rawValue) == [
            "add_column", "set_default", "add_constraint_not_valid", "backfill_column", "drop_constraint",
        ])
        #expect(diff.stages.map(\.changes) == [3, 1, 1])
        #expect(diff.stages[0].state != diff.expected)
        #expect(diff.stages.last?.state == diff.expected)
    }

    /// A tenant where the backfill stopped before its end: the column is
    /// there, nullable, with its default and the marker.
    static let stopped: SchemaState = {
        var state = actual
        state.tables[0].columns.append(ColumnState(name: "Token", type: "uuid", notNull: false,
                                                   defaultExpression: "gen_random_uuid()"))
        state.tables[0].constraints.append(ConstraintState(name: "tenantplan_backfill_Token", kind: .check,
                                                           definition: "CHECK (true) NOT VALID"))
        return state.normalized()
    }()

    @Test("a re-plan after a backfill stopped: the backfill again, the marker dropped after it, then NOT NULL; nothing held")
    func resumedOnline() throws {
        var differ = Differ(declaration: Self.declaration(nullable: false), desired: Self.desired(nullable: false))
        differ.online = true
        let diff = differ.diff(actual: Self.stopped)
        #expect(diff.held.isEmpty, "\(diff.held)")
        #expect(diff.changes.map(\.sql) == [
            ColumnBackfill(table: "t", column: "Token").batchStatement(),
            #"ALTER TABLE "t" DROP CONSTRAINT "tenantplan_backfill_Token""#,
            #"ALTER TABLE "t" ADD CONSTRAINT "tenantplan_not_null_Token" CHECK ("Token" IS NOT NULL) NOT VALID"#,
            #"ALTER TABLE "t" VALIDATE CONSTRAINT "tenantplan_not_null_Token""#,
            #"ALTER TABLE "t" ALTER COLUMN "Token" SET NOT NULL"#,
            #"ALTER TABLE "t" DROP CONSTRAINT "tenantplan_not_null_Token""#,
        ])
        #expect(diff.stages.map(\.transactional) == [false, true, true, true])
        // The backfill starts and ends at the tenant's state as it is.
        #expect(diff.stages[0].state == Self.stopped)
        #expect(diff.stages.last?.state == diff.expected)
        #expect(diff.expected == Self.desired(nullable: false).normalized())

        var nullable = Differ(declaration: Self.declaration(nullable: true), desired: Self.desired(nullable: true))
        nullable.online = true
        #expect(nullable.diff(actual: Self.stopped).changes.map(\.sql) == [
            ColumnBackfill(table: "t", column: "Token").batchStatement(),
            #"ALTER TABLE "t" DROP CONSTRAINT "tenantplan_backfill_Token""#,
        ])
    }

    @Test("a re-plan after a backfill stopped, in one transaction: marker dropped, rows filled in one UPDATE, then NOT NULL")
    func resumedTransactional() throws {
        let differ = Differ(declaration: Self.declaration(nullable: false), desired: Self.desired(nullable: false))
        let diff = differ.diff(actual: Self.stopped)
        #expect(diff.held.isEmpty, "\(diff.held)")
        #expect(diff.changes.map(\.sql) == [
            #"ALTER TABLE "t" DROP CONSTRAINT "tenantplan_backfill_Token""#,
            #"UPDATE "t" SET "Token" = DEFAULT WHERE "Token" IS NULL"#,
            #"ALTER TABLE "t" ALTER COLUMN "Token" SET NOT NULL"#,
        ])
        #expect(diff.changes[1].op == .fillColumn)
        #expect(diff.changes[1].locks.map(\.relation) == ["t"])
        #expect(diff.expected == Self.desired(nullable: false).normalized())
    }

    @Test("a check named like a marker but not CHECK (true) NOT VALID is the user's: not dropped without asking, no fill")
    func lookalikeMarker() throws {
        var state = Self.stopped
        let marker = try #require(state.tables[0].constraints.firstIndex { $0.name == "tenantplan_backfill_Token" })
        state.tables[0].constraints[marker].definition = #"CHECK (("Token" IS NOT NULL)) NOT VALID"#
        let differ = Differ(declaration: Self.declaration(nullable: true), desired: Self.desired(nullable: true))
        let diff = differ.diff(actual: state)
        #expect(!diff.changes.contains { $0.op == .fillColumn || $0.op == .backfillColumn })
        #expect(!diff.changes.contains { $0.op == .dropConstraint }, "\(diff.changes.map(\.sql))")
    }

    @Test("--transactional keeps the one ADD COLUMN ... DEFAULT, a rewrite")
    func transactional() {
        let diff = Self.diff(nullable: false, online: false)
        #expect(diff.changes.map(\.sql) == [#"ALTER TABLE "t" ADD COLUMN "Token" uuid NOT NULL DEFAULT gen_random_uuid()"#])
        #expect(diff.changes[0].hazards == [.tableRewrite])
    }

    @Test("a primary key moved to another column: built under another name, swapped in one transaction; the foreign key on it re-added NOT VALID and validated")
    func keySwap() throws {
        let parentsDeclaration = TableDeclaration(
            name: "parents",
            columns: [ColumnDeclaration(name: "id", type: "integer", nullable: false),
                      ColumnDeclaration(name: "code", type: "text", nullable: false)],
            primaryKey: KeyDeclaration(name: "parents_pkey", columns: ["code"]),
            uniques: [KeyDeclaration(name: "parents_id_key", columns: ["id"])])
        let childrenDeclaration = TableDeclaration(
            name: "children",
            columns: [ColumnDeclaration(name: "parent_id", type: "integer")],
            foreignKeys: [ForeignKeyDeclaration(name: "children_parent_id_fkey", columns: ["parent_id"],
                                                referencedTable: "parents", referencedColumns: ["id"])])
        let declaration = Declaration(file: "schema.yaml", tables: [childrenDeclaration, parentsDeclaration])
        let fk = ConstraintState(name: "children_parent_id_fkey", kind: .foreignKey,
                                 definition: "FOREIGN KEY (parent_id) REFERENCES parents(id)")
        let children = TableState(name: "children", columns: [ColumnState(name: "parent_id", type: "integer")],
                                  constraints: [fk])
        let actual = SchemaState(tables: [children, TableState(
            name: "parents",
            columns: [ColumnState(name: "id", type: "integer", notNull: true), ColumnState(name: "code", type: "text", notNull: true)],
            constraints: [ConstraintState(name: "parents_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")])])
        let desired = SchemaState(tables: [children, TableState(
            name: "parents",
            columns: [ColumnState(name: "id", type: "integer", notNull: true), ColumnState(name: "code", type: "text", notNull: true)],
            constraints: [ConstraintState(name: "parents_id_key", kind: .unique, definition: "UNIQUE (id)"),
                          ConstraintState(name: "parents_pkey", kind: .primaryKey, definition: "PRIMARY KEY (code)")])])
        var differ = Differ(declaration: declaration, desired: desired)
        differ.online = true
        let diff = differ.diff(actual: actual)
        #expect(diff.changes.map(\.sql) == [
            #"CREATE UNIQUE INDEX CONCURRENTLY "parents_id_key" ON "parents" ("id")"#,
            #"CREATE UNIQUE INDEX CONCURRENTLY "tenantplan_key_parents_pkey" ON "parents" ("code")"#,
            #"ALTER TABLE "children" DROP CONSTRAINT "children_parent_id_fkey""#,
            #"ALTER TABLE "parents" DROP CONSTRAINT "parents_pkey""#,
            #"ALTER TABLE "parents" ADD CONSTRAINT "parents_id_key" UNIQUE USING INDEX "parents_id_key""#,
            #"ALTER TABLE "parents" ADD CONSTRAINT "parents_pkey" PRIMARY KEY USING INDEX "tenantplan_key_parents_pkey""#,
            #"ALTER TABLE "children" ADD CONSTRAINT "children_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "parents" ("id") NOT VALID"#,
            #"ALTER TABLE "children" VALIDATE CONSTRAINT "children_parent_id_fkey""#,
        ])
        #expect(diff.stages.map(\.changes) == [1, 1, 5, 1])
        #expect(diff.stages.map(\.transactional) == [false, false, true, true])
        // Until the swap, the old key and the foreign key on it are there.
        for stage in diff.stages.prefix(2) {
            #expect(stage.state.table(named: "parents")?.constraint(named: "parents_pkey")?.definition == "PRIMARY KEY (id)")
            #expect(stage.state.table(named: "children")?.constraint(named: "children_parent_id_fkey") != nil)
        }
        #expect(diff.stages[2].state.table(named: "children")?.constraint(named: "children_parent_id_fkey")?.definition
                == "FOREIGN KEY (parent_id) REFERENCES parents(id) NOT VALID")
        #expect(diff.stages.last?.state == diff.expected)
        #expect(!diff.changes.contains { $0.op == .addConstraint })
    }
}
