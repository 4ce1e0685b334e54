import Plan

/// The per-tenant apply protocol: decisions, without effects.
///
/// Shaped like postgres-nio's `ConnectionStateMachine`: the `Worker` tells the
/// machine what happened (one method per event) and performs the `Action` it
/// returns; the machine never touches a connection, so every decision is tested
/// without a server. One machine serves one tenant of one change set, across
/// all its attempts.
///
/// An attempt: connect; begin the tenant's transaction under its advisory lock,
/// comparing the plan's stamp in the same round trip; unless the stamp vouches
/// for the plan's `from` state, read the state in full. A tenant in the `to`
/// state is `already applied`; one at the start of no stage is `stale`. Else
/// the stages run from the one it is at, each in its own transaction: run the
/// changes, read the state again, and commit only if it is exactly the stage's
/// `to` state. When the state was vouched for by the stamp alone and the changes
/// fail, the failure may come from a change the stamp does not see (see `Stamp`):
/// the state is read again, outside the transaction, and the tenant is `already
/// applied` if another applier finished it meanwhile, `stale` if it is no longer
/// at the stage's start. Lock timeouts, deadlocks, serialization failures and
/// lost connections are retried from the start, at most `retries` times and
/// while the time lost to them (as the worker measures it) is under `budget`.
///
/// A stage that is not transactional (`CREATE INDEX CONCURRENTLY`, enum labels
/// later stages use) runs statement by statement outside a transaction, under
/// the tenant's lock taken for the session (`.runOutside`); it cannot be rolled
/// back, so the state read after it is compared with the stage's `to` and a
/// difference fails the tenant, naming both. A tenant found at no stage's start
/// only because of INVALID indexes (what a failed or killed concurrent build
/// leaves) gets them dropped concurrently (`.dropInvalidIndexes`), then the
/// attempt goes on from the stage that state starts.
///
/// An interrupted run (`interrupt(cancelling:)`) starts no further attempt: a
/// tenant whose attempt ends in an error that would be retried is `interrupted`
/// (rolled back; a re-run continues). Interrupted a second time, the tenant's
/// statement is cancelled and no further step that talks to the server is taken
/// (`willPerform(_:)`): it is rolled back at once and reported `interrupted`.
struct TenantApplyMachine: Sendable {
    /// Changes committed together, and the tenant's state before and after them.
    ///
    /// A change set's stages are its plan `steps`: one transaction for a plain
    /// change set; online changes and enum labels used by later changes add
    /// stages, some outside a transaction. A tenant found at the start of a
    /// later stage, after a run that stopped between two stages, goes on from
    /// there.
    struct Stage: Sendable, Equatable {
        var changes: [Change]
        /// False: the statements run one by one outside a transaction.
        var transactional = true
        /// Fingerprint of the state the changes start from.
        var from: String
        /// Fingerprint of the state the changes lead to; the stage commits only on it.
        var to: String
        /// The stage commits as soon as its changes ran, and the read that
        /// verifies the next stage checks it too: a stage that is not the last
        /// and only adds `NOT VALID` constraints (which check no row and change
        /// none), whose ACCESS EXCLUSIVE would otherwise last through a read of
        /// the whole tenant while the application waits. When the next stage
        /// is transactional (and does not commit first too) it runs at once,
        /// from the state this one leads to (no read of its own before it: the
        /// read after its changes covers both); else it begins with a read.
        /// When that stage fails, the tenant is read again after its rollback:
        /// at its start, the failure is its own; at a later stage's start,
        /// another applier took the tenant on, and a new attempt goes on from
        /// there; anywhere else, this stage did not lead where it should, and
        /// the tenant fails, staying as found.
        var commitsFirst = false
    }

    /// What the `Worker` does next, then reports with the event named.
    enum Action: Sendable, Equatable {
        /// Make sure there is an open connection, keeping the one there is; then `connected()`.
        case connect
        /// Open the tenant's transaction and take its lock; with a stamp, compare it
        /// in the same round trip. Then `begun(stampMatched:)`.
        case begin(stamp: String?)
        /// Read the tenant's whole state; then `stateRead(fingerprint:)`.
        case readState
        /// Run the changes in one pipeline under `search_path` = the tenant; then `changesRan()`.
        case run([Change])
        /// Take the tenant's lock for the session, end the transaction, run the
        /// changes one by one outside a transaction, read the state, let go of
        /// the lock; then `ranOutside(fingerprint:)`.
        case runOutside([Change])
        /// As `.runOutside`, for `DROP INDEX CONCURRENTLY` of these INVALID
        /// indexes; then `invalidIndexesDropped()`.
        case dropInvalidIndexes([String])
        /// `COMMIT`; then `committed()`.
        case commit
        /// `ROLLBACK`; then `rolledBack()`.
        case rollback
        /// `ROLLBACK` if a transaction is open (a failed statement leaves it
        /// aborted); then `rolledBack()`.
        case rollbackIfInTransaction
        /// Roll back whatever transaction is open, ignoring errors; drop the
        /// connection if `reconnect`; wait (backoff after attempt `attempts`); then `start()`.
        case retry(reconnect: Bool)
        /// The tenant is done: report `outcome`.
        case finish(Outcome)
        /// The tenant failed: roll back whatever transaction is open, ignoring
        /// errors, and report it failed with `failure`.
        case fail(TenantResult.Failure)
        /// The run was interrupted: roll back whatever transaction is open,
        /// ignoring errors, and report the tenant interrupted, with the error that
        /// ended its last attempt, if one did.
        case interrupted(TenantResult.Failure?)
    }

    /// INVALID indexes a state holds, and the fingerprint of that state without them.
    struct InvalidIndexes: Sendable, Equatable {
        var names: [String]
        var fingerprintWithout: String
    }

    /// An error while performing an action, as far as the protocol cares.
    enum ActionError: Sendable, Equatable {
        /// An error from the server or libpq, as reported, and whether it may
        /// pass when tried again (lock timeout, deadlock, serialization failure)
        /// or the connection was lost.
        case server(TenantResult.Failure, transient: Bool, connectionLost: Bool)
        /// Any other error, by its description.
        case other(String)
    }

    /// Why a tenant stops, unless a recheck finds it applied or stale.
    enum Failure: Sendable, Equatable {
        case action(ActionError)
        case verification(VerificationFailure)

        var report: TenantResult.Failure {
            switch self {
            case .action(.server(let failure, _, _)): failure
            case .action(.other(let message)): TenantResult.Failure(sqlState: "", message: message)
            case .verification(let failure): TenantResult.Failure(sqlState: "", message: failure.description)
            }
        }
    }

    enum State: Sendable, Equatable {
        /// Before an attempt (the first, or the next after `.retry`).
        case idle
        case connecting
        /// Beginning the transaction; `next` is the stage that must follow a
        /// committed one, nil at the start of an attempt.
        case beginning(next: Int?)
        /// Reading the state inside the new transaction.
        case reading(next: Int?)
        /// `stamped`: the stage started from a state vouched for by the stamp alone.
        case running(Int, stamped: Bool)
        case runningOutside(Int)
        case droppingInvalidIndexes
        case verifying(Int, stamped: Bool)
        case committing(Int)
        case rollingBack(AfterRollback)
        /// Rolling back a failed stage before reading the state again.
        case abandoning(Int, Failure)
        /// Reading the state again, outside the transaction, after a stage failed.
        case rechecking(Int, Failure)
        case done
    }

    enum AfterRollback: Sendable, Equatable {
        case finish(Outcome)
        case verificationFailed(Int, stamped: Bool, VerificationFailure)
    }

    let stages: [Stage]
    /// The change set's `from`: the state a matching stamp vouches for.
    let from: String
    /// The change set's `to`: the state the plan leads to.
    let target: String
    let stamp: String?
    /// Extra attempts at most after transient errors and lost connections; nil: no count.
    let retries: Int?
    /// Seconds the tenant may lose to attempts that ended in such errors (and the
    /// waits before the next) and still be tried again; nil: no limit.
    let budget: Double?
    /// Seconds lost so far, as the worker last told with an error.
    private(set) var lost: Double = 0
    /// Whether this attempt dropped INVALID indexes already (once per attempt).
    private var droppedInvalid = false
    /// Attempts started so far.
    private(set) var attempts = 0
    private(set) var state: State = .idle
    /// How far the run was interrupted, as far as this tenant was told.
    private(set) var interruption = ApplyInterruption.Level.none
    /// The error that ended the last attempt or stage, if one did.
    private(set) var lastFailure: TenantResult.Failure?
    /// A stage that committed before its state was read (`Stage.commitsFirst`),
    /// until a read finds the tenant where a stage starts or at the end.
    private(set) var unverified: Int?

    init(stages: [Stage], from: String, to: String, stamp: String?, retries: Int?, budget: Double? = nil) {
        self.stages = stages
        self.from = from
        self.target = to
        self.stamp = stamp
        self.retries = retries
        self.budget = budget
    }

    /// The machine for one tenant of `changeSet`, whose stamp at plan time was `stamp`.
    init(changeSet: PlanFile.ChangeSet, stamp: String?, retries: Int?, budget: Double? = nil) {
        self.init(stages: Self.stages(of: changeSet), from: changeSet.from, to: changeSet.to, stamp: stamp,
                  retries: retries, budget: budget)
    }

    /// The stages of a change set: its plan `steps`, each from the state the
    /// one before leads to. Without steps (no changes), one empty stage.
    static func stages(of set: PlanFile.ChangeSet) -> [Stage] {
        guard let steps = set.steps, !steps.isEmpty else {
            return [Stage(changes: set.changes, from: set.from, to: set.to)]
        }
        var stages: [Stage] = []
        var from = set.from
        var start = 0
        for step in steps {
            let end = min(start + step.changes, set.changes.count)
            stages.append(Stage(changes: Array(set.changes[start..<end]), transactional: step.transactional,
                                from: from, to: step.to))
            from = step.to
            start = end
        }
        for i in stages.indices.dropLast() where stages[i].transactional && !stages[i].changes.isEmpty {
            stages[i].commitsFirst = stages[i].changes.allSatisfy {
                $0.op == .addConstraintNotValid || $0.op == .addDomainCheckNotValid
            }
        }
        return stages
    }

    // MARK: Events

    /// Starts an attempt: the first one, or the next after `.retry`.
    mutating func start() -> Action {
        guard case .idle = state else { unexpected("start") }
        if interruption > .none && attempts > 0 {
            state = .done
            return .interrupted(lastFailure)
        }
        attempts += 1
        droppedInvalid = false
        state = .connecting
        return .connect
    }

    mutating func connected() -> Action {
        guard case .connecting = state else { unexpected("connected") }
        state = .beginning(next: nil)
        return .begin(stamp: stamp)
    }

    /// The transaction is open and the lock taken; `stampMatched` when a stamp
    /// was sent and the tenant's catalog rows still have it.
    mutating func begun(stampMatched: Bool) -> Action {
        guard case .beginning(let next) = state else { unexpected("begun") }
        if stampMatched { return opened(at: from, stamped: true, next: next) }
        if let next, unverified == next - 1, stages[next].transactional, !stages[next].commitsFirst {
            // The stage before committed unread (`Stage.commitsFirst`), this
            // attempt's own commit, under the tenant's lock until then: run this
            // stage from the state it leads to, as if a stamp vouched for it. The
            // read after the changes checks both stages; a failure reads again.
            state = .running(next, stamped: true)
            return .run(stages[next].changes)
        }
        state = .reading(next: next)
        return .readState
    }

    /// The tenant's state was read in full: at the start, after a stage's
    /// changes (verification), or after a failure (recheck). `invalid`: when
    /// the state holds INVALID indexes, their names and the fingerprint of the
    /// state without them.
    mutating func stateRead(fingerprint: String, invalid: InvalidIndexes? = nil) -> Action {
        switch state {
        case .reading(let next):
            if let invalid, !droppedInvalid, fingerprint != target, !stages.contains(where: { $0.from == fingerprint }),
               invalid.fingerprintWithout == target || stages.contains(where: { $0.from == invalid.fingerprintWithout }) {
                droppedInvalid = true
                state = .droppingInvalidIndexes
                return .dropInvalidIndexes(invalid.names)
            }
            return opened(at: fingerprint, stamped: false, next: next)
        case .verifying(let stage, let stamped):
            if fingerprint == stages[stage].to {
                unverified = nil
                state = .committing(stage)
                return .commit
            }
            let failure = VerificationFailure(expected: stages[stage].to, found: fingerprint)
            lastFailure = Failure.verification(failure).report
            state = .rollingBack(.verificationFailed(stage, stamped: stamped, failure))
            return .rollback
        case .rechecking(let stage, let failure):
            // With a stage committed unread before this one, this attempt changed the tenant.
            if fingerprint == target { return finish(unverified == nil ? .alreadyApplied : .applied) }
            if fingerprint != stages[stage].from {
                if unverified != nil {
                    // Another applier of the plan took the tenant further after the rollback
                    // (its lock is let go then): the stage that committed unread was right. A
                    // new attempt reads the tenant and goes on from there.
                    if stages[(stage + 1)...].contains(where: { $0.from == fingerprint }) {
                        unverified = nil
                        lastFailure = failure.report
                        if interruption > .none { return interrupted(failure) }
                        state = .idle
                        return .retry(reconnect: false)
                    }
                    return failCommittedFirst(found: fingerprint)
                }
                return finish(.stale)
            }
            unverified = nil
            return retryOrFail(failure)
        default:
            unexpected("stateRead")
        }
    }

    mutating func changesRan() -> Action {
        guard case .running(let stage, let stamped) = state else { unexpected("changesRan") }
        if stages[stage].commitsFirst {
            unverified = stage
            state = .committing(stage)
            return .commit
        }
        state = .verifying(stage, stamped: stamped)
        return .readState
    }

    /// A stage outside a transaction ran, and the state after it was read.
    mutating func ranOutside(fingerprint: String) -> Action {
        guard case .runningOutside(let stage) = state else { unexpected("ranOutside") }
        guard fingerprint == stages[stage].to else {
            // Nothing to roll back: say what is there instead.
            let failure = Failure.verification(VerificationFailure(expected: stages[stage].to, found: fingerprint,
                                                                   outsideTransaction: true))
            lastFailure = failure.report
            state = .done
            return .fail(failure.report)
        }
        return advance(after: stage)
    }

    /// The INVALID indexes are gone: the attempt begins again from the state now.
    mutating func invalidIndexesDropped() -> Action {
        guard case .droppingInvalidIndexes = state else { unexpected("invalidIndexesDropped") }
        state = .beginning(next: nil)
        return .begin(stamp: nil)
    }

    /// Whether the pending commit is the last stage's: the tenant's state was
    /// just read and found to be the change set's `to`.
    var committingLastStage: Bool {
        if case .committing(let stage) = state { return stage == stages.count - 1 }
        return false
    }

    mutating func committed() -> Action {
        guard case .committing(let stage) = state else { unexpected("committed") }
        return advance(after: stage)
    }

    /// The next stage after `stage` finished, or the tenant is applied.
    private mutating func advance(after stage: Int) -> Action {
        guard stage + 1 < stages.count else { return finish(.applied) }
        // The next stage starts from a state read in full: the stamp is stale now.
        state = .beginning(next: stage + 1)
        return .begin(stamp: nil)
    }

    /// After `.rollback` or `.rollbackIfInTransaction`.
    mutating func rolledBack() -> Action {
        switch state {
        case .rollingBack(.finish(let outcome)):
            return finish(outcome)
        case .rollingBack(.verificationFailed(let stage, let stamped, let failure)):
            guard stamped else { return retryOrFail(.verification(failure)) }
            state = .rechecking(stage, .verification(failure))
            return .readState
        case .abandoning(let stage, let failure):
            if interruption == .cancelling { return interrupted(failure) }
            state = .rechecking(stage, failure)
            return .readState
        default:
            unexpected("rolledBack")
        }
    }

    /// Performing the current action threw; `lost`: the seconds the tenant has
    /// lost so far to attempts that failed, this one included, and the waits between them.
    mutating func errorCaught(_ error: ActionError, lost: Double = 0) -> Action {
        self.lost = max(self.lost, lost)
        if interruption == .cancelling, state != .idle, state != .done {
            // Most likely the cancel itself; whatever it was, the tenant is rolled back.
            return interrupted(.action(error))
        }
        switch state {
        case .running(let stage, stamped: true), .verifying(let stage, stamped: true),
             .rollingBack(.verificationFailed(let stage, stamped: true, _)):
            // A state vouched for by the stamp alone may have changed in a way
            // the stamp does not see: a failing statement is worth a recheck.
            if case .server(_, transient: false, connectionLost: false) = error {
                lastFailure = Failure.action(error).report
                state = .abandoning(stage, .action(error))
                return .rollbackIfInTransaction
            }
            return retryOrFail(.action(error))
        case .idle, .done:
            unexpected("errorCaught")
        default:
            return retryOrFail(.action(error))
        }
    }

    /// The run was interrupted, once or (`cancelling`) a second time. No further
    /// attempt starts; once cancelling, every error ends the tenant `interrupted`.
    mutating func interrupt(cancelling: Bool) {
        interruption = max(interruption, cancelling ? .cancelling : .stopping)
    }

    /// The worker is about to perform `pending`: returns it, or what to do
    /// instead. Once cancelling, no step that talks to the server is taken (a
    /// commit included): the tenant is rolled back at once. Rollbacks go ahead.
    mutating func willPerform(_ pending: Action) -> Action {
        guard interruption == .cancelling, state != .done, state != .idle else { return pending }
        switch pending {
        case .connect, .begin, .readState, .run, .runOutside, .dropInvalidIndexes, .commit:
            state = .done
            return .interrupted(lastFailure)
        case .rollback, .rollbackIfInTransaction, .retry, .finish, .fail, .interrupted:
            return pending
        }
    }

    // MARK: Decisions

    /// The transaction is open and the tenant found at `fingerprint`: the stage to
    /// run, or done. After a committed stage, only the next one may follow, or a
    /// later one: between two stages the tenant's lock is let go, and another
    /// applier of the same plan may have taken it and gone further. A tenant it
    /// took to the plan's end is `applied` (this applier did part of it).
    private mutating func opened(at fingerprint: String, stamped: Bool, next: Int?) -> Action {
        let stage: Int?
        if fingerprint == target { unverified = nil }
        if let next {
            if fingerprint == target {
                state = .rollingBack(.finish(.applied))
                return .rollback
            }
            stage = stages[next...].firstIndex { $0.from == fingerprint }
        } else if fingerprint == target {
            state = .rollingBack(.finish(.alreadyApplied))
            return .rollback
        } else {
            stage = stages.firstIndex { $0.from == fingerprint }
        }
        guard let stage else {
            if unverified != nil { return failCommittedFirst(found: fingerprint) }
            state = .rollingBack(.finish(.stale))
            return .rollback
        }
        unverified = nil
        guard stages[stage].transactional else {
            state = .runningOutside(stage)
            return .runOutside(stages[stage].changes)
        }
        state = .running(stage, stamped: stamped)
        return .run(stages[stage].changes)
    }

    /// The stage that committed unread (`unverified`) did not lead where it should.
    private mutating func failCommittedFirst(found fingerprint: String) -> Action {
        guard let committed = unverified else { unexpected("failCommittedFirst") }
        let failure = Failure.verification(VerificationFailure(expected: stages[committed].to, found: fingerprint,
                                                               committedFirst: true))
        lastFailure = failure.report
        state = .done
        return .fail(failure.report)
    }

    private mutating func retryOrFail(_ failure: Failure) -> Action {
        lastFailure = failure.report
        if case .action(.server(_, let transient, let connectionLost)) = failure,
           transient || connectionLost, retries.map({ attempts <= $0 }) ?? true, budget.map({ lost < $0 }) ?? true {
            if interruption > .none { return interrupted(failure) }
            state = .idle
            return .retry(reconnect: connectionLost)
        }
        state = .done
        return .fail(failure.report)
    }

    private mutating func interrupted(_ failure: Failure) -> Action {
        lastFailure = failure.report
        state = .done
        return .interrupted(failure.report)
    }

    private mutating func finish(_ outcome: Outcome) -> Action {
        state = .done
        return .finish(outcome)
    }

    private func unexpected(_ event: String) -> Never {
        preconditionFailure("TenantApplyMachine: \(event) in state \(state)")
    }
}
