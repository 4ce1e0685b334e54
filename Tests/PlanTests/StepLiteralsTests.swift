import Testing
@testable import Plan
import State

/// Steps whose raw SQL holds string literals, beyond those of `renderCases`.
let literalCases: [(step: Step, literals: [String])] = [
    (.addEnumValue(type: "order_status", value: "it's", before: "paid"), ["it's", "paid"]),
    (.commentOnColumn(table: "orders", column: "total", comment: "'quoted' and \"double\""),
     ["'quoted' and \"double\""]),
    (.commentOnTable("orders", comment: nil), []),
    (.createTable(TableDeclaration(
        name: "orders",
        columns: [
            ColumnDeclaration(name: "status", type: "order_status", nullable: false,
                              defaultExpression: "'pending'::order_status"),
            ColumnDeclaration(name: "label", type: "text", generated: "status::text || ' (' || 'x' || ')'",
                              collation: "public.\"C\""),
            ColumnDeclaration(name: "note", type: "varchar(20)", defaultExpression: "'it''s'"),
        ],
        checks: [CheckDeclaration(name: "orders_status_check", expression: "status <> 'gone'")])),
     ["pending", " (", "x", ")", "it's", "gone"]),
    (.addColumn(table: "orders", ColumnDeclaration(name: "final", type: "order_status", defaultExpression: "'paid'")),
     ["paid"]),
    (.alterColumnType(table: "orders", column: "note", type: "varchar(40)", collation: "C"), []),
    (.setDefault(table: "orders", column: "status", expression: "'shipped'::order_status"), ["shipped"]),
    (.addConstraint(table: "orders", .check(CheckDeclaration(name: "c", expression: "status IN ('a', 'b')"))),
     ["a", "b"]),
    (.createIndex(table: "orders", IndexDeclaration(
        name: "orders_paid_idx", columns: ["lower(note || 'x') DESC", "status"], predicate: "status = 'paid'")),
     ["x", "paid"]),
]

@Suite("Step literals")
struct StepLiteralsTests {
    @Test("the literals read from a step's fields are those of its rendered statement", arguments: renderCases)
    func sameAsRendered(_ c: RenderCase) {
        #expect(c.step.stringLiterals == SQLTokens(c.step.sql).literals)
    }

    @Test("literals inside raw SQL fragments are found, in statement order")
    func rawFragments() {
        for (step, literals) in literalCases {
            #expect(step.stringLiterals == literals, "\(step.sql)")
            #expect(step.stringLiterals == SQLTokens(step.sql).literals, "\(step.sql)")
        }
    }

    @Test("only a label addition adds a label")
    func addedLabel() {
        #expect(Step.addEnumValue(type: "t", value: "new", before: "old").addedEnumLabel == "new")
        let others = renderCases.map(\.step).filter { $0.operation != .addEnumValue }
        #expect(!others.isEmpty)
        #expect(others.allSatisfy { $0.addedEnumLabel == nil })
    }
}
