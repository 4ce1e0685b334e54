import Foundation
import Testing
import Plan
import State

/// A column backfill as the plan stores it: its statements rendered from its
/// table and column, and plan files that do not carry them refused.
@Suite("Column backfill")
struct ColumnBackfillTests {
    /// A column whose name holds the batch statement's own ending.
    static let tricky = ColumnBackfill(table: awkward, column: "seen FOR UPDATE SKIP LOCKED))")
    static let trickyColumn = #""seen FOR UPDATE SKIP LOCKED))""#

    @Test("the batch and the skipping batch are rendered from the table and column, whatever their names hold")
    func statements() {
        #expect(Self.tricky.batchStatement() == "UPDATE \(awkwardQuoted) SET \(Self.trickyColumn) = DEFAULT WHERE "
                + "ctid >= $1::tid AND ctid < $2::tid AND \(Self.trickyColumn) IS NULL")
        #expect(Self.tricky.skippingStatement() == "UPDATE \(awkwardQuoted) SET \(Self.trickyColumn) = DEFAULT WHERE "
                + "ctid = ANY (ARRAY(SELECT ctid FROM \(awkwardQuoted) WHERE ctid >= $1::tid AND ctid < $2::tid AND "
                + "\(Self.trickyColumn) IS NULL FOR UPDATE SKIP LOCKED))")
        // The change's sql is the batch statement; the change carries the fields.
        let change = Step.backfillColumn(table: awkward, column: Self.tricky.column).change(transactional: false)
        #expect(change.sql == Self.tricky.batchStatement())
        #expect(change.backfill == Self.tricky)
        #expect(Step.fillColumn(table: awkward, column: "c").change().backfill == nil)
    }

    static func plan(_ edit: (inout Change) -> Void = { _ in }) -> PlanFile {
        var plan = samplePlan()
        var backfill = Step.backfillColumn(table: "events", column: "seen_at").change(transactional: false)
        edit(&backfill)
        plan.changeSets[1].changes.append(backfill)
        return plan
    }

    @Test("the plan file stores the table and column under backfill, and reads them back")
    func stored() throws {
        let data = try Self.plan().encoded()
        let text = String(decoding: data, as: UTF8.self)
        let canonical = String(decoding: try Self.plan().canonicalContent(), as: UTF8.self)
        #expect(canonical.contains(#""backfill":{"column":"seen_at","table":"events"}"#), "\(canonical)")
        // Only the backfill carries one.
        #expect(text.components(separatedBy: "\"backfill\"").count == 2)
        let read = try PlanFile.decode(data, file: "plan.json")
        #expect(read.changeSets[1].changes.last?.backfill == ColumnBackfill(table: "events", column: "seen_at"))
        #expect(try read.encoded() == data)
    }

    @Test("a plan whose backfill does not record its table and column (an earlier tenantplan's) is refused")
    func earlierPlanRefused() throws {
        // Digested without the field, as the earlier version wrote it: intact, but not runnable.
        let data = try Self.plan { $0.backfill = nil }.encoded()
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message == "the plan's backfill 'column events.seen_at (backfill)' does not record the table and "
                + "column it fills (it was written by an earlier tenantplan)")
        #expect(error?.hint == "plan again with this version of tenantplan")
    }

    @Test("a plan whose backfill holds the earlier batch statement (rows locked first, LIMIT $3) is refused: plan again")
    func earlierStatementRefused() throws {
        let data = try Self.plan { $0.sql = $0.backfill!.earlierBatchStatement() }.encoded()
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message == "the plan's backfill 'column events.seen_at (backfill)' has the batch statement of an "
                + "earlier tenantplan")
        #expect(error?.hint == "plan again with this version of tenantplan")
    }

    @Test("a backfill whose sql is not the batch statement of its fields, or a backfill on another change, is refused",
          arguments: ["table", "column", "sql", "op"])
    func mismatchRefused(_ edited: String) throws {
        let data = try Self.plan { change in
            switch edited {
            case "table": change.backfill?.table = "other"
            case "column": change.backfill?.column = "other"
            case "sql": change.sql = change.backfill!.skippingStatement()
            default: change.op = .fillColumn
            }
        }.encoded()
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json") }
        #expect(error?.message == "the plan's change 'column events.seen_at (backfill)' does not match its `backfill` table and column")
    }
}
