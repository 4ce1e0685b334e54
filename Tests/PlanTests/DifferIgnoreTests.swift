import Testing
import Plan
import State

/// `ignore:` in the pure core: what `SchemaState.ignoring` takes out, what it
/// leaves as a trace, and how the `Differ` plans around ignored objects.
@Suite("Differ: ignore and --allow")
struct DifferIgnoreTests {
    static func rules(_ globs: [IgnoreRules.Kind: [String]]) -> IgnoreRules {
        IgnoreRules(globs.mapValues { $0.map { try! Glob($0) } })
    }

    static let shopIgnoring = rules([
        .tables: ["alembic_version"], .columns: ["*.legacy_flag"], .indexes: ["hotfix_*"],
        .constraints: ["orders.manual_*"], .types: ["legacy_*"], .sequences: ["old_*"],
        .views: ["report"], .functions: ["audit_*"],
    ])

    /// The shop's desired state plus one ignored object of every kind.
    static let tenantWithIgnored: SchemaState = {
        var state = Shop.desired
            .editing("orders") {
                $0.columns.append(ColumnState(name: "legacy_flag", type: "boolean"))
                $0.constraints.append(ConstraintState(name: "manual_total_check", kind: .check,
                                                      definition: "CHECK (total < 1000000::numeric)"))
            }
            .editing("customers") {
                $0.indexes.append(IndexState(name: "hotfix_customers_email", definition: "USING btree (lower(email))"))
            }
        state.tables.append(TableState(name: "alembic_version",
                                       columns: [ColumnState(name: "version_num", type: "character varying(32)", notNull: true)]))
        state.enums.append(EnumState(name: "legacy_kind", labels: ["a"]))
        state.sequences = [SequenceState(name: "old_numbers")]
        state.others = ["function audit_row", "materialized view report", "view keep_me"]
        return state
    }()

    @Test("ignoring takes every ignored object out and leaves which columns they stand on")
    func filtering() {
        var count = 0
        let filtered = Self.tenantWithIgnored.ignoring(Self.shopIgnoring, count: &count)
        #expect(count == 8)
        #expect(filtered.table(named: "alembic_version") == nil)
        #expect(filtered.enumType(named: "legacy_kind") == nil)
        #expect(filtered.sequences.isEmpty)
        #expect(filtered.others == ["view keep_me"])
        let orders = filtered.table(named: "orders")
        #expect(orders?.column(named: "legacy_flag") == nil)
        #expect(orders?.constraint(named: "manual_total_check") == nil)
        #expect(orders?.ignoredUses == ["legacy_flag", "total"])
        #expect(filtered.table(named: "customers")?.index(named: "hotfix_customers_email") == nil)
        #expect(filtered.table(named: "customers")?.ignoredUses == ["email"])
        // Idempotent, and a no-op without rules.
        #expect(filtered.ignoring(Self.shopIgnoring) == filtered)
        #expect(Self.tenantWithIgnored.ignoring(IgnoreRules()) == Self.tenantWithIgnored)
        // A constraint that names no column stands on the table alone.
        let bare = SchemaState(tables: [TableState(name: "t", columns: [ColumnState(name: "a", type: "integer")],
                                                   constraints: [ConstraintState(name: "t_manual_c", kind: .check,
                                                                                 definition: "CHECK (true)")])])
        #expect(bare.ignoring(Self.rules([.constraints: ["t.*"]])).tables[0].ignoredUses == [""])
    }

    @Test("a tenant whose only differences are ignored is in sync, even with --allow-destructive")
    func ignoredIsInSync() {
        let declaration = Declaration(file: "schema.yaml", enums: Shop.declaration.enums, tables: Shop.declaration.tables,
                                      ignore: Self.shopIgnoring)
        for policy in [DestructivePolicy.none, .all] {
            let diff = Differ(declaration: declaration, desired: Shop.desired, policy: policy)
                .diff(actual: Self.tenantWithIgnored)
            #expect(diff.changes.isEmpty, "\(policy): \(diff.sql)")
            #expect(diff.held.isEmpty, "\(policy): \(diff.held)")
            // The expected state is the tenant's own, as apply will read and filter it.
            #expect(diff.expected.fingerprint == Self.tenantWithIgnored.ignoring(Self.shopIgnoring).fingerprint)
        }
        // Without the rules, the same tenant holds six changes back.
        #expect(Shop.differ().diff(actual: Self.tenantWithIgnored).held.count == 6)
    }

    @Test("a real change is planned next to ignored objects, and the expected state keeps them")
    func changeNextToIgnored() {
        let declaration = Shop.declaration
            .editing("customers") { $0.columns.append(ColumnDeclaration(name: "phone", type: "text")) }
        var ignoring = declaration
        ignoring.ignore = Self.shopIgnoring
        let desired = Shop.desired.editing("customers") { $0.columns.append(ColumnState(name: "phone", type: "text")) }
        let diff = Differ(declaration: ignoring, desired: desired).diff(actual: Self.tenantWithIgnored)
        #expect(diff.sql == [#"ALTER TABLE "customers" ADD COLUMN "phone" text"#])
        #expect(diff.held.isEmpty)
        // After the change the tenant, filtered as apply filters it, is exactly the expected state.
        var after = Self.tenantWithIgnored
        after = after.editing("customers") { $0.columns.append(ColumnState(name: "phone", type: "text")) }
        #expect(diff.expected.fingerprint == after.ignoring(Self.shopIgnoring).fingerprint)
    }

    @Test("a column or table that ignored objects stand on is never dropped, whatever is allowed")
    func pinned() {
        let rules = Self.rules([.indexes: ["hotfix_*"], .columns: ["audit.keep"]])
        var declaration = Shop.declaration
        declaration.ignore = rules
        var actual = Shop.desired.editing("orders") {
            $0.columns.append(ColumnState(name: "note", type: "text"))
            $0.indexes.append(IndexState(name: "hotfix_orders_note", definition: "USING btree (note)"))
        }
        actual.tables.append(TableState(name: "audit", columns: [ColumnState(name: "keep", type: "text"),
                                                                  ColumnState(name: "at", type: "date")]))
        let diff = Differ(declaration: declaration, desired: Shop.desired, policy: .all).diff(actual: actual)
        #expect(diff.changes.isEmpty, "\(diff.sql)")
        #expect(diff.held.map(\.object) == ["column orders.note", "table audit"])
        #expect(diff.held.allSatisfy { $0.undeclared })
        #expect(diff.held[0].reason == "column orders.note is not in schema.yaml; dropping it loses its data; objects "
            + "that ignore: leaves alone stand on it and would be dropped with it: drop them by hand, or stop ignoring them, first")
        #expect(!diff.held[1].reason.contains("--allow"))
        #expect(diff.expected.fingerprint == actual.ignoring(rules).fingerprint)
    }

    @Test("a generated column that ignored objects stand on is not dropped and added again")
    func pinnedGenerated() {
        let declared = [ColumnDeclaration(name: "qty", type: "bigint"),
                        ColumnDeclaration(name: "doubled", type: "bigint", generated: "qty * 3")]
        let declaration = Declaration(file: "schema.yaml", tables: [TableDeclaration(name: "items", columns: declared)],
                                      ignore: Self.rules([.indexes: ["hotfix_*"]]))
        let desired = SchemaState(tables: [TableState(name: "items", columns: [
            ColumnState(name: "qty", type: "bigint"), ColumnState(name: "doubled", type: "bigint", generated: "qty * 3")])])
        let actual = SchemaState(tables: [TableState(
            name: "items",
            columns: [ColumnState(name: "qty", type: "integer"),
                      ColumnState(name: "doubled", type: "bigint", generated: "qty * 2")],
            indexes: [IndexState(name: "hotfix_doubled", definition: "USING btree (doubled)")])])
        let diff = Differ(declaration: declaration, desired: desired, policy: .all).diff(actual: actual)
        #expect(diff.changes.isEmpty, "\(diff.sql)")
        #expect(Set(diff.held.map(\.object)) == ["column items.qty", "column items.doubled"])
        #expect(diff.held.allSatisfy { !$0.undeclared }, "declared columns left different are drift")
        #expect(diff.expected.fingerprint == actual.ignoring(declaration.ignore).fingerprint)
    }

    @Test("--allow drops only what a selector matches; the rest is held with its own narrowest selector")
    func selective() throws {
        var actual = Shop.desired.editing("customers") {
            $0.columns.append(ColumnState(name: "legacy", type: "text"))
            $0.indexes.append(IndexState(name: "customers_name_idx", definition: "USING btree (name)"))
        }
        actual.tables.append(TableState(name: "audit", columns: [ColumnState(name: "a", type: "integer")]))
        actual.enums.append(EnumState(name: "mood", labels: ["ok"]))
        let policy = DestructivePolicy.selectors([try AllowSelector(parsing: "column:customers.legacy")])
        let diff = Differ(declaration: Shop.declaration, desired: Shop.desired, policy: policy).diff(actual: actual)
        #expect(diff.sql == [#"ALTER TABLE "customers" DROP COLUMN "legacy""#])
        #expect(diff.held.map(\.reason) == [
            "index customers_name_idx on customers is not in schema.yaml; plan with --allow index:customers_name_idx to allow it",
            "table audit is not in schema.yaml; dropping it loses its rows; plan with --allow table:audit to allow it",
            "enum mood is not in schema.yaml; plan with --allow enum:mood to allow it",
        ])
        let kept = Shop.desired.editing("customers") {
            $0.indexes.append(IndexState(name: "customers_name_idx", definition: "USING btree (name)"))
        }
        var expected = kept
        expected.tables.append(TableState(name: "audit", columns: [ColumnState(name: "a", type: "integer")]))
        expected.enums.append(EnumState(name: "mood", labels: ["ok"]))
        #expect(diff.expected == expected.normalized())

        // undeclared: allows the drops of undeclared objects only.
        let undeclared = DestructivePolicy.selectors([try AllowSelector(parsing: "undeclared:*")])
        let all = Differ(declaration: Shop.declaration, desired: Shop.desired, policy: undeclared).diff(actual: actual)
        #expect(all.held.isEmpty)
        #expect(all.changes.count == 4)
    }

    @Test("a narrowing type change is held with a type_change selector, and planned with it")
    func typeChange() throws {
        let t = ItemsTable(declared: [ColumnDeclaration(name: "qty", type: "integer")],
                           want: [ColumnState(name: "qty", type: "integer")],
                           have: [ColumnState(name: "qty", type: "bigint")])
        let held = t.diff()
        #expect(held.held.map(\.reason) == [
            "changing items.qty from bigint to integer may lose or alter data; plan with --allow type_change:items.qty to allow it",
        ])
        let column = Differ(declaration: t.declaration, desired: t.desired,
                            policy: .selectors([try AllowSelector(parsing: "column:items.qty")])).diff(actual: t.actual)
        #expect(column.changes.isEmpty, "column: does not allow a type change")
        let planned = Differ(declaration: t.declaration, desired: t.desired,
                             policy: .selectors([try AllowSelector(parsing: "type_change:items.*")])).diff(actual: t.actual)
        #expect(planned.sql == [#"ALTER TABLE "items" ALTER COLUMN "qty" TYPE integer"#])
    }
}

@Suite("Differ: --allow and foreign keys")
struct DifferAllowForeignKeyTests {
    static let audit = TableState(name: "audit", columns: [ColumnState(name: "id", type: "integer", notNull: true)],
                                  constraints: [ConstraintState(name: "audit_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")])
    static let items = TableState(
        name: "audit items", columns: [ColumnState(name: "audit_id", type: "integer")],
        constraints: [ConstraintState(name: "audit_items_fkey", kind: .foreignKey,
                                      definition: "FOREIGN KEY (audit_id) REFERENCES audit(id) ON DELETE CASCADE")])

    func diff(_ selectors: [String], actual: SchemaState) throws -> Diff {
        let policy = DestructivePolicy.selectors(try selectors.map { try AllowSelector(parsing: $0) })
        return Differ(declaration: Shop.declaration, desired: Shop.desired, policy: policy).diff(actual: actual)
    }

    @Test("a table that a kept foreign key references is kept, however it is allowed")
    func referencedTableIsKept() throws {
        var actual = Shop.desired
        actual.tables += [Self.audit, Self.items]
        let one = try diff(["table:audit"], actual: actual)
        #expect(one.changes.isEmpty, "\(one.sql)")
        #expect(one.held.map(\.reason) == [
            "table audit is not in schema.yaml; dropping it loses its rows; foreign key audit_items_fkey on audit items, "
                + "which this plan keeps, references it: allow dropping that too",
            "table audit items is not in schema.yaml; dropping it loses its rows; plan with --allow 'table:audit items' to allow it",
        ])
        #expect(one.expected.fingerprint == actual.fingerprint)

        let both = try diff(["table:audit", "table:audit items"], actual: actual)
        #expect(both.sql == [#"ALTER TABLE "audit items" DROP CONSTRAINT "audit_items_fkey""#,
                             #"DROP TABLE "audit""#, #"DROP TABLE "audit items""#])
        #expect(both.held.isEmpty)

        // An undeclared foreign key on a declared table keeps its target unless it is allowed too.
        var declaredRef = Shop.desired.editing("orders") {
            $0.columns.append(ColumnState(name: "audit_id", type: "integer"))
            $0.constraints.append(ConstraintState(name: "orders_audit_fkey", kind: .foreignKey,
                                                  definition: "FOREIGN KEY (audit_id) REFERENCES audit(id)"))
        }
        declaredRef.tables.append(Self.audit)
        let kept = try diff(["table:audit"], actual: declaredRef)
        #expect(kept.held.map(\.object).contains("table audit"))
        #expect(!kept.sql.contains(#"DROP TABLE "audit""#))
        let allowed = try diff(["table:audit", "constraint:orders.orders_audit_fkey"], actual: declaredRef)
        #expect(allowed.sql.contains(#"ALTER TABLE "orders" DROP CONSTRAINT "orders_audit_fkey""#))
        #expect(allowed.sql.contains(#"DROP TABLE "audit""#))
    }
}
