import Testing
import Plan
import State

@Suite("--allow selectors and the destructive policy")
struct AllowSelectorTests {
    func parse(_ text: String) -> AllowSelector? { try? AllowSelector(parsing: text) }

    func syntaxError(_ text: String) -> AllowSelector.SyntaxError? {
        do {
            _ = try AllowSelector(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test("KIND:NAME parses, the name a glob, split at the first colon")
    func parses() throws {
        let column = try #require(parse("column:users.display_name"))
        #expect(column.kind == .column)
        #expect(column.glob.pattern == "users.display_name")
        #expect(column.description == "column:users.display_name")
        #expect(parse("type_change:orders.*")?.kind == .typeChange)
        #expect(parse("undeclared:*")?.kind == .undeclared)
        #expect(parse("index:odd:name")?.glob.pattern == "odd:name")
        for kind in AllowSelector.Kind.allCases {
            let name = kind.isPerTable ? "t.x" : "x"
            #expect(parse("\(kind.rawValue):\(name)")?.kind == kind, "\(kind)")
        }
    }

    @Test("a malformed selector says what is wrong and what to write")
    func errors() {
        #expect(syntaxError("users.display_name")?.message == "--allow 'users.display_name' is not KIND:NAME")
        #expect(syntaxError("users.display_name")?.hint == "did you mean --allow column:users.display_name?")
        #expect(syntaxError("everything")?.hint.contains("e.g. --allow column:users.display_name; kinds: table, column, type_change") == true)
        #expect(syntaxError("colum:users.x")?.message == "--allow 'colum:users.x': unknown kind 'colum'")
        #expect(syntaxError("colum:users.x")?.hint == "did you mean 'column'?")
        #expect(syntaxError("widget:x")?.hint.hasPrefix("kinds: table, column") == true)
        #expect(syntaxError("table:")?.message == "--allow 'table:' names nothing after 'table:'")
        #expect(syntaxError(":x")?.message == "--allow ':x': unknown kind ''")
        #expect(syntaxError("index:hotfix_[")?.message == "--allow 'index:hotfix_[': unclosed '[' in glob 'hotfix_['")
        #expect(syntaxError("column:display_name")?.message == "--allow 'column:display_name': column selectors name table.column")
        #expect(syntaxError("column:display_name")?.hint.hasPrefix("did you mean --allow column:*.display_name") == true)
        #expect(syntaxError("type_change:qty")?.message == "--allow 'type_change:qty': type_change selectors name table.column")
        #expect(syntaxError("constraint:x_check")?.message == "--allow 'constraint:x_check': constraint selectors name table.constraint")
        #expect(syntaxError("table:orders") == nil)
    }

    @Test("a selector matches its kind, or any undeclared object for undeclared:")
    func matching() throws {
        let note = DestructiveTarget(.column, table: "orders", "note", undeclared: true)
        let narrowed = DestructiveTarget(.typeChange, table: "orders", "qty", undeclared: false)
        #expect(try #require(parse("column:orders.note")).matches(note))
        #expect(try #require(parse("column:*.note")).matches(note))
        #expect(try #require(parse("column:orders.*")).matches(note))
        #expect(!(try #require(parse("column:orders.notes")).matches(note)))
        #expect(!(try #require(parse("table:orders")).matches(note)))
        #expect(!(try #require(parse("column:orders.qty")).matches(narrowed)), "a type change is type_change:")
        #expect(try #require(parse("type_change:orders.qty")).matches(narrowed))
        #expect(try #require(parse("undeclared:*")).matches(note))
        #expect(try #require(parse("undeclared:orders.*")).matches(note))
        #expect(!(try #require(parse("undeclared:*")).matches(narrowed)), "a declared column is not undeclared")
    }

    @Test("the narrowest selector names one object, escaped and quoted for a shell")
    func narrowest() {
        func hint(_ target: DestructiveTarget) -> String { AllowSelector(narrowestFor: target).shellWord }
        #expect(hint(DestructiveTarget(.column, table: "orders", "note", undeclared: true)) == "column:orders.note")
        #expect(hint(DestructiveTarget(.table, "audit log", undeclared: true)) == "'table:audit log'")
        #expect(hint(DestructiveTarget(.index, "tmp*idx", undeclared: true)) == "'index:tmp[*]idx'")
        #expect(hint(DestructiveTarget(.table, "it's", undeclared: true)) == #"'table:it'\''s'"#)
        let odd = DestructiveTarget(.index, "a?b[c", undeclared: true)
        #expect(AllowSelector(narrowestFor: odd).matches(odd))
        #expect(!AllowSelector(narrowestFor: odd).matches(DestructiveTarget(.index, "axb[c", undeclared: true)))
        // What the hint says parses back to a selector that allows the change.
        let parsed = try? AllowSelector(parsing: AllowSelector(narrowestFor: odd).description)
        #expect(parsed?.matches(odd) == true)
    }

    @Test("the policy: none, all, or what a selector matches")
    func policy() throws {
        let note = DestructiveTarget(.column, table: "orders", "note", undeclared: true)
        let table = DestructiveTarget(.table, "alembic_version", undeclared: true)
        #expect(DestructivePolicy(allowDestructive: false) == .none)
        #expect(!DestructivePolicy.none.allows(note))
        #expect(DestructivePolicy(allowDestructive: true, selectors: [try #require(parse("column:x.y"))]) == .all)
        #expect(DestructivePolicy.all.allows(note) && DestructivePolicy.all.allows(table))
        let some = DestructivePolicy(allowDestructive: false, selectors: [try #require(parse("column:orders.note")),
                                                                        try #require(parse("index:hotfix_*"))])
        #expect(some.allows(note))
        #expect(!some.allows(table))
        #expect(some.allows(DestructiveTarget(.index, "hotfix_1", undeclared: true)))
        #expect(!some.allows(DestructiveTarget(.index, "orders_idx", undeclared: true)))
    }
}
