import Foundation
import Postgres
import Synchronization

/// What each worker of a run is doing now, behind one lock.
///
/// Workers write their slot at every step; the run's `RunWatcher` reads the
/// board to report progress, to find the statements that wait for a lock (and
/// writes back who blocks them), and, after a second interrupt, to cancel the
/// statements in flight.
final class ActivityBoard: Sendable {
    /// A worker's current step of a tenant.
    enum Step: Sendable, Equatable {
        case idle, queued, connecting, beginning, reading, running, committing, rollingBack, backingOff

        /// Whether the worker is inside a statement that may wait for a lock or be cancelled.
        var isStatement: Bool {
            switch self {
            case .beginning, .reading, .running, .committing: true
            case .idle, .queued, .connecting, .rollingBack, .backingOff: false
            }
        }

        var label: String {
            switch self {
            case .idle: "idle"
            case .queued: "waiting for its turn to run heavy changes (--heavy-parallel)"
            case .connecting: "connecting"
            case .beginning: "taking its lock"
            case .reading: "reading its state"
            case .running: "running its changes"
            case .committing: "committing"
            case .rollingBack: "rolling back"
            case .backingOff: "waiting to try again"
            }
        }
    }

    struct Slot {
        var database: String
        var tenant: String?
        var attempt = 0
        var attempts = 0
        var step = Step.idle
        var since = Date()
        /// Counts steps, so that a lock wait seen for one step is not written to the next.
        var sequence = 0
        var pid: Int32 = 0
        var cancel: CancelHandle?
        /// The lock wait of the current step, as last looked at (nil once it ended).
        var lockWait: LockWait?
        /// The last lock wait seen during the current step, even if it has ended:
        /// a lock timeout's report takes its holders from here.
        var seenWait: LockWait?
    }

    /// A statement that has run long enough to be looked at.
    struct Candidate: Sendable {
        var slot: Int
        var sequence: Int
        var database: String
        var pid: Int32
    }

    private struct Board {
        var slots: [Slot] = []
        var retries: [ApplyProgress.Retry] = []
        var finished = 0
        var failed = 0
    }

    private let board = Mutex(Board())

    /// A slot for a worker of `database`; returns its index.
    func register(database: String) -> Int {
        board.withLock { board in
            board.slots.append(Slot(database: database))
            return board.slots.count - 1
        }
    }

    func begin(_ slot: Int, tenant: String, attempts: Int) {
        board.withLock { board in
            board.slots[slot].tenant = tenant
            board.slots[slot].attempts = attempts
            board.slots[slot].attempt = 0
        }
    }

    /// The worker starts `step` of attempt `attempt`; what was seen of the last step goes.
    func step(_ slot: Int, _ step: Step, attempt: Int) {
        board.withLock { board in
            board.slots[slot].step = step
            board.slots[slot].attempt = attempt
            board.slots[slot].since = Date()
            board.slots[slot].sequence += 1
            board.slots[slot].lockWait = nil
            board.slots[slot].seenWait = nil
        }
    }

    /// The worker's connection is (now) the backend `pid`, cancelled through `cancel`.
    func connected(_ slot: Int, pid: Int32, cancel: CancelHandle?) {
        board.withLock { board in
            board.slots[slot].pid = pid
            board.slots[slot].cancel = cancel
        }
    }

    func retried(_ retry: ApplyProgress.Retry) {
        board.withLock { $0.retries.append(retry) }
    }

    /// The worker is done with its tenant.
    func end(_ slot: Int, _ outcome: Outcome) {
        board.withLock { board in
            board.slots[slot].tenant = nil
            board.slots[slot].step = .idle
            board.slots[slot].sequence += 1
            board.slots[slot].lockWait = nil
            board.slots[slot].seenWait = nil
            board.finished += 1
            if outcome == .failed { board.failed += 1 }
        }
    }

    /// The last lock wait seen during the slot's current step.
    func seenWait(_ slot: Int) -> LockWait? {
        board.withLock { $0.slots[slot].seenWait }
    }

    /// Statements in flight for at least `seconds`.
    func candidates(runningFor seconds: TimeInterval) -> [Candidate] {
        let now = Date()
        return board.withLock { board in
            board.slots.enumerated().compactMap { index, slot in
                guard slot.tenant != nil, slot.step.isStatement, slot.pid != 0,
                      now.timeIntervalSince(slot.since) >= seconds else { return nil }
                return Candidate(slot: index, sequence: slot.sequence, database: slot.database, pid: slot.pid)
            }
        }
    }

    /// Records what was seen of `candidate`, unless its worker has moved on.
    func saw(_ candidate: Candidate, _ wait: LockWait?) {
        board.withLock { board in
            guard board.slots[candidate.slot].sequence == candidate.sequence else { return }
            board.slots[candidate.slot].lockWait = wait
            if let wait { board.slots[candidate.slot].seenWait = wait }
        }
    }

    /// Cancels every statement in flight (a second interrupt). The cancel requests
    /// go out after the lock is released: each is a round trip to the server.
    func cancelStatements() {
        let handles = board.withLock { board in
            board.slots.filter { $0.tenant != nil && $0.step.isStatement }.compactMap(\.cancel)
        }
        for handle in handles { handle.cancelCurrentStatement() }
    }

    /// What the run is doing now; takes the retries reported since the last snapshot.
    func snapshot(total: Int, elapsed: TimeInterval, label: String?,
                  interruption: ApplyInterruption.Level) -> ApplyProgress {
        let now = Date()
        return board.withLock { board in
            let active = board.slots.compactMap { slot -> ApplyProgress.Activity? in
                guard let tenant = slot.tenant else { return nil }
                return ApplyProgress.Activity(
                    tenant: tenant, database: slot.database, attempt: slot.attempt, attempts: slot.attempts,
                    step: slot.step.label, seconds: now.timeIntervalSince(slot.since), lockWait: slot.lockWait)
            }
            let retries = board.retries
            board.retries = []
            return ApplyProgress(label: label, finished: board.finished, total: total, failed: board.failed,
                                 elapsed: elapsed, active: active, retries: retries, interruption: interruption)
        }
    }
}
