@testable import Apply
import Plan
import State
import Testing

/// The per-tenant apply protocol, driven event by event with no server.
///
/// Fingerprints: `F` the plan's `from`, `P` after the prelude, `T` the plan's
/// `to`, `X` and `Y` anything else.
@Suite("Tenant apply protocol")
struct TenantApplyMachineTests {
    typealias Machine = TenantApplyMachine

    static let addLabel = Change(op: .addEnumValue, action: .change, object: "enum s value 'b'",
                                 sql: "ALTER TYPE \"s\" ADD VALUE 'b'", transactional: false)
    static let addColumn = Change(op: .addColumn, action: .create, object: "column t.c",
                                  sql: "ALTER TABLE \"t\" ADD COLUMN \"c\" s DEFAULT 'b'")
    static let setNotNull = Change(op: .setNotNull, action: .change, object: "column t.c not null",
                                   sql: "ALTER TABLE \"t\" ALTER COLUMN \"c\" SET NOT NULL")

    static func changeSet(_ changes: [Change], preludeTo: String? = nil) -> PlanFile.ChangeSet {
        let prelude = changes.filter { !$0.transactional }.count
        let steps = preludeTo.map {
            [PlanFile.StepEntry(changes: prelude, transactional: true, to: $0),
             PlanFile.StepEntry(changes: changes.count - prelude, transactional: true, to: "T")]
        }
        return PlanFile.ChangeSet(id: 7, from: "F", to: "T", changes: changes, held: [], tenants: ["main": ["acme"]],
                                  steps: steps, stamps: ["main": ["acme": "S"]])
    }

    /// One stage (`addColumn`, `setNotNull`); stamp `S` when `stamped`.
    static func single(stamped: Bool = true, retries: Int = 3) -> Machine {
        Machine(changeSet: changeSet([addColumn, setNotNull]), stamp: stamped ? "S" : nil, retries: retries)
    }

    /// A prelude (`addLabel`, to `P`) then `addColumn`.
    static func withPrelude(stamped: Bool = true) -> Machine {
        Machine(changeSet: changeSet([addLabel, addColumn], preludeTo: "P"), stamp: stamped ? "S" : nil, retries: 3)
    }

    static func serverError(_ sqlState: String, transient: Bool = false, connectionLost: Bool = false)
        -> Machine.ActionError
    {
        .server(TenantResult.Failure(sqlState: sqlState, message: "error \(sqlState)", detail: "d",
                                     statement: "ALTER TABLE"),
                transient: transient, connectionLost: connectionLost)
    }

    static func report(_ error: Machine.ActionError) -> TenantResult.Failure {
        guard case .server(let failure, _, _) = error else { preconditionFailure() }
        return failure
    }

    static func verification(expected: String, found: String) -> TenantResult.Failure {
        TenantResult.Failure(sqlState: "", message: VerificationFailure(expected: expected, found: found).description)
    }

    /// Starts `machine` and opens the tenant's transaction: by stamp when
    /// `stampMatched`, else by a full read that finds `found`.
    static func open(_ machine: inout Machine, stampMatched: Bool, found: String? = nil) -> Machine.Action {
        #expect(machine.start() == .connect)
        #expect(machine.connected() == .begin(stamp: machine.stamp))
        if stampMatched { return machine.begun(stampMatched: true) }
        #expect(machine.begun(stampMatched: false) == .readState)
        return machine.stateRead(fingerprint: found!)
    }

    // MARK: In sync, already applied, stale

    @Test("a matching stamp vouches for the plan's state: the changes run with no full read, verified, committed")
    func stampTrusted() {
        var m = Self.single()
        #expect(Self.open(&m, stampMatched: true) == .run([Self.addColumn, Self.setNotNull]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.committed() == .finish(.applied))
        #expect(m.attempts == 1)
    }

    @Test("without a matching stamp the state is read in full, and the changes run when it is the plan's")
    func stampMismatchFullRead() {
        var m = Self.single()
        #expect(Self.open(&m, stampMatched: false, found: "F") == .run([Self.addColumn, Self.setNotNull]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.committed() == .finish(.applied))
    }

    @Test("a tenant without a stamp is begun without one")
    func noStamp() {
        var m = Self.single(stamped: false)
        #expect(m.start() == .connect)
        #expect(m.connected() == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .readState)
    }

    @Test("a tenant already in the planned state is rolled back and reported already applied")
    func alreadyApplied() {
        var m = Self.single()
        #expect(Self.open(&m, stampMatched: false, found: "T") == .rollback)
        #expect(m.rolledBack() == .finish(.alreadyApplied))
    }

    @Test("a tenant in another state is rolled back untouched and reported stale")
    func stale() {
        var m = Self.single()
        #expect(Self.open(&m, stampMatched: false, found: "X") == .rollback)
        #expect(m.rolledBack() == .finish(.stale))
        // The prelude's state is no start when there is no prelude.
        var n = Self.single()
        #expect(Self.open(&n, stampMatched: false, found: "P") == .rollback)
        #expect(n.rolledBack() == .finish(.stale))
    }

    // MARK: Prelude

    @Test("enum labels are committed first, then the rest runs from the prelude's state, read in full")
    func prelude() {
        var m = Self.withPrelude()
        #expect(Self.open(&m, stampMatched: true) == .run([Self.addLabel]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "P") == .commit)
        #expect(!m.committingLastStage, "the prelude's commit is not the tenant's last")
        #expect(m.committed() == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .readState)
        #expect(m.stateRead(fingerprint: "P") == .run([Self.addColumn]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.committingLastStage)
        #expect(m.committed() == .finish(.applied))
        #expect(!m.committingLastStage)
        #expect(m.attempts == 1)
    }

    @Test("a tenant left at the prelude's state by an earlier run goes on from there")
    func resumeAfterPrelude() {
        var m = Self.withPrelude()
        #expect(Self.open(&m, stampMatched: false, found: "P") == .run([Self.addColumn]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.committed() == .finish(.applied))
    }

    @Test("after the prelude commits, only the prelude's state may follow, or the end another applier reached; anything else is stale")
    func changedBetweenStages() {
        var done = Self.withPrelude()
        #expect(Self.open(&done, stampMatched: true) == .run([Self.addLabel]))
        #expect(done.changesRan() == .readState)
        #expect(done.stateRead(fingerprint: "P") == .commit)
        #expect(done.committed() == .begin(stamp: nil))
        #expect(done.begun(stampMatched: false) == .readState)
        #expect(done.stateRead(fingerprint: "T") == .rollback)
        #expect(done.rolledBack() == .finish(.applied))
        for found in ["F", "X"] {
            var m = Self.withPrelude()
            #expect(Self.open(&m, stampMatched: true) == .run([Self.addLabel]))
            #expect(m.changesRan() == .readState)
            #expect(m.stateRead(fingerprint: "P") == .commit)
            #expect(m.committed() == .begin(stamp: nil))
            #expect(m.begun(stampMatched: false) == .readState)
            #expect(m.stateRead(fingerprint: found) == .rollback, "\(found)")
            #expect(m.rolledBack() == .finish(.stale), "\(found)")
        }
    }

    @Test("the stages of a change set")
    func stages() {
        typealias Stage = Machine.Stage
        #expect(Machine.stages(of: Self.changeSet([Self.addColumn, Self.setNotNull])) == [
            Stage(changes: [Self.addColumn, Self.setNotNull], from: "F", to: "T"),
        ])
        #expect(Machine.stages(of: Self.changeSet([Self.addLabel, Self.addColumn], preludeTo: "P")) == [
            Stage(changes: [Self.addLabel], from: "F", to: "P"),
            Stage(changes: [Self.addColumn], from: "P", to: "T"),
        ])
        // Without steps (a change set in sync): one stage from `from`.
        #expect(Machine.stages(of: Self.changeSet([])) == [Stage(changes: [], from: "F", to: "T")])
        // Online steps: each from the one before, outside a transaction when the plan says so.
        var set = Self.changeSet([Self.addColumn, Self.buildIndex, Self.setNotNull])
        set.steps = [PlanFile.StepEntry(changes: 1, transactional: true, to: "A"),
                     PlanFile.StepEntry(changes: 1, transactional: false, to: "B"),
                     PlanFile.StepEntry(changes: 1, transactional: true, to: "T")]
        #expect(Machine.stages(of: set) == [
            Stage(changes: [Self.addColumn], from: "F", to: "A"),
            Stage(changes: [Self.buildIndex], transactional: false, from: "A", to: "B"),
            Stage(changes: [Self.setNotNull], from: "B", to: "T"),
        ])
    }

    static let buildIndex = Change(op: .createIndexConcurrently, action: .create, object: "index t_c_idx on t",
                                   sql: "CREATE INDEX CONCURRENTLY \"t_c_idx\" ON \"t\" (\"c\")", transactional: false)

    /// Three steps, the middle one (`buildIndex`) outside a transaction: F → A → B → T.
    static func online() -> Machine {
        var set = changeSet([addColumn, buildIndex, setNotNull])
        set.steps = [PlanFile.StepEntry(changes: 1, transactional: true, to: "A"),
                     PlanFile.StepEntry(changes: 1, transactional: false, to: "B"),
                     PlanFile.StepEntry(changes: 1, transactional: true, to: "T")]
        return Machine(changeSet: set, stamp: nil, retries: 1)
    }

    static let addCheckNotValid = Change(op: .addConstraintNotValid, action: .create, object: "constraint t_c_check on t",
                                         sql: "ALTER TABLE \"t\" ADD CONSTRAINT \"t_c_check\" CHECK (c > 0) NOT VALID")
    static let validateCheck = Change(op: .validateConstraint, action: .change, object: "constraint t_c_check on t",
                                      sql: "ALTER TABLE \"t\" VALIDATE CONSTRAINT \"t_c_check\"")

    /// A check added online: `NOT VALID` (F → A), then validated (A → T).
    static func notValidThenValidateSet() -> PlanFile.ChangeSet {
        var set = changeSet([addCheckNotValid, validateCheck])
        set.steps = [PlanFile.StepEntry(changes: 1, transactional: true, to: "A"),
                     PlanFile.StepEntry(changes: 1, transactional: true, to: "T")]
        return set
    }

    static func notValidThenValidate() -> Machine {
        Machine(changeSet: notValidThenValidateSet(), stamp: "S", retries: 1)
    }

    @Test("a stage of NOT VALID constraints that is not the last commits as soon as it ran; the next stage's verifying read checks it")
    func notValidStageCommitsFirst() {
        #expect(Machine.stages(of: Self.notValidThenValidateSet()).map(\.commitsFirst) == [true, false])
        // Mixed with another change, or the last stage: read before COMMIT as always.
        var mixed = Self.changeSet([Self.addCheckNotValid, Self.addColumn, Self.validateCheck])
        mixed.steps = [PlanFile.StepEntry(changes: 2, transactional: true, to: "A"),
                       PlanFile.StepEntry(changes: 1, transactional: true, to: "T")]
        #expect(Machine.stages(of: mixed).map(\.commitsFirst) == [false, false])
        var last = Self.changeSet([Self.addCheckNotValid])
        last.steps = [PlanFile.StepEntry(changes: 1, transactional: true, to: "T")]
        #expect(Machine.stages(of: last).map(\.commitsFirst) == [false])

        var m = Self.notValidThenValidate()
        #expect(Self.open(&m, stampMatched: true) == .run([Self.addCheckNotValid]))
        #expect(m.changesRan() == .commit)
        #expect(!m.committingLastStage)
        #expect(m.committed() == .begin(stamp: nil))
        // No read before the next stage: it runs from the state the first leads to.
        #expect(m.begun(stampMatched: false) == .run([Self.validateCheck]))
        #expect(m.unverified == 0)
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.unverified == nil)
        #expect(m.committingLastStage)
        #expect(m.committed() == .finish(.applied))
    }

    /// `machine` (by default `notValidThenValidate()`) up to its second stage's changes, run unread.
    static func validatingUnread(_ machine: Machine = notValidThenValidate(),
                                 sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Machine {
        var m = machine
        #expect(open(&m, stampMatched: true) == .run([addCheckNotValid]), sourceLocation: sourceLocation)
        #expect(m.changesRan() == .commit, sourceLocation: sourceLocation)
        #expect(m.committed() == .begin(stamp: nil), sourceLocation: sourceLocation)
        #expect(m.begun(stampMatched: false) == .run([validateCheck]), sourceLocation: sourceLocation)
        return m
    }

    @Test("the stage after an unread NOT VALID stage: a wrong result is read again, and told apart from its own failure")
    func stageAfterUnreadStage() {
        // The state after both is not T; rolled back, the tenant is at A: the
        // first stage led where it should, the second did not.
        var second = Self.validatingUnread()
        #expect(second.changesRan() == .readState)
        #expect(second.stateRead(fingerprint: "X") == .rollback)
        #expect(second.rolledBack() == .readState)
        #expect(second.stateRead(fingerprint: "A") == .fail(Self.verification(expected: "T", found: "X")))
        // Rolled back, the tenant is elsewhere: the committed stage is what went wrong.
        var first = Self.validatingUnread()
        #expect(first.changesRan() == .readState)
        #expect(first.stateRead(fingerprint: "X") == .rollback)
        #expect(first.rolledBack() == .readState)
        let committedFirst = TenantResult.Failure(sqlState: "", message: VerificationFailure(
            expected: "A", found: "Y", committedFirst: true).description)
        #expect(first.stateRead(fingerprint: "Y") == .fail(committedFirst))
        // The validation fails (a row breaks the check): rolled back, read, and the
        // tenant fails with the server's error, the NOT VALID constraint kept.
        var violated = Self.validatingUnread()
        let error = Self.serverError("23514")
        #expect(violated.errorCaught(error) == .rollbackIfInTransaction)
        #expect(violated.rolledBack() == .readState)
        #expect(violated.stateRead(fingerprint: "A") == .fail(Self.report(error)))
        // Another applier finished the tenant between the two stages: applied.
        var finished = Self.validatingUnread()
        #expect(finished.errorCaught(Self.serverError("42704")) == .rollbackIfInTransaction)
        #expect(finished.rolledBack() == .readState)
        #expect(finished.stateRead(fingerprint: "T") == .finish(.applied))
        // A lock timeout: the next attempt reads the state, and goes on from the second stage.
        var timedOut = Self.validatingUnread()
        #expect(timedOut.errorCaught(Self.serverError("55P03", transient: true)) == .retry(reconnect: false))
        #expect(timedOut.start() == .connect)
        #expect(timedOut.connected() == .begin(stamp: "S"))
        #expect(timedOut.begun(stampMatched: false) == .readState)
        #expect(timedOut.stateRead(fingerprint: "A") == .run([Self.validateCheck]))
        #expect(timedOut.unverified == nil)
    }

    /// A NOT VALID stage (F → A), then a step outside a transaction (A → T).
    static func notValidThenOutside() -> Machine {
        var set = changeSet([addCheckNotValid, buildIndex])
        set.steps = [PlanFile.StepEntry(changes: 1, transactional: true, to: "A"),
                     PlanFile.StepEntry(changes: 1, transactional: false, to: "T")]
        return Machine(changeSet: set, stamp: "S", retries: 1)
    }

    /// NOT VALID (F → A), VALIDATE (A → B), then SET NOT NULL (B → T): an online NOT NULL.
    static func notNullOnline() -> Machine {
        var set = changeSet([addCheckNotValid, validateCheck, setNotNull])
        set.steps = [PlanFile.StepEntry(changes: 1, transactional: true, to: "A"),
                     PlanFile.StepEntry(changes: 1, transactional: true, to: "B"),
                     PlanFile.StepEntry(changes: 1, transactional: true, to: "T")]
        return Machine(changeSet: set, stamp: "S", retries: 3)
    }

    @Test("three stages after an unread one: another applier's progress, a lost connection, an interrupt")
    func unreadStageThenTwoMore() {
        func validating() -> Machine { Self.validatingUnread(Self.notNullOnline()) }
        // All well: the third stage begins with a read, as after any stage that was read back.
        var m = validating()
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "B") == .commit)
        #expect(m.committed() == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .readState)
        #expect(m.stateRead(fingerprint: "B") == .run([Self.setNotNull]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.committed() == .finish(.applied))
        // The VALIDATE failed here, and another applier of the plan validated meanwhile: the
        // recheck finds B, the first stage was right, and a new attempt goes on from B.
        var raced = validating()
        #expect(raced.errorCaught(Self.serverError("57014")) == .rollbackIfInTransaction)
        #expect(raced.rolledBack() == .readState)
        #expect(raced.stateRead(fingerprint: "B") == .retry(reconnect: false))
        #expect(raced.unverified == nil)
        #expect(raced.start() == .connect)
        #expect(raced.connected() == .begin(stamp: "S"))
        #expect(raced.begun(stampMatched: false) == .readState)
        #expect(raced.stateRead(fingerprint: "B") == .run([Self.setNotNull]))
        // The connection lost during the verifying read: a new connection, a full read, on from A.
        var lost = validating()
        #expect(lost.changesRan() == .readState)
        #expect(lost.errorCaught(Self.serverError("08006", connectionLost: true)) == .retry(reconnect: true))
        #expect(lost.start() == .connect)
        #expect(lost.connected() == .begin(stamp: "S"))
        #expect(lost.begun(stampMatched: false) == .readState)
        #expect(lost.stateRead(fingerprint: "A") == .run([Self.validateCheck]))
        // A wrong result, and the run interrupted twice meanwhile: no recheck; the failure is kept.
        var stopped = validating()
        #expect(stopped.changesRan() == .readState)
        #expect(stopped.stateRead(fingerprint: "X") == .rollback)
        stopped.interrupt(cancelling: true)
        #expect(stopped.willPerform(.rollback) == .rollback)
        #expect(stopped.rolledBack() == .readState)
        #expect(stopped.willPerform(.readState) == .interrupted(Self.verification(expected: "B", found: "X")))
    }

    @Test("a NOT VALID stage after another runs only after a read: an unread stage never starts another unread")
    func twoUnreadStagesInARow() {
        let stages = [
            Machine.Stage(changes: [Self.addCheckNotValid], from: "F", to: "A", commitsFirst: true),
            Machine.Stage(changes: [Self.addCheckNotValid], from: "A", to: "B", commitsFirst: true),
            Machine.Stage(changes: [Self.validateCheck], from: "B", to: "T"),
        ]
        var m = Machine(stages: stages, from: "F", to: "T", stamp: "S", retries: 1)
        #expect(Self.open(&m, stampMatched: true) == .run([Self.addCheckNotValid]))
        #expect(m.changesRan() == .commit)
        #expect(m.committed() == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .readState)
        #expect(m.stateRead(fingerprint: "A") == .run([Self.addCheckNotValid]))
        #expect(m.changesRan() == .commit)
        #expect(m.committed() == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .run([Self.validateCheck]))
    }

    @Test("a NOT VALID stage that committed and led elsewhere fails the tenant, which stays as found")
    func notValidStageLedElsewhere() {
        // Before a step outside a transaction, which cannot be rolled back, the state is read first.
        var m = Self.notValidThenOutside()
        #expect(m.stages.map(\.commitsFirst) == [true, false])
        #expect(Self.open(&m, stampMatched: true) == .run([Self.addCheckNotValid]))
        #expect(m.changesRan() == .commit)
        #expect(m.committed() == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .readState)
        let failure = TenantResult.Failure(sqlState: "", message: VerificationFailure(
            expected: "A", found: "X", committedFirst: true).description)
        #expect(m.stateRead(fingerprint: "X") == .fail(failure))
        #expect(failure.message.contains("stays as found"))
        // Found at A, the step outside runs.
        var onward = Self.notValidThenOutside()
        #expect(Self.open(&onward, stampMatched: true) == .run([Self.addCheckNotValid]))
        #expect(onward.changesRan() == .commit)
        #expect(onward.committed() == .begin(stamp: nil))
        #expect(onward.begun(stampMatched: false) == .readState)
        #expect(onward.stateRead(fingerprint: "A") == .runOutside([Self.buildIndex]))
        #expect(onward.unverified == nil)
        // Another applier took it to the end meanwhile: applied.
        var done = Self.notValidThenOutside()
        #expect(Self.open(&done, stampMatched: true) == .run([Self.addCheckNotValid]))
        #expect(done.changesRan() == .commit)
        #expect(done.committed() == .begin(stamp: nil))
        #expect(done.begun(stampMatched: false) == .readState)
        #expect(done.stateRead(fingerprint: "T") == .rollback)
        #expect(done.rolledBack() == .finish(.applied))
        // With a transactional stage next, it runs unread, and its verifying read
        // finds the tenant at the end: committed, applied.
        var validated = Self.validatingUnread()
        #expect(validated.changesRan() == .readState)
        #expect(validated.stateRead(fingerprint: "T") == .commit)
        #expect(validated.committed() == .finish(.applied))
        // The connection lost at COMMIT: the retry finds the tenant where it started, and goes on.
        var lost = Self.notValidThenValidate()
        #expect(Self.open(&lost, stampMatched: true) == .run([Self.addCheckNotValid]))
        #expect(lost.changesRan() == .commit)
        #expect(lost.errorCaught(Self.serverError("08006", connectionLost: true)) == .retry(reconnect: true))
        #expect(lost.start() == .connect)
        #expect(lost.connected() == .begin(stamp: "S"))
        #expect(lost.begun(stampMatched: false) == .readState)
        #expect(lost.stateRead(fingerprint: "F") == .run([Self.addCheckNotValid]))
    }

    @Test("a step outside a transaction runs after the transaction before it commits, and is verified")
    func outsideStep() {
        var m = Self.online()
        #expect(Self.open(&m, stampMatched: false, found: "F") == .run([Self.addColumn]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "A") == .commit)
        #expect(m.committed() == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .readState)
        #expect(m.stateRead(fingerprint: "A") == .runOutside([Self.buildIndex]))
        #expect(m.ranOutside(fingerprint: "B") == .begin(stamp: nil))
        #expect(m.begun(stampMatched: false) == .readState)
        #expect(m.stateRead(fingerprint: "B") == .run([Self.setNotNull]))
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .commit)
        #expect(m.committed() == .finish(.applied))
    }

    @Test("a step outside a transaction that leads elsewhere fails the tenant, saying it stays as found")
    func outsideStepVerification() {
        var m = Self.online()
        #expect(Self.open(&m, stampMatched: false, found: "A") == .runOutside([Self.buildIndex]))
        guard case .fail(let failure) = m.ranOutside(fingerprint: "X") else { Issue.record("not failed"); return }
        #expect(failure.message.contains("cannot be rolled back and stays as found"))
    }

    @Test("a tenant found after a step resumes from the next one; INVALID indexes in the way are dropped first")
    func resumeAndInvalidIndexes() {
        var m = Self.online()
        #expect(Self.open(&m, stampMatched: false, found: "B") == .run([Self.setNotNull]))
        var n = Self.online()
        #expect(n.start() == .connect)
        #expect(n.connected() == .begin(stamp: nil))
        #expect(n.begun(stampMatched: false) == .readState)
        // A killed build left an INVALID index: without it the tenant is at A.
        let invalid = Machine.InvalidIndexes(names: ["t_c_idx"], fingerprintWithout: "A")
        #expect(n.stateRead(fingerprint: "A+invalid", invalid: invalid) == .dropInvalidIndexes(["t_c_idx"]))
        #expect(n.invalidIndexesDropped() == .begin(stamp: nil))
        #expect(n.begun(stampMatched: false) == .readState)
        #expect(n.stateRead(fingerprint: "A") == .runOutside([Self.buildIndex]))
        // INVALID indexes that do not stand between the tenant and a step: stale, nothing dropped.
        var o = Self.online()
        #expect(Self.open(&o, stampMatched: false, found: "X") == .rollback)
        var p = Self.online()
        #expect(p.start() == .connect)
        #expect(p.connected() == .begin(stamp: nil))
        #expect(p.begun(stampMatched: false) == .readState)
        #expect(p.stateRead(fingerprint: "Y", invalid: Machine.InvalidIndexes(names: ["i"], fingerprintWithout: "X"))
                == .rollback)
        #expect(p.rolledBack() == .finish(.stale))
    }

    // MARK: Failures

    @Test("a failure after a stamp-only check is rechecked: another applier finished it → already applied")
    func stampedFailureThenAlreadyApplied() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.errorCaught(Self.serverError("42701")) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .finish(.alreadyApplied))
    }

    @Test("a failure after a stamp-only check is rechecked: the state changed → stale")
    func stampedFailureThenStale() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.errorCaught(Self.serverError("42701")) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .readState)
        #expect(m.stateRead(fingerprint: "X") == .finish(.stale))
    }

    @Test("a failure after a stamp-only check is rechecked: still the plan's state → the failure stands")
    func stampedFailureStands() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: true)
        let error = Self.serverError("42701")
        #expect(m.errorCaught(error) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .readState)
        #expect(m.stateRead(fingerprint: "F") == .fail(Self.report(error)))
        #expect(m.attempts == 1)
    }

    @Test("a failure while verifying a stamp-only check is rechecked too")
    func stampedVerifyReadFailure() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.changesRan() == .readState)
        #expect(m.errorCaught(Self.serverError("XX000")) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .readState)
        #expect(m.stateRead(fingerprint: "T") == .finish(.alreadyApplied))
    }

    @Test("a failure after a full read is not rechecked: the tenant fails with the server's error")
    func unstampedFailure() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: false, found: "F")
        let error = Self.serverError("23502")
        #expect(m.errorCaught(error) == .fail(Self.report(error)))
        #expect(m.attempts == 1)
    }

    @Test("the recheck applies to the stage that failed: a failed second stage is compared with its own start")
    func stampedPreludeFailure() {
        var m = Self.withPrelude()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.errorCaught(Self.serverError("42710")) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .readState)
        #expect(m.stateRead(fingerprint: "P") == .finish(.stale))
        // The second stage starts from a full read: no recheck.
        var n = Self.withPrelude()
        _ = Self.open(&n, stampMatched: false, found: "P")
        let error = Self.serverError("23502")
        #expect(n.errorCaught(error) == .fail(Self.report(error)))
    }

    @Test("a state other than the planned one after the changes is rolled back and the tenant fails")
    func verificationFailure() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: false, found: "F")
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "Y") == .rollback)
        #expect(m.rolledBack() == .fail(Self.verification(expected: "T", found: "Y")))
    }

    @Test("a verification failure after a stamp-only check is rechecked: already applied, stale, or failed")
    func stampedVerificationFailure() {
        let outcomes: [(String, TenantApplyMachine.Action)] = [
            ("T", .finish(.alreadyApplied)),
            ("X", .finish(.stale)),
            ("F", .fail(Self.verification(expected: "T", found: "Y"))),
        ]
        for (found, expected) in outcomes {
            var m = Self.single()
            _ = Self.open(&m, stampMatched: true)
            #expect(m.changesRan() == .readState)
            #expect(m.stateRead(fingerprint: "Y") == .rollback)
            #expect(m.rolledBack() == .readState)
            #expect(m.stateRead(fingerprint: found) == expected, "\(found)")
        }
    }

    @Test("a failing rollback after a stamp-only verification failure is rechecked as a failure of the changes")
    func stampedVerificationRollbackFails() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "Y") == .rollback)
        let error = Self.serverError("XX000")
        #expect(m.errorCaught(error) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .readState)
        #expect(m.stateRead(fingerprint: "F") == .fail(Self.report(error)))
    }

    @Test("an error during the recheck is the tenant's failure")
    func recheckFails() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.errorCaught(Self.serverError("42701")) == .rollbackIfInTransaction)
        #expect(m.rolledBack() == .readState)
        let error = Self.serverError("XX001")
        #expect(m.errorCaught(error) == .fail(Self.report(error)))
    }

    @Test("an error that is not the server's fails the tenant with its description")
    func otherError() {
        var m = Self.single()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.errorCaught(.other("boom")) == .fail(TenantResult.Failure(sqlState: "", message: "boom")))
    }

    // MARK: Retries

    @Test("lock timeouts and deadlocks are retried from the start, up to the retry budget")
    func transientRetried() {
        var m = Self.single(retries: 2)
        #expect(m.start() == .connect)
        #expect(m.connected() == .begin(stamp: "S"))
        #expect(m.errorCaught(Self.serverError("55P03", transient: true)) == .retry(reconnect: false))
        #expect(m.start() == .connect)
        #expect(m.attempts == 2)
        #expect(m.connected() == .begin(stamp: "S"))
        // Even after a stamp-only check: a transient error is retried, not rechecked.
        #expect(m.begun(stampMatched: true) == .run([Self.addColumn, Self.setNotNull]))
        #expect(m.errorCaught(Self.serverError("40P01", transient: true)) == .retry(reconnect: false))
        #expect(m.start() == .connect)
        #expect(m.attempts == 3)
        let last = Self.serverError("55P03", transient: true)
        #expect(m.errorCaught(last) == .fail(Self.report(last)))
        #expect(m.attempts == 3)
    }

    @Test("a lost connection is retried on a new connection")
    func connectionLostRetried() {
        var m = Self.single(retries: 1)
        #expect(m.start() == .connect)
        #expect(m.errorCaught(Self.serverError("08006", connectionLost: true)) == .retry(reconnect: true))
        #expect(m.start() == .connect)
        #expect(m.connected() == .begin(stamp: "S"))
        #expect(m.begun(stampMatched: false) == .readState)
        #expect(m.errorCaught(Self.serverError("57P01", connectionLost: true)) == .fail(
            Self.report(Self.serverError("57P01", connectionLost: true))))
        #expect(m.attempts == 2)
    }

    @Test("a retry after the prelude committed goes on from the prelude's state")
    func retryAfterPrelude() {
        var m = Self.withPrelude()
        _ = Self.open(&m, stampMatched: true)
        #expect(m.changesRan() == .readState)
        #expect(m.stateRead(fingerprint: "P") == .commit)
        #expect(m.committed() == .begin(stamp: nil))
        #expect(m.errorCaught(Self.serverError("55P03", transient: true)) == .retry(reconnect: false))
        // The stamp no longer matches (the labels changed the catalog): a full read.
        #expect(Self.open(&m, stampMatched: false, found: "P") == .run([Self.addColumn]))
        #expect(m.attempts == 2)
    }

    @Test("no retries: the first transient error fails the tenant")
    func noRetries() {
        var m = Self.single(retries: 0)
        _ = Self.open(&m, stampMatched: false, found: "F")
        let error = Self.serverError("40001", transient: true)
        #expect(m.errorCaught(error) == .fail(Self.report(error)))
    }
}
