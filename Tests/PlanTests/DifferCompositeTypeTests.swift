import Testing
import Plan
import State

/// The pure diff of composite types: exact statements, order and what is held back.
@Suite("Differ: composite types")
struct DifferCompositeTypeTests {
    static let address = CompositeTypeDeclaration(name: "address", attributes: [
        .init(name: "street", type: "text"), .init(name: "city", type: "text")])
    static let addressState = CompositeTypeState(name: "address", attributes: [
        .init(name: "street", type: "text"), .init(name: "city", type: "text")])
    static let people = TableDeclaration(name: "people", columns: [ColumnDeclaration(name: "home", type: "address")])
    static let peopleState = TableState(name: "people", columns: [ColumnState(name: "home", type: "address")])

    static func declaration(_ type: CompositeTypeDeclaration = Self.address) -> Declaration {
        var d = Declaration(file: "schema.yaml", tables: [Self.people])
        d.compositeTypes = [type]
        return d
    }

    static func state(_ type: CompositeTypeState?, tables: [TableState] = [Self.peopleState]) -> SchemaState {
        SchemaState(tables: tables, compositeTypes: type.map { [$0] } ?? [])
    }

    static func diff(_ declaration: Declaration, desired: SchemaState, actual: SchemaState,
                     policy: DestructivePolicy = .none) -> Diff {
        Differ(declaration: declaration, desired: desired, policy: policy).diff(actual: actual)
    }

    @Test func newTenantCreatesTheTypeBeforeTheTable() {
        var d = Self.declaration()
        d.compositeTypes[0].comment = "where"
        #expect(Differ.creation(of: d).map(\.sql) == [
            "CREATE TYPE \"address\" AS (\n    \"street\" text,\n    \"city\" text\n)",
            "CREATE TABLE \"people\" (\n    \"home\" address\n)",
            #"COMMENT ON TYPE "address" IS 'where'"#,
        ])
    }

    @Test func inSyncPlansNothing() {
        let diff = Self.diff(Self.declaration(), desired: Self.state(Self.addressState), actual: Self.state(Self.addressState))
        #expect(diff.changes.isEmpty && diff.held.isEmpty)
    }

    @Test func attributeAddedAtTheEnd() {
        var want = Self.addressState
        want.attributes.append(.init(name: "zip", type: "character varying(10)"))
        var declared = Self.address
        declared.attributes.append(.init(name: "zip", type: "varchar(10)"))
        let diff = Self.diff(Self.declaration(declared), desired: Self.state(want), actual: Self.state(Self.addressState))
        #expect(diff.sql == [#"ALTER TYPE "address" ADD ATTRIBUTE "zip" character varying(10)"#])
        #expect(diff.changes[0].hazards.isEmpty && diff.changes[0].locks.isEmpty)
        #expect(diff.expected == Self.state(want).normalized())
    }

    @Test func attributeInsertedInTheMiddleIsHeld() {
        let want = CompositeTypeState(name: "address", attributes: [
            .init(name: "street", type: "text"), .init(name: "zip", type: "text"), .init(name: "city", type: "text")])
        let diff = Self.diff(Self.declaration(), desired: Self.state(want), actual: Self.state(Self.addressState))
        #expect(diff.changes.isEmpty)
        #expect(diff.held.map(\.object) == ["composite type address"])
        #expect(diff.held.first?.reason.contains("would be in the order street, city, zip") == true)
        #expect(diff.expected == Self.state(Self.addressState).normalized())
    }

    @Test func droppedAttributeIsHeldOrDroppedWithDataLoss() {
        var current = Self.addressState
        current.attributes.append(.init(name: "fax", type: "text"))
        let held = Self.diff(Self.declaration(), desired: Self.state(Self.addressState), actual: Self.state(current))
        #expect(held.changes.isEmpty)
        #expect(held.held.first?.reason.contains("plan with --allow type:address") == true)
        #expect(held.held.first?.sql == #"ALTER TYPE "address" DROP ATTRIBUTE "fax""#)
        #expect(held.expected == Self.state(current).normalized())
        let allowed = Self.diff(Self.declaration(), desired: Self.state(Self.addressState), actual: Self.state(current),
                                policy: .all)
        #expect(allowed.sql == [#"ALTER TYPE "address" DROP ATTRIBUTE "fax""#])
        #expect(allowed.changes[0].hazards == [.dataLoss])
    }

    @Test func retypingAnAttributeIsHeldWhileAColumnUsesTheType() {
        var want = Self.addressState
        want.attributes[1].type = "character varying(80)"
        let used = Self.diff(Self.declaration(), desired: Self.state(want), actual: Self.state(Self.addressState),
                             policy: .all)
        #expect(used.changes.isEmpty)
        #expect(used.held.first?.reason.contains("while column people.home uses the type") == true)
        var d = Self.declaration()
        d.tables = []
        let unused = Self.diff(d, desired: Self.state(want, tables: []), actual: Self.state(Self.addressState, tables: []))
        #expect(unused.sql == [#"ALTER TYPE "address" ALTER ATTRIBUTE "city" TYPE character varying(80)"#])
    }

    @Test func undeclaredTypeIsHeldDroppedOrKeptWhileUsed() {
        var d = Self.declaration()
        d.compositeTypes = []
        d.tables = []
        let bare = Self.state(nil, tables: [])
        let actual = Self.state(Self.addressState, tables: [])
        let held = Self.diff(d, desired: bare, actual: actual)
        #expect(held.held.map(\.object) == ["composite type address"])
        let dropped = Self.diff(d, desired: bare, actual: actual, policy: .all)
        #expect(dropped.sql == [#"DROP TYPE "address""#])
        #expect(dropped.changes[0].hazards == [.dropsUnmanagedObject])
        // A column the plan keeps uses it: kept, whatever is allowed.
        d.tables = [Self.people]
        let kept = Self.diff(d, desired: Self.state(nil), actual: Self.state(Self.addressState), policy: .all)
        #expect(kept.changes.isEmpty)
        #expect(kept.held.first?.reason.contains("column people.home use it") == true)
    }
}
