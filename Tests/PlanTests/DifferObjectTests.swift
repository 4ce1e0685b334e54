import Testing
import Plan
import State

@Suite("Differ: constraints, indexes, enums, comments and undeclared objects")
struct DifferObjectTests {
    // MARK: Constraints and indexes

    @Test("a changed constraint is dropped then added; foreign keys drop first and are added last")
    func changedConstraints() {
        let declaration = Shop.declaration
            .editing("customers") {
                $0.uniques = [KeyDeclaration(name: "customers_email_key", columns: ["email", "name"])]
            }
            .editing("orders") {
                $0.checks = [CheckDeclaration(name: "orders_total_check", expression: "total > 0")]
                $0.foreignKeys[0].onDelete = nil
            }
        let desired = Shop.desired
            .editing("customers") {
                $0.editConstraint("customers_email_key") { $0.definition = "UNIQUE (email, name)" }
            }
            .editing("orders") {
                $0.editConstraint("orders_total_check") { $0.definition = "CHECK (total > 0::numeric)" }
                $0.editConstraint("orders_customer_id_fkey") {
                    $0.definition = "FOREIGN KEY (customer_id) REFERENCES customers(id)"
                }
            }
        let diff = Differ(declaration: declaration, desired: desired).diff(actual: Shop.desired)
        #expect(diff.sql == [
            "ALTER TABLE \"orders\" DROP CONSTRAINT \"orders_customer_id_fkey\"",
            "ALTER TABLE \"customers\" DROP CONSTRAINT \"customers_email_key\"",
            "ALTER TABLE \"orders\" DROP CONSTRAINT \"orders_total_check\"",
            "ALTER TABLE \"customers\" ADD CONSTRAINT \"customers_email_key\" UNIQUE (\"email\", \"name\")",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_total_check\" CHECK (total > 0)",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_customer_id_fkey\" FOREIGN KEY (\"customer_id\") REFERENCES \"customers\" (\"id\")",
        ])
        // A unique constraint builds its index under ACCESS EXCLUSIVE (reads wait too);
        // a foreign key scans under SHARE ROW EXCLUSIVE (writes wait), as pg_locks shows.
        #expect(diff.changes.map(\.hazards) == [
            [], [], [],
            [.longLock, .mayFailOnExistingData],
            [.longLock, .mayFailOnExistingData],
            [.blocksWrites, .mayFailOnExistingData],
        ])
        // Replacing a declared constraint is not destructive: nothing is held.
        #expect(diff.held.isEmpty)
        #expect(diff.expected == desired.normalized())
    }

    @Test("a changed index is dropped then created; foreign keys are added after indexes")
    func changedIndex() {
        let declaration = Shop.declaration.editing("customers") {
            $0.indexes[1] = IndexDeclaration(name: "customers_lower_email_idx", columns: ["lower(email)"],
                                             unique: true)
        }
        .editing("orders") { $0.foreignKeys[1].onDelete = .setNull }
        let desired = Shop.desired.editing("customers") {
            $0.editIndex("customers_lower_email_idx") { $0.definition = "UNIQUE USING btree (lower(email))" }
        }
        .editing("orders") {
            $0.editConstraint("orders_plan_id_fkey") {
                $0.definition = "FOREIGN KEY (plan_id) REFERENCES public.plans(id) ON DELETE SET NULL"
            }
        }
        let diff = Differ(declaration: declaration, desired: desired).diff(actual: Shop.desired)
        #expect(diff.sql == [
            "ALTER TABLE \"orders\" DROP CONSTRAINT \"orders_plan_id_fkey\"",
            "DROP INDEX \"customers_lower_email_idx\"",
            "CREATE UNIQUE INDEX \"customers_lower_email_idx\" ON \"customers\" ((lower(email)))",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_plan_id_fkey\" FOREIGN KEY (\"plan_id\") REFERENCES \"public\".\"plans\" (\"id\") ON DELETE SET NULL",
        ])
        #expect(diff.changes[2].hazards == [.blocksWrites, .mayFailOnExistingData])
        #expect(diff.held.isEmpty)
        #expect(diff.expected == desired.normalized())
    }

    @Test("a constraint whose kind changed is replaced even when its text is the same")
    func constraintKindChanged() {
        // Contrived, but the comparison is on kind and text together.
        let actual = Shop.desired.editing("customers") {
            $0.editConstraint("customers_email_key") { $0.kind = .exclusion }
        }
        let diff = Shop.differ().diff(actual: actual)
        #expect(diff.sql == [
            "ALTER TABLE \"customers\" DROP CONSTRAINT \"customers_email_key\"",
            "ALTER TABLE \"customers\" ADD CONSTRAINT \"customers_email_key\" UNIQUE (\"email\")",
        ])
    }

    @Test("a constraint or index under another name with the same definition is renamed")
    func renamedConstraintAndIndex() {
        let actual = Shop.desired
            .editing("customers") {
                $0.editConstraint("customers_email_key") { $0.name = "customers_email_uniq" }
                $0.editIndex("customers_created_at_idx") { $0.name = "idx_created" }
            }
            .editing("orders") {
                $0.editConstraint("orders_customer_id_fkey") { $0.name = "fk_customer" }
            }
        let diff = Shop.differ().diff(actual: actual)
        #expect(diff.sql == [
            "ALTER TABLE \"customers\" RENAME CONSTRAINT \"customers_email_uniq\" TO \"customers_email_key\"",
            "ALTER INDEX \"idx_created\" RENAME TO \"customers_created_at_idx\"",
            "ALTER TABLE \"orders\" RENAME CONSTRAINT \"fk_customer\" TO \"orders_customer_id_fkey\"",
        ])
        #expect(diff.ops == ["rename_constraint", "rename_index", "rename_constraint"])
        #expect(diff.held.isEmpty)
        #expect(diff.expected == Shop.desired.normalized())
    }

    @Test("a constraint under another name with another definition is added, and the old one is undeclared")
    func notARename() {
        let actual = Shop.desired.editing("customers") {
            $0.editConstraint("customers_email_key") { $0.name = "customers_name_key"; $0.definition = "UNIQUE (name)" }
        }
        let diff = Shop.differ(allowDestructive: true).diff(actual: actual)
        #expect(diff.sql == [
            "ALTER TABLE \"customers\" DROP CONSTRAINT \"customers_name_key\"",
            "ALTER TABLE \"customers\" ADD CONSTRAINT \"customers_email_key\" UNIQUE (\"email\")",
        ])
    }

    // MARK: Undeclared objects

    @Test("an undeclared constraint is held, or dropped with --allow-destructive")
    func extraConstraint() {
        let extra = ConstraintState(name: "customers_name_check", kind: .check, definition: "CHECK (name <> ''::text)")
        let extraFK = ConstraintState(name: "orders_self_fkey", kind: .foreignKey,
                                      definition: "FOREIGN KEY (id) REFERENCES orders(id)")
        let actual = Shop.desired
            .editing("customers") { $0.constraints.append(extra) }
            .editing("orders") { $0.constraints.append(extraFK) }

        let held = Shop.differ().diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held == [
            HeldChange(object: "constraint customers_name_check on customers",
                       reason: "constraint customers_name_check on customers is not in schema.yaml; plan with --allow constraint:customers.customers_name_check to allow it",
                       sql: "ALTER TABLE \"customers\" DROP CONSTRAINT \"customers_name_check\"", undeclared: true),
            HeldChange(object: "constraint orders_self_fkey on orders",
                       reason: "constraint orders_self_fkey on orders is not in schema.yaml; plan with --allow constraint:orders.orders_self_fkey to allow it",
                       sql: "ALTER TABLE \"orders\" DROP CONSTRAINT \"orders_self_fkey\"", undeclared: true),
        ])
        #expect(held.expected == actual.normalized())

        let dropped = Shop.differ(allowDestructive: true).diff(actual: actual)
        // Foreign keys go first, whatever table they are on.
        #expect(dropped.sql == [
            "ALTER TABLE \"orders\" DROP CONSTRAINT \"orders_self_fkey\"",
            "ALTER TABLE \"customers\" DROP CONSTRAINT \"customers_name_check\"",
        ])
        #expect(dropped.changes.map(\.hazards) == [[.dropsUnmanagedObject], [.dropsUnmanagedObject]])
        #expect(dropped.changes.allSatisfy { $0.isDestructive })
        #expect(dropped.expected == Shop.desired.normalized())
    }

    @Test("an undeclared index is held, or dropped with --allow-destructive")
    func extraIndex() {
        let extra = IndexState(name: "customers_name_idx", definition: "USING btree (name)")
        let actual = Shop.desired.editing("customers") { $0.indexes.append(extra) }

        let held = Shop.differ().diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held == [HeldChange(
            object: "index customers_name_idx",
            reason: "index customers_name_idx on customers is not in schema.yaml; plan with --allow index:customers_name_idx to allow it",
            sql: "DROP INDEX \"customers_name_idx\"", undeclared: true)])
        let kept = Shop.desired.editing("customers") { $0.indexes.append(extra) }
        #expect(held.expected == kept.normalized())
        #expect(held.expected.fingerprint == actual.fingerprint)

        let dropped = Shop.differ(allowDestructive: true).diff(actual: actual)
        #expect(dropped.sql == ["DROP INDEX \"customers_name_idx\""])
        #expect(dropped.changes[0].hazards == [.dropsUnmanagedObject])
        #expect(dropped.expected == Shop.desired.normalized())
    }

    @Test("an undeclared table is held, or dropped with its foreign keys first")
    func extraTable() {
        let audit = TableState(
            name: "audit log",
            columns: [ColumnState(name: "customer_id", type: "bigint"), ColumnState(name: "at", type: "date")],
            constraints: [ConstraintState(name: "audit_customer_fkey", kind: .foreignKey,
                                          definition: "FOREIGN KEY (customer_id) REFERENCES customers(id)")])
        var actual = Shop.desired
        actual.tables.append(audit)

        let held = Shop.differ().diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held == [HeldChange(
            object: "table audit log",
            reason: "table audit log is not in schema.yaml; dropping it loses its rows; plan with --allow 'table:audit log' to allow it",
            sql: "DROP TABLE \"audit log\"", undeclared: true)])
        var kept = Shop.desired
        kept.tables.append(audit)
        #expect(held.expected == kept.normalized())
        #expect(held.expected.fingerprint == actual.fingerprint)

        let dropped = Shop.differ(allowDestructive: true).diff(actual: actual)
        #expect(dropped.sql == [
            "ALTER TABLE \"audit log\" DROP CONSTRAINT \"audit_customer_fkey\"",
            "DROP TABLE \"audit log\"",
        ])
        #expect(dropped.changes.map(\.hazards) == [[.dropsUnmanagedObject], [.dataLoss, .dropsUnmanagedObject]])
        #expect(dropped.expected == Shop.desired.normalized())
    }

    @Test("an undeclared enum is held, or dropped after the tables")
    func extraEnum() {
        let legacy = EnumState(name: "legacy_kind", labels: ["a", "b"])
        var actual = Shop.desired
        actual.enums.append(legacy)

        let held = Shop.differ().diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held == [HeldChange(
            object: "enum legacy_kind",
            reason: "enum legacy_kind is not in schema.yaml; plan with --allow enum:legacy_kind to allow it",
            sql: "DROP TYPE \"legacy_kind\"", undeclared: true)])
        var kept = Shop.desired
        kept.enums.append(legacy)
        #expect(held.expected == kept.normalized())

        let dropped = Shop.differ(allowDestructive: true).diff(actual: actual)
        #expect(dropped.sql == ["DROP TYPE \"legacy_kind\""])
        #expect(dropped.changes[0].hazards == [.dropsUnmanagedObject])
        #expect(dropped.expected == Shop.desired.normalized())
    }

    @Test("an undeclared sequence is held, or dropped")
    func extraSequence() {
        var actual = Shop.desired
        actual.sequences = [SequenceState(name: "invoice_numbers")]

        let held = Shop.differ().diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held == [HeldChange(
            object: "sequence invoice_numbers",
            reason: "sequence invoice_numbers is not in schema.yaml; plan with --allow sequence:invoice_numbers to allow it",
            sql: "DROP SEQUENCE \"invoice_numbers\"", undeclared: true)])
        var kept = Shop.desired
        kept.sequences = [SequenceState(name: "invoice_numbers")]
        #expect(held.expected == kept.normalized())

        let dropped = Shop.differ(allowDestructive: true).diff(actual: actual)
        #expect(dropped.sql == ["DROP SEQUENCE \"invoice_numbers\""])
        #expect(dropped.changes[0].hazards == [.dropsUnmanagedObject])
        #expect(dropped.expected == Shop.desired.normalized())
    }

    @Test("with everything undeclared held, the expected state is the tenant's own")
    func everythingHeld() {
        var actual = Shop.desired
            .editing("customers") {
                $0.columns.append(ColumnState(name: "legacy", type: "text"))
                $0.indexes.append(IndexState(name: "customers_name_idx", definition: "USING btree (name)"))
                $0.constraints.append(ConstraintState(name: "customers_name_check", kind: .check,
                                                      definition: "CHECK (name <> ''::text)"))
            }
            .editingEnum("order_status") { $0.labels.append("refunded") }
        actual.tables.append(TableState(name: "audit", columns: [ColumnState(name: "a", type: "integer")]))
        actual.enums.append(EnumState(name: "legacy_kind", labels: ["a"]))
        actual.sequences = [SequenceState(name: "invoice_numbers")]
        actual.others = ["view v"]

        let diff = Shop.differ().diff(actual: actual)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.count == 7)
        #expect(diff.expected == actual.normalized())
        #expect(diff.expected.fingerprint == actual.fingerprint)
    }

    @Test("objects tenantplan does not manage are carried into the expected state, never dropped")
    func others() {
        var actual = Shop.desired
        actual.others = ["view b", "function a"]
        let diff = Shop.differ(allowDestructive: true).diff(actual: actual)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.isEmpty)
        #expect(diff.expected.others == ["function a", "view b"])
    }

    // MARK: Enums

    @Test("an enum label is appended")
    func enumAppend() {
        let actual = Shop.desired.editingEnum("order_status") { $0.labels = ["pending", "paid", "shipped"] }
        let diff = Shop.differ().diff(actual: actual)
        #expect(diff.sql == ["ALTER TYPE \"order_status\" ADD VALUE 'cancelled'"])
        #expect(diff.ops == ["add_enum_value"])
        #expect(diff.changes[0].hazards == [])
        #expect(diff.expected == Shop.desired.normalized())
    }

    @Test("enum labels are inserted before the next existing one")
    func enumInsert() {
        let actual = Shop.desired.editingEnum("order_status") { $0.labels = ["shipped"] }
        let diff = Shop.differ().diff(actual: actual)
        #expect(diff.sql == [
            "ALTER TYPE \"order_status\" ADD VALUE 'pending' BEFORE 'shipped'",
            "ALTER TYPE \"order_status\" ADD VALUE 'paid' BEFORE 'shipped'",
            "ALTER TYPE \"order_status\" ADD VALUE 'cancelled'",
        ])
        #expect(diff.held.isEmpty)
        #expect(diff.expected == Shop.desired.normalized())
    }

    @Test("enum labels with quotes are quoted")
    func enumQuotes() {
        let declaration = Declaration(file: "schema.yaml", enums: [EnumDeclaration(name: "mood", values: ["it's", "ok"])])
        let desired = SchemaState(enums: [EnumState(name: "mood", labels: ["it's", "ok"])])
        let actual = SchemaState(enums: [EnumState(name: "mood", labels: ["ok"])])
        let diff = Differ(declaration: declaration, desired: desired).diff(actual: actual)
        #expect(diff.sql == ["ALTER TYPE \"mood\" ADD VALUE 'it''s' BEFORE 'ok'"])
    }

    @Test("removing or reordering enum labels is held and changes nothing", arguments: [
        ["pending", "paid", "shipped", "cancelled", "refunded"],
        ["paid", "pending", "shipped", "cancelled"],
    ])
    func enumRemovedOrReordered(_ labels: [String]) {
        let actual = Shop.desired.editingEnum("order_status") { $0.labels = labels }
        for allow in [false, true] {
            let diff = Shop.differ(allowDestructive: allow).diff(actual: actual)
            #expect(diff.changes.isEmpty)
            #expect(diff.held == [HeldChange(
                object: "enum order_status",
                reason: "removing or reordering enum labels (\(labels.joined(separator: ", ")) → pending, paid, shipped, cancelled) is not supported; migrate the type by hand")])
            #expect(diff.expected == actual.normalized())
        }
    }

    // MARK: Comments

    @Test("table comments are set, changed and removed")
    func tableComments() {
        let changed = Shop.desired.editing("customers") { $0.comment = "Old words" }
        #expect(Shop.differ().diff(actual: changed).sql == ["COMMENT ON TABLE \"customers\" IS 'People who buy things'"])

        let missing = Shop.desired.editing("customers") { $0.comment = nil }
        #expect(Shop.differ().diff(actual: missing).sql == ["COMMENT ON TABLE \"customers\" IS 'People who buy things'"])

        let extra = Shop.desired.editing("orders") { $0.comment = "Don't keep me" }
        let diff = Shop.differ().diff(actual: extra)
        #expect(diff.sql == ["COMMENT ON TABLE \"orders\" IS NULL"])
        #expect(diff.ops == ["comment_table"])
        #expect(diff.changes[0].action == .change)
        #expect(diff.expected == Shop.desired.normalized())
    }
}
