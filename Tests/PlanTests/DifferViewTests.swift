import Testing
@testable import Plan
import State

/// The pure diff of views and materialized views: creation order, replace
/// versus rebuild with the declared readers, undeclared views, and views
/// around a retyped column.
@Suite("Differ: views")
struct DifferViewTests {
    static let table = TableDeclaration(name: "orders", columns: [ColumnDeclaration(name: "id", type: "integer"),
                                                                  ColumnDeclaration(name: "total", type: "numeric")])
    static let big = ViewDeclaration(name: "big", query: "SELECT id, total FROM orders WHERE total > 100")
    static let reader = ViewDeclaration(name: "reader", query: "SELECT id FROM big")
    static let daily = ViewDeclaration(name: "daily", query: "SELECT count(*) AS n FROM orders", materialized: true,
                                       indexes: [IndexDeclaration(name: "daily_n", columns: ["n"], unique: true)])

    static func declaration(_ views: [ViewDeclaration]) -> Declaration {
        var d = Declaration(file: "schema.yaml", tables: [table])
        d.views = views
        return d
    }

    static let tableState = TableState(name: "orders", columns: [ColumnState(name: "id", type: "integer"),
                                                                 ColumnState(name: "total", type: "numeric")])
    static let bigState = ViewState(name: "big", definition: " SELECT id, total FROM orders WHERE total > 100;",
                                    columns: ["id integer", "total numeric"])
    static let readerState = ViewState(name: "reader", definition: " SELECT id FROM big;", columns: ["id integer"],
                                       reads: ["big"])

    static func desired(_ views: [ViewState], order: [String] = []) -> SchemaState {
        SchemaState(tables: [tableState], views: views, creationOrder: order)
    }

    @Test("a new tenant gets the views in the order the server found, a materialized view's index after it")
    func creationOrder() {
        let ops = Differ.creation(of: Self.declaration([Self.reader, Self.daily, Self.big]),
                                  order: ["view:big", "view:reader", "view:daily"])
        #expect(ops.map(\.object) == ["table orders", "view big", "view reader", "materialized view daily",
                                      "index daily_n on daily"])
        #expect(ops[3].sql == "CREATE MATERIALIZED VIEW \"daily\" AS\nSELECT count(*) AS n FROM orders")
    }

    @Test("a query that keeps the columns and appends one is CREATE OR REPLACE; the reader stays")
    func replace() {
        var want = Self.bigState
        want.definition = " SELECT id, total, 1 AS one FROM orders WHERE total > 100;"
        want.columns.append("one integer")
        var big = Self.big
        big.query = "SELECT id, total, 1 AS one FROM orders WHERE total > 100"
        let diff = Differ(declaration: Self.declaration([big, Self.reader]),
                          desired: Self.desired([want, Self.readerState]))
            .diff(actual: Self.desired([Self.bigState, Self.readerState]))
        #expect(diff.sql == ["CREATE OR REPLACE VIEW \"big\" AS\nSELECT id, total, 1 AS one FROM orders WHERE total > 100"])
        #expect(diff.held.isEmpty)
    }

    @Test("columns that change drop the view and its declared reader, reader first, and create them in order")
    func rebuild() {
        var want = Self.bigState
        want.definition = " SELECT total, id FROM orders;"
        want.columns = ["total numeric", "id integer"]
        var big = Self.big
        big.query = "SELECT total, id FROM orders"
        let diff = Differ(declaration: Self.declaration([Self.reader, big]),
                          desired: Self.desired([want, Self.readerState], order: ["view:big", "view:reader"]))
            .diff(actual: Self.desired([Self.bigState, Self.readerState]))
        #expect(diff.sql == ["DROP VIEW \"reader\"", "DROP VIEW \"big\"",
                             "CREATE VIEW \"big\" AS\nSELECT total, id FROM orders",
                             "CREATE VIEW \"reader\" AS\nSELECT id FROM big"])
        #expect(diff.changes.allSatisfy { $0.hazards.contains(.rebuildsView) })
    }

    @Test("an undeclared reader holds a rebuild back, and the declared reader with it")
    func rebuildHeld() {
        var want = Self.bigState
        want.definition = " SELECT total, id FROM orders;"
        want.columns = ["total numeric", "id integer"]
        var actual = Self.desired([Self.bigState, Self.readerState])
        actual.views.append(ViewState(name: "report", definition: " SELECT total FROM big;", columns: ["total numeric"],
                                      reads: ["big"]))
        actual.dependents = [DependentState(kind: .view, name: "report", on: [.init(.view, "big")]),
                             DependentState(kind: .view, name: "reader", on: [.init(.view, "big")])]
        let diff = Differ(declaration: Self.declaration([Self.big, Self.reader]),
                          desired: Self.desired([want, Self.readerState])).diff(actual: actual)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.map(\.object) == ["view big", "view report"])
        #expect(diff.held[0].reason.contains("view report depends on it (plan with --allow view:report to drop it too)"))
        #expect(diff.expected.fingerprint == actual.fingerprint)
    }

    @Test("an undeclared view is held back without an allow, dropped with one")
    func undeclared() throws {
        let actual = Self.desired([Self.bigState])
        let held = Differ(declaration: Self.declaration([]), desired: Self.desired([])).diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held.map(\.reason) == ["view big is not in schema.yaml; plan with --allow view:big to allow it"])
        #expect(held.expected.fingerprint == actual.fingerprint)

        let policy = DestructivePolicy(allowDestructive: false, selectors: [try AllowSelector(parsing: "view:big")])
        let dropped = Differ(declaration: Self.declaration([]), desired: Self.desired([]), policy: policy).diff(actual: actual)
        #expect(dropped.sql == ["DROP VIEW \"big\""])
        #expect(dropped.changes[0].hazards == [.dropsUnmanagedObject])
    }

    @Test("a declared view on a retyped column is dropped before the change and created after it")
    func aroundRetype() {
        var declaration = Self.declaration([Self.big])
        declaration.tables[0].columns[1].type = "bigint"
        var desiredTable = Self.tableState
        desiredTable.columns[1].type = "bigint"
        var want = Self.bigState
        want.columns = ["id integer", "total bigint"]
        let desired = SchemaState(tables: [desiredTable], views: [want])
        var actual = Self.desired([Self.bigState])
        actual.dependents = [DependentState(kind: .view, name: "big", on: [.init(.table, "orders", column: "total")])]
        let diff = Differ(declaration: declaration, desired: desired, allowDestructive: true).diff(actual: actual)
        #expect(diff.changes.map(\.op.rawValue) == ["drop_view", "alter_column_type", "create_view"])
        #expect(diff.held.isEmpty)
    }

    static let dailyState = ViewState(name: "daily", materialized: true, definition: " SELECT count(*) AS n FROM orders;",
                                      columns: ["n bigint"])

    @Test("an undeclared view stays while an undeclared reader may not be dropped; both go when both are allowed")
    func undeclaredWithUndeclaredReader() throws {
        var actual = Self.desired([Self.bigState])
        actual.views.append(ViewState(name: "report", definition: " SELECT total FROM big;", columns: ["total numeric"],
                                      reads: ["big"]))
        actual.dependents = [DependentState(kind: .view, name: "report", on: [.init(.view, "big")])]
        let one = DestructivePolicy(allowDestructive: false, selectors: [try AllowSelector(parsing: "view:big")])
        let held = Differ(declaration: Self.declaration([]), desired: Self.desired([]), policy: one).diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held.map(\.object) == ["view big", "view report"])
        #expect(held.held[0].reason == "view big is not in schema.yaml; "
                + "view report depends on it (plan with --allow view:report to drop it too)")
        #expect(held.expected.fingerprint == actual.fingerprint)

        let both = DestructivePolicy(allowDestructive: false, selectors: [try AllowSelector(parsing: "view:big"),
                                                                          try AllowSelector(parsing: "view:report")])
        let dropped = Differ(declaration: Self.declaration([]), desired: Self.desired([]), policy: both).diff(actual: actual)
        #expect(dropped.sql == ["DROP VIEW \"report\"", "DROP VIEW \"big\""])
        #expect(dropped.held.isEmpty)
    }

    @Test("a rebuilt materialized view gets its declared indexes anew: no index dropped first, none held back")
    func rebuiltMaterializedViewIndexes() {
        var have = Self.dailyState
        have.indexes = [IndexState(name: "daily_n", definition: "USING btree (n)"),
                        IndexState(name: "daily_old", definition: "USING btree (n)")]
        var want = Self.dailyState
        want.definition = " SELECT count(*) AS n FROM orders WHERE total > 0;"
        want.indexes = [IndexState(name: "daily_n", definition: "UNIQUE USING btree (n)")]
        var daily = Self.daily
        daily.query = "SELECT count(*) AS n FROM orders WHERE total > 0"
        let diff = Differ(declaration: Self.declaration([daily]), desired: Self.desired([want]))
            .diff(actual: Self.desired([have]))
        #expect(diff.sql == ["DROP MATERIALIZED VIEW \"daily\"",
                             "CREATE MATERIALIZED VIEW \"daily\" AS\nSELECT count(*) AS n FROM orders WHERE total > 0",
                             "CREATE UNIQUE INDEX \"daily_n\" ON \"daily\" (\"n\")"])
        #expect(diff.held.isEmpty)
        #expect(diff.expected.view(named: "daily")?.indexes == want.indexes)
    }

    @Test("a materialized view whose rebuild is held back keeps its indexes: no index change is planned")
    func heldMaterializedViewIndexes() {
        var want = Self.dailyState
        want.definition = " SELECT count(*) AS n FROM orders WHERE total > 0;"
        want.indexes = [IndexState(name: "daily_n", definition: "UNIQUE USING btree (n)")]
        var daily = Self.daily
        daily.query = "SELECT count(*) AS n FROM orders WHERE total > 0"
        var actual = Self.desired([Self.dailyState])
        actual.views.append(ViewState(name: "report", definition: " SELECT n FROM daily;", columns: ["n bigint"],
                                      reads: ["daily"]))
        actual.dependents = [DependentState(kind: .view, name: "report", on: [.init(.view, "daily")])]
        let diff = Differ(declaration: Self.declaration([daily]), desired: Self.desired([want])).diff(actual: actual)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.map(\.object) == ["materialized view daily", "view report"])
        #expect(diff.expected.fingerprint == actual.fingerprint)
    }

    @Test("a view replaced in place over a held-back view whose columns change is held back too, with a reason")
    func replaceOverHeldViewHeld() {
        var wantBig = Self.bigState
        wantBig.definition = " SELECT total, id FROM orders;"
        wantBig.columns = ["total numeric", "id integer"]
        var big = Self.big
        big.query = "SELECT total, id FROM orders"
        var reader = Self.reader
        reader.query = "SELECT id, 1 AS one FROM big"
        var wantReader = Self.readerState
        wantReader.definition = " SELECT id, 1 AS one FROM big;"
        wantReader.columns = ["id integer", "one integer"]
        var actual = Self.desired([Self.bigState, Self.readerState])
        actual.views.append(ViewState(name: "report", definition: " SELECT total FROM big;", columns: ["total numeric"],
                                      reads: ["big"]))
        actual.dependents = [DependentState(kind: .view, name: "report", on: [.init(.view, "big")]),
                             DependentState(kind: .view, name: "reader", on: [.init(.view, "big")])]
        let diff = Differ(declaration: Self.declaration([big, reader]),
                          desired: Self.desired([wantBig, wantReader])).diff(actual: actual)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.map(\.object) == ["view big", "view reader", "view report"])
        #expect(diff.held[1].reason == "it reads big, whose change is held back")
        #expect(diff.expected.fingerprint == actual.fingerprint)
    }

    @Test("a view replaced in place over a held-back view that keeps its columns is replaced")
    func replaceOverHeldViewRuns() {
        var wantDaily = Self.dailyState
        wantDaily.definition = " SELECT count(*) AS n FROM orders WHERE total > 0;"
        var daily = Self.daily
        daily.query = "SELECT count(*) AS n FROM orders WHERE total > 0"
        daily.indexes = []
        let counts = ViewDeclaration(name: "counts", query: "SELECT n, n + 1 AS m FROM daily")
        let haveCounts = ViewState(name: "counts", definition: " SELECT n FROM daily;", columns: ["n bigint"],
                                   reads: ["daily"])
        var wantCounts = haveCounts
        wantCounts.definition = " SELECT n, n + 1 AS m FROM daily;"
        wantCounts.columns = ["n bigint", "m bigint"]
        var actual = Self.desired([Self.dailyState, haveCounts])
        actual.views.append(ViewState(name: "report", definition: " SELECT n FROM daily;", columns: ["n bigint"],
                                      reads: ["daily"]))
        actual.dependents = [DependentState(kind: .view, name: "report", on: [.init(.view, "daily")]),
                             DependentState(kind: .view, name: "counts", on: [.init(.view, "daily")])]
        let diff = Differ(declaration: Self.declaration([daily, counts]),
                          desired: Self.desired([wantDaily, wantCounts])).diff(actual: actual)
        #expect(diff.sql == ["CREATE OR REPLACE VIEW \"counts\" AS\nSELECT n, n + 1 AS m FROM daily"])
        #expect(diff.held.map(\.object) == ["materialized view daily", "view report"])
        #expect(diff.expected.view(named: "counts") == wantCounts)
        #expect(diff.expected.view(named: "daily") == Self.dailyState)
    }

    @Test("a view whose rebuild is held back still gets its new comment, and the state after the plan has it")
    func heldViewComment() {
        var want = Self.bigState
        want.definition = " SELECT total, id FROM orders;"
        want.columns = ["total numeric", "id integer"]
        want.comment = "big ones"
        var big = Self.big
        big.query = "SELECT total, id FROM orders"
        big.comment = "big ones"
        var actual = Self.desired([Self.bigState])
        actual.views.append(ViewState(name: "report", definition: " SELECT total FROM big;", columns: ["total numeric"],
                                      reads: ["big"]))
        actual.dependents = [DependentState(kind: .view, name: "report", on: [.init(.view, "big")])]
        let diff = Differ(declaration: Self.declaration([big]), desired: Self.desired([want])).diff(actual: actual)
        #expect(diff.sql == ["COMMENT ON VIEW \"big\" IS 'big ones'"])
        #expect(diff.held.map(\.object) == ["view big", "view report"])
        var kept = Self.bigState
        kept.comment = "big ones"
        #expect(diff.expected.view(named: "big") == kept)
    }

    // MARK: Comments on a materialized view's indexes

    static func commentedDaily(_ comment: String?) -> ViewDeclaration {
        var daily = Self.daily
        daily.indexes[0].comment = comment
        return daily
    }

    static func dailyState(indexComment: String?, definition: String = "UNIQUE USING btree (n)") -> ViewState {
        var state = Self.dailyState
        state.indexes = [IndexState(name: "daily_n", definition: definition, comment: indexComment)]
        return state
    }

    @Test("a new tenant gets a materialized view's index comment after the index")
    func creationCommentsTheViewIndex() {
        let ops = Differ.creation(of: Self.declaration([Self.commentedDaily("one a day")]), order: ["view:daily"])
        #expect(ops.map(\.sql).suffix(2) == ["CREATE UNIQUE INDEX \"daily_n\" ON \"daily\" (\"n\")",
                                             "COMMENT ON INDEX \"daily_n\" IS 'one a day'"])
    }

    @Test("a kept index of a materialized view gets its comment set, changed or removed, without a rebuild")
    func viewIndexCommentChanges() {
        for (have, want) in [(nil, "new"), ("old", "new"), ("old", nil)] as [(String?, String?)] {
            let diff = Differ(declaration: Self.declaration([Self.commentedDaily(want)]),
                              desired: Self.desired([Self.dailyState(indexComment: want)]))
                .diff(actual: Self.desired([Self.dailyState(indexComment: have)]))
            #expect(diff.sql == ["COMMENT ON INDEX \"daily_n\" IS \(want.map { "'\($0)'" } ?? "NULL")"])
            #expect(diff.changes.map(\.op.rawValue) == ["comment_index"])
            #expect(diff.expected.view(named: "daily")?.indexes.first?.comment == want)
        }
        let same = Differ(declaration: Self.declaration([Self.commentedDaily("same")]),
                          desired: Self.desired([Self.dailyState(indexComment: "same")]))
            .diff(actual: Self.desired([Self.dailyState(indexComment: "same")]))
        #expect(same.changes.isEmpty && same.held.isEmpty)
    }

    @Test("a rebuilt index, and the indexes of a rebuilt or new materialized view, get their comments again")
    func rebuiltViewIndexGetsItsComment() {
        let rebuilt = Differ(declaration: Self.declaration([Self.commentedDaily("c")]),
                             desired: Self.desired([Self.dailyState(indexComment: "c")]))
            .diff(actual: Self.desired([Self.dailyState(indexComment: "c", definition: "USING btree (n)")]))
        #expect(rebuilt.sql == ["DROP INDEX \"daily_n\"", "CREATE UNIQUE INDEX \"daily_n\" ON \"daily\" (\"n\")",
                                "COMMENT ON INDEX \"daily_n\" IS 'c'"])
        var daily = Self.commentedDaily("c")
        daily.query = "SELECT count(*) AS n FROM orders WHERE total > 0"
        var want = Self.dailyState(indexComment: "c")
        want.definition = " SELECT count(*) AS n FROM orders WHERE total > 0;"
        let view = Differ(declaration: Self.declaration([daily]), desired: Self.desired([want]))
            .diff(actual: Self.desired([Self.dailyState(indexComment: "c")]))
        #expect(view.sql.last == "COMMENT ON INDEX \"daily_n\" IS 'c'")
        #expect(view.sql.first == "DROP MATERIALIZED VIEW \"daily\"")
        let new = Differ(declaration: Self.declaration([Self.commentedDaily("c")]),
                         desired: Self.desired([Self.dailyState(indexComment: "c")]))
            .diff(actual: Self.desired([]))
        #expect(new.sql.last == "COMMENT ON INDEX \"daily_n\" IS 'c'")
    }
}
