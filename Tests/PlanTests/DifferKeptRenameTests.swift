import Testing
import Plan
import State

/// Renames (`renamed_from`) against undeclared objects the plan keeps, and a
/// primary key that `ignore:` leaves alone on a column declared nullable.
@Suite("Differ: renames under kept objects, ignored primary keys")
struct DifferKeptRenameTests {
    /// `t (id PRIMARY KEY, email)` with an undeclared `CHECK (id > 0)`; declared
    /// with `key` renamed from `id`.
    static let declaration = Declaration(file: "schema.yaml", tables: [TableDeclaration(
        name: "t",
        columns: [ColumnDeclaration(name: "key", type: "integer", renamedFrom: "id"),
                  ColumnDeclaration(name: "email", type: "text")],
        primaryKey: KeyDeclaration(name: "t_pkey", columns: ["key"]))])
    static let desired = SchemaState(tables: [TableState(
        name: "t",
        columns: [ColumnState(name: "key", type: "integer", notNull: true), ColumnState(name: "email", type: "text")],
        constraints: [ConstraintState(name: "t_pkey", kind: .primaryKey, definition: "PRIMARY KEY (key)")])])
    static let tenant = SchemaState(tables: [TableState(
        name: "t",
        columns: [ColumnState(name: "id", type: "integer", notNull: true), ColumnState(name: "email", type: "text")],
        constraints: [ConstraintState(name: "t_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)"),
                      ConstraintState(name: "t_id_positive", kind: .check, definition: "CHECK ((id > 0))")])])

    static func policy(_ selectors: String...) -> DestructivePolicy {
        DestructivePolicy(allowDestructive: false, selectors: selectors.map { try! AllowSelector(parsing: $0) })
    }

    @Test("a column rename that would rewrite a kept undeclared check holds the tenant back, naming the check")
    func columnRenameUnderKeptCheck() {
        let diff = Differ(declaration: Self.declaration, desired: Self.desired, policy: .none).diff(actual: Self.tenant)
        #expect(diff.changes.isEmpty, "\(diff.sql)")
        let rename = diff.held.first { $0.object == "column t.id → key" }
        #expect(rename?.reason.contains("constraint t_id_positive on t, which schema.yaml does not declare") == true)
        #expect(rename?.reason.contains("--allow constraint:t.t_id_positive") == true)
        #expect(rename?.sql?.contains("RENAME COLUMN") == true)
        // Nothing runs, so the tenant is expected as it is.
        #expect(diff.expected.fingerprint == Self.tenant.normalized().fingerprint)
    }

    @Test("once the check may be dropped, the rename is planned and the check dropped")
    func columnRenameWithCheckAllowed() {
        let diff = Differ(declaration: Self.declaration, desired: Self.desired,
                          policy: Self.policy("constraint:t.t_id_positive")).diff(actual: Self.tenant)
        #expect(diff.ops == ["rename_column", "drop_constraint"])
        #expect(diff.held.isEmpty)
        #expect(diff.expected.fingerprint == Self.desired.normalized().fingerprint)
    }

    @Test("a check that ignore: leaves alone does not hold a rename back: it is never compared")
    func columnRenameUnderIgnoredCheck() {
        var declaration = Self.declaration
        declaration.ignore = IgnoreRules([.constraints: [try! Glob("t.t_id_positive")]])
        let diff = Differ(declaration: declaration, desired: Self.desired, policy: .none).diff(actual: Self.tenant)
        #expect(diff.ops == ["rename_column"])
        #expect(diff.held.isEmpty)
        #expect(diff.expected.table(named: "t")?.ignoredUses == ["key"])
    }

    @Test("a table rename that would rewrite a kept undeclared foreign key on another table is held back")
    func tableRenameUnderKeptForeignKey() {
        let declaration = Declaration(file: "schema.yaml", tables: [
            TableDeclaration(name: "mother", columns: [ColumnDeclaration(name: "id", type: "integer")],
                             primaryKey: KeyDeclaration(name: "parent_pkey", columns: ["id"]), renamedFrom: "parent"),
            TableDeclaration(name: "t", columns: [ColumnDeclaration(name: "parent_id", type: "integer")]),
        ])
        let mother = TableState(name: "mother", columns: [ColumnState(name: "id", type: "integer", notNull: true)],
                                constraints: [ConstraintState(name: "parent_pkey", kind: .primaryKey,
                                                              definition: "PRIMARY KEY (id)")])
        let t = TableState(name: "t", columns: [ColumnState(name: "parent_id", type: "integer")])
        var parent = mother
        parent.name = "parent"
        var kept = t
        kept.constraints = [ConstraintState(name: "t_parent_fkey", kind: .foreignKey,
                                            definition: "FOREIGN KEY (parent_id) REFERENCES parent(id)")]
        let tenant = SchemaState(tables: [parent, kept])
        let differ = Differ(declaration: declaration, desired: SchemaState(tables: [mother, t]), policy: .none)
        let diff = differ.diff(actual: tenant)
        #expect(diff.changes.isEmpty, "\(diff.sql)")
        #expect(diff.held.first { $0.object == "table parent → mother" }?.reason
            .contains("constraint t_parent_fkey on t") == true)
        #expect(diff.expected.fingerprint == tenant.normalized().fingerprint)
        // Without the foreign key, the table is renamed.
        #expect(differ.diff(actual: SchemaState(tables: [parent, t])).ops == ["rename_table"])
    }

    @Test("a rename under a kept undeclared trigger is held back: CREATE TRIGGER names its table and columns")
    func renameUnderKeptTrigger() {
        var tenant = Self.tenant
        tenant.tables[0].constraints.removeAll { $0.name == "t_id_positive" }
        tenant.tables[0].triggers = [TriggerState(
            name: "t_audit", definition: "CREATE TRIGGER t_audit BEFORE UPDATE OF id ON t FOR EACH ROW EXECUTE FUNCTION audit()",
            function: "audit")]
        let diff = Differ(declaration: Self.declaration, desired: Self.desired, policy: .none).diff(actual: tenant)
        #expect(diff.changes.isEmpty, "\(diff.sql)")
        #expect(diff.held.first { $0.object == "column t.id → key" }?.reason.contains("trigger t_audit on t") == true)
    }

    @Test("a primary key that ignore: leaves alone keeps its column NOT NULL though it is declared nullable")
    func ignoredPrimaryKeyOnNullableColumn() {
        let declaration = Declaration(
            file: "schema.yaml",
            tables: [TableDeclaration(name: "t", columns: [ColumnDeclaration(name: "id", type: "integer")])],
            ignore: IgnoreRules([.constraints: [try! Glob("t.t_pkey")]]))
        let desired = SchemaState(tables: [TableState(name: "t", columns: [ColumnState(name: "id", type: "integer")])])
        let key = ConstraintState(name: "t_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")
        let tenant = SchemaState(tables: [TableState(
            name: "t", columns: [ColumnState(name: "id", type: "integer", notNull: true)], constraints: [key])])
        let diff = Differ(declaration: declaration, desired: desired, policy: .all).diff(actual: tenant)
        #expect(diff.changes.isEmpty, "\(diff.sql)")
        #expect(diff.expected.table(named: "t")?.column(named: "id")?.notNull == true)
        #expect(diff.expected.fingerprint == tenant.ignoring(declaration.ignore).fingerprint)
        // The trace tells an ignored primary key from an ignored unique key with
        // the same name on a NOT NULL column, whose NOT NULL may go.
        var unique = tenant
        unique.tables[0].constraints = [ConstraintState(name: "t_pkey", kind: .unique, definition: "UNIQUE (id)")]
        #expect(tenant.ignoring(declaration.ignore).tables[0].ignoredKeyColumns == ["id"])
        #expect(unique.ignoring(declaration.ignore).fingerprint != tenant.ignoring(declaration.ignore).fingerprint)
        #expect(Differ(declaration: declaration, desired: desired, policy: .all).diff(actual: unique).ops
            == ["drop_not_null"])
    }
}
