import Testing
import Plan
import State

/// When a plan adds enum labels and another change uses one, the label additions
/// run first, committed on their own (PostgreSQL refuses a label in the
/// transaction that adds it); otherwise everything is one transaction.
@Suite("Differ: enum labels before the changes that use them")
struct DifferPreludeTests {
    /// `order_status` lacks `cancelled` in the tenant; the declaration adds
    /// column `orders.final_status`, with `final` as its declared default.
    static func diff(final: String, comment: String? = nil) -> Diff {
        let declaration = Shop.declaration.editing("orders") {
            $0.columns.append(ColumnDeclaration(name: "final_status", type: "order_status", defaultExpression: final,
                                                comment: comment))
        }
        let desired = Shop.desired.editing("orders") {
            $0.columns.append(ColumnState(name: "final_status", type: "order_status",
                                          defaultExpression: "\(final)::order_status", comment: comment))
        }
        let actual = Shop.desired.editingEnum("order_status") { $0.labels = ["pending", "paid", "shipped"] }
        return Differ(declaration: declaration, desired: desired).diff(actual: actual)
    }

    @Test("a new label that a later change uses is added outside the transaction, as a prelude")
    func usedLabel() {
        let diff = Self.diff(final: "'cancelled'")
        #expect(diff.ops == ["add_enum_value", "add_column"])
        #expect(diff.changes.map(\.transactional) == [false, true])
        #expect(diff.changes[0].op == .addEnumValue)
        // After the prelude the enum has its desired labels and nothing else changed.
        #expect(diff.prelude == Shop.desired.normalized())
        #expect(diff.prelude != diff.expected)
    }

    @Test("a new label nothing uses is added in the one transaction")
    func unusedLabel() {
        let diff = Self.diff(final: "'paid'")
        #expect(diff.ops == ["add_enum_value", "add_column"])
        #expect(diff.changes.allSatisfy { $0.transactional })
        #expect(diff.prelude == nil)
    }

    @Test("a label alone, with no other change, stays transactional")
    func labelAlone() {
        let actual = Shop.desired.editingEnum("order_status") { $0.labels = ["pending", "paid", "shipped"] }
        let diff = Shop.differ().diff(actual: actual)
        #expect(diff.ops == ["add_enum_value"])
        #expect(diff.changes.allSatisfy { $0.transactional })
        #expect(diff.prelude == nil)
    }

    @Test("a literal equal to the new label counts as a use, wherever it is (a comment here)")
    func literalInComment() {
        let diff = Self.diff(final: "'paid'", comment: "cancelled")
        #expect(diff.ops == ["add_enum_value", "add_column", "comment_column"])
        #expect(diff.changes.map(\.transactional) == [false, true, true])
        #expect(diff.prelude != nil)
    }

    @Test("a label used by a new check constraint is added first")
    func usedByCheck() {
        let declaration = Shop.declaration.editing("orders") {
            $0.checks.append(CheckDeclaration(name: "orders_status_check", expression: "status <> 'cancelled'"))
        }
        let desired = Shop.desired.editing("orders") {
            $0.constraints.append(ConstraintState(name: "orders_status_check", kind: .check,
                                                  definition: "CHECK (status <> 'cancelled'::order_status)"))
        }
        let actual = Shop.desired.editingEnum("order_status") { $0.labels = ["pending", "paid", "shipped"] }
        let diff = Differ(declaration: declaration, desired: desired).diff(actual: actual)
        #expect(diff.ops == ["add_enum_value", "add_constraint"])
        #expect(diff.changes.map(\.transactional) == [false, true])
        #expect(diff.prelude == Shop.desired.normalized())
    }
}
