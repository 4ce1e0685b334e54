import Testing
import Plan
import State

/// The pure diff of domains: exact statements, order and what is held back.
@Suite("Differ: domains")
struct DifferDomainTests {
    static let email = DomainDeclaration(
        name: "email", type: "text", nullable: false,
        checks: [CheckDeclaration(name: "has_at", expression: "VALUE ~ '@'")])
    static let emailState = DomainState(
        name: "email", type: "text", notNull: true,
        checks: [ConstraintState(name: "has_at", kind: .check, definition: "CHECK (VALUE ~ '@'::text)")])
    static let users = TableDeclaration(name: "users", columns: [ColumnDeclaration(name: "address", type: "email")])
    static let usersState = TableState(name: "users", columns: [ColumnState(name: "address", type: "email")])

    static func diff(_ declaration: Declaration, desired: SchemaState, actual: SchemaState, policy: DestructivePolicy = .none,
                     online: Bool = false) -> Diff {
        var differ = Differ(declaration: declaration, desired: desired, policy: policy)
        differ.online = online
        return differ.diff(actual: actual)
    }

    @Test func newTenantCreatesTheDomainBeforeTheTable() {
        let d = Declaration(file: "schema.yaml", tables: [Self.users], domains: [Self.email])
        #expect(Differ.creation(of: d).map(\.sql) == [
            #"CREATE DOMAIN "email" AS text NOT NULL CONSTRAINT "has_at" CHECK (VALUE ~ '@')"#,
            "CREATE TABLE \"users\" (\n    \"address\" email\n)",
        ])
    }

    @Test func inSyncPlansNothing() {
        let d = Declaration(file: "schema.yaml", tables: [Self.users], domains: [Self.email])
        let state = SchemaState(tables: [Self.usersState], domains: [Self.emailState])
        let diff = Self.diff(d, desired: state, actual: state)
        #expect(diff.changes.isEmpty && diff.held.isEmpty)
    }

    @Test func changesInPlaceScanTheTablesThatUseTheDomain() {
        var want = Self.emailState
        want.notNull = true
        want.defaultExpression = "'x@y'::text"
        want.checks.append(ConstraintState(name: "short", kind: .check, definition: "CHECK (length(VALUE) < 200)"))
        var declared = Self.email
        declared.checks.append(CheckDeclaration(name: "short", expression: "length(VALUE) < 200"))
        var current = Self.emailState
        current.notNull = false
        current.checks = [ConstraintState(name: "has_at", kind: .check, definition: "CHECK (VALUE ~ '.'::text)")]
        let d = Declaration(file: "schema.yaml", tables: [Self.users], domains: [declared])
        let diff = Self.diff(d, desired: SchemaState(tables: [Self.usersState], domains: [want]),
                             actual: SchemaState(tables: [Self.usersState], domains: [current]))
        #expect(diff.changes.map(\.sql) == [
            #"ALTER DOMAIN "email" SET DEFAULT 'x@y'::text"#,
            #"ALTER DOMAIN "email" SET NOT NULL"#,
            #"ALTER DOMAIN "email" DROP CONSTRAINT "has_at""#,
            #"ALTER DOMAIN "email" ADD CONSTRAINT "has_at" CHECK (VALUE ~ '@')"#,
            #"ALTER DOMAIN "email" ADD CONSTRAINT "short" CHECK (length(VALUE) < 200)"#,
        ])
        #expect(diff.changes[1].locks == [RelationLock("users", .share, .scan)])
        #expect(diff.changes[1].hazards == [.blocksWrites, .mayFailOnExistingData])
        #expect(diff.changes[0].hazards.isEmpty)
        // Online: the checks are added NOT VALID, then validated in a later transaction.
        let online = Self.diff(d, desired: SchemaState(tables: [Self.usersState], domains: [want]),
                               actual: SchemaState(tables: [Self.usersState], domains: [current]), online: true)
        #expect(online.changes.map(\.op).suffix(4) == [.addDomainCheckNotValid, .addDomainCheckNotValid,
                                                       .validateDomainCheck, .validateDomainCheck])
        #expect(online.stages.count == 2)
        #expect(online.stages[0].state.domain(named: "email")?.check(named: "short")?.definition
                == "CHECK (length(VALUE) < 200) NOT VALID")
    }

    @Test func changedBaseTypeIsHeldWhileAColumnUsesIt() {
        let d = Declaration(file: "schema.yaml", tables: [Self.users],
                            domains: [DomainDeclaration(name: "email", type: "varchar(10)")])
        let want = DomainState(name: "email", type: "character varying(10)")
        let current = DomainState(name: "email", type: "text")
        let diff = Self.diff(d, desired: SchemaState(tables: [Self.usersState], domains: [want]),
                             actual: SchemaState(tables: [Self.usersState], domains: [current]))
        #expect(diff.changes.isEmpty)
        #expect(diff.held.map(\.object) == ["domain email"])
        #expect(diff.held.first?.reason.contains("columns of users use it") == true)
        #expect(diff.expected.domain(named: "email") == current)
        // With no column using it, it is dropped and created again.
        let free = Self.diff(Declaration(file: "schema.yaml", domains: d.domains), desired: SchemaState(domains: [want]),
                             actual: SchemaState(domains: [current]))
        #expect(free.changes.map(\.sql) == [#"DROP DOMAIN "email""#, #"CREATE DOMAIN "email" AS varchar(10)"#])
    }

    @Test func undeclaredDomainIsHeldUnlessAllowedAndWhileUsed() throws {
        let actual = SchemaState(domains: [DomainState(name: "legacy", type: "text")])
        let held = Self.diff(Declaration(file: "schema.yaml"), desired: SchemaState(), actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held.first?.reason == "domain legacy is not in schema.yaml; plan with --allow domain:legacy to allow it")
        let allow = DestructivePolicy.selectors([try AllowSelector(parsing: "domain:legacy")])
        let dropped = Self.diff(Declaration(file: "schema.yaml"), desired: SchemaState(), actual: actual, policy: allow)
        #expect(dropped.changes.map(\.sql) == [#"DROP DOMAIN "legacy""#])
        #expect(dropped.changes.first?.hazards == [.dropsUnmanagedObject])
        // A column the plan keeps uses it: held even when allowed.
        let table = TableState(name: "t", columns: [ColumnState(name: "c", type: "legacy")])
        let d = Declaration(file: "schema.yaml", tables: [TableDeclaration(name: "t", columns: [ColumnDeclaration(name: "c", type: "legacy")])])
        let used = Self.diff(d, desired: SchemaState(tables: [table]),
                             actual: SchemaState(tables: [table], domains: actual.domains), policy: allow)
        #expect(used.changes.isEmpty)
        #expect(used.held.first?.reason.contains("columns of t use it") == true)
    }

    @Test func ignoredDomainIsNeverTouched() throws {
        let actual = SchemaState(domains: [DomainState(name: "ext_code", type: "text")])
        let d = Declaration(file: "schema.yaml", ignore: IgnoreRules([.types: [try Glob("ext_*")]]))
        let diff = Self.diff(d, desired: SchemaState(), actual: actual, policy: .all)
        #expect(diff.changes.isEmpty && diff.held.isEmpty)
    }
}
