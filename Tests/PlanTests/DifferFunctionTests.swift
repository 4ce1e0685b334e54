import Testing
import Plan
import State

/// The pure diff of functions and triggers: order, replace vs. drop + create,
/// and what is held back.
@Suite("Differ: functions and triggers")
struct DifferFunctionTests {
    static let touch = FunctionDeclaration(
        name: "touch", sql: "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
    static let next = FunctionDeclaration(
        name: "next_no", sql: "CREATE FUNCTION next_no() RETURNS bigint LANGUAGE sql AS 'SELECT 1'")

    static func function(_ name: String, _ arguments: String = "", result: String = "bigint", body: String = "1",
                         comment: String? = nil) -> FunctionState {
        FunctionState(name: name, arguments: arguments, kind: .function, result: result,
                      definition: "CREATE OR REPLACE FUNCTION \(name)(\(arguments)) ... \(body)", comment: comment)
    }

    static let declaration = Declaration(
        file: "schema.yaml",
        tables: [TableDeclaration(
            name: "t",
            columns: [ColumnDeclaration(name: "id", type: "integer"),
                      ColumnDeclaration(name: "n", type: "bigint", defaultExpression: "next_no()")],
            triggers: [TriggerDeclaration(name: "t_touch", timing: .before, events: [.update], forEach: .row,
                                          function: "touch")])],
        functions: [touch, next])

    static let trigger = TriggerState(
        name: "t_touch", definition: "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        function: "touch")

    static let desired = SchemaState(
        tables: [TableState(name: "t", columns: [ColumnState(name: "id", type: "integer"),
                                                  ColumnState(name: "n", type: "bigint", defaultExpression: "next_no()")],
                            triggers: [trigger])],
        functions: [function("touch", result: "trigger"), function("next_no")])

    @Test("a new tenant gets the functions its defaults call before the tables, the others and triggers after")
    func creationOrder() {
        let ops = Differ.creation(of: Self.declaration).map(\.operation.rawValue)
        #expect(ops == ["create_function", "create_table", "create_function", "create_trigger"])
        let sql = Differ.creation(of: Self.declaration).map(\.sql)
        #expect(sql[0].contains("next_no") && sql[2].contains("touch"))
    }

    @Test("a body change is CREATE OR REPLACE; a result type change drops the function, its trigger around it")
    func replaceAndRecreate() {
        var actual = Self.desired
        actual.functions = [Self.function("touch", result: "trigger", body: "old"), Self.function("next_no", body: "old")]
        let diff = Differ(declaration: Self.declaration, desired: Self.desired).diff(actual: actual)
        #expect(diff.changes.map(\.op.rawValue) == ["replace_function", "replace_function"])
        #expect(diff.changes.allSatisfy { $0.hazards == [.replacesFunction] })
        #expect(diff.changes[0].sql.hasPrefix("CREATE OR REPLACE FUNCTION next_no()"))

        actual.functions = [Self.function("touch", "x integer", result: "trigger"), Self.function("next_no")]
        let recreated = Differ(declaration: Self.declaration, desired: Self.desired).diff(actual: actual)
        #expect(recreated.sql == [
            "DROP TRIGGER \"t_touch\" ON \"t\"",
            "DROP FUNCTION \"touch\"(x integer)",
            Self.touch.sql,
            "CREATE TRIGGER \"t_touch\" BEFORE UPDATE ON \"t\" FOR EACH ROW EXECUTE FUNCTION \"touch\"()",
        ])
    }

    @Test("a signature change of a function a default calls is held back")
    func heldUnderADefault() {
        var actual = Self.desired
        actual.functions = [Self.function("touch", result: "trigger"), Self.function("next_no", "a integer")]
        let diff = Differ(declaration: Self.declaration, desired: Self.desired).diff(actual: actual)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.map(\.object) == ["function next_no"])
        #expect(diff.held.first?.reason.contains("column t.n uses it") == true)
        #expect(diff.expected.functions.contains(Self.function("next_no", "a integer")))
    }

    @Test("a signature change of a function an undeclared trigger calls is held back")
    func heldUnderAnUndeclaredTrigger() {
        var actual = Self.desired
        actual.functions = [Self.function("touch", "x integer", result: "trigger"), Self.function("next_no")]
        actual.tables[0].triggers.append(TriggerState(name: "t_other", definition: "x", function: "touch"))
        let diff = Differ(declaration: Self.declaration, desired: Self.desired).diff(actual: actual)
        #expect(diff.held.map(\.object) == ["function touch", "trigger t_other on t"], "\(diff.held)")
        #expect(diff.held.first?.reason.contains("trigger t_other on t, which schema.yaml does not declare, uses it") == true)
        #expect(!diff.sql.contains { $0.hasPrefix("DROP FUNCTION") })
        // Allowed to drop that trigger, the plan drops it first, then replaces the function.
        let allowed = Differ(declaration: Self.declaration, desired: Self.desired, allowDestructive: true).diff(actual: actual)
        #expect(allowed.held.isEmpty)
        #expect(allowed.sql.prefix(3) == ["DROP TRIGGER \"t_touch\" ON \"t\"", "DROP TRIGGER \"t_other\" ON \"t\"",
                                          "DROP FUNCTION \"touch\"(x integer)"], "\(allowed.sql)")
    }

    @Test("undeclared functions and triggers are held back; a function a kept trigger or default calls stays")
    func undeclared() {
        var actual = Self.desired
        let audit = TriggerState(name: "t_audit", definition: "CREATE TRIGGER t_audit ...", function: "audit")
        actual.tables[0].triggers.append(audit)
        actual.tables[0].columns.append(ColumnState(name: "legacy", type: "integer", defaultExpression: "legacy_no()"))
        actual.functions += [Self.function("audit", result: "trigger"), Self.function("legacy_no"), Self.function("old")]
        let held = Differ(declaration: Self.declaration, desired: Self.desired).diff(actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held.map(\.object).sorted() == ["column t.legacy", "function audit()", "function legacy_no()",
                                                     "function old()", "trigger t_audit on t"])
        #expect(held.held.allSatisfy { $0.undeclared })

        // Allowing functions only: the trigger and the column stay, and so do the functions they call.
        let functionsOnly = Differ(declaration: Self.declaration, desired: Self.desired,
                                   policy: .selectors([try! AllowSelector(parsing: "function:*")])).diff(actual: actual)
        #expect(functionsOnly.sql == ["DROP FUNCTION \"old\"()"])
        #expect(functionsOnly.held.first { $0.object == "function audit()" }?.reason.contains("trigger t_audit on t") == true)
        #expect(functionsOnly.held.first { $0.object == "function legacy_no()" }?.reason.contains("column t.legacy") == true)

        let all = Differ(declaration: Self.declaration, desired: Self.desired, allowDestructive: true).diff(actual: actual)
        #expect(all.sql == [
            "DROP TRIGGER \"t_audit\" ON \"t\"",
            "ALTER TABLE \"t\" DROP COLUMN \"legacy\"",
            "DROP FUNCTION \"audit\"()",
            "DROP FUNCTION \"legacy_no\"()",
            "DROP FUNCTION \"old\"()",
        ])
        #expect(all.expected == Self.desired.normalized())
    }

    @Test("ignore: takes functions by name and triggers as table.name out of both states")
    func ignored() {
        var actual = Self.desired
        actual.tables[0].triggers.append(TriggerState(name: "t_audit", definition: "x", function: "audit"))
        actual.functions.append(Self.function("audit", result: "trigger"))
        var declaration = Self.declaration
        declaration.ignore = IgnoreRules([.functions: [try! Glob("audit")], .triggers: [try! Glob("t.t_*dit")]])
        let diff = Differ(declaration: declaration, desired: Self.desired, allowDestructive: true).diff(actual: actual)
        #expect(diff.changes.isEmpty && diff.held.isEmpty)
    }
}
