import Foundation
import Synchronization

/// How a user stops an apply run: once to let it wind down, twice to roll back at once.
///
/// `interrupt()` is called from outside the run (the CLI calls it from a signal
/// handler's queue); the run reads `level`. Interrupted once, the run starts no
/// new tenant and starts no further attempt of a tenant (no retry), but lets
/// every tenant in flight finish or roll back. Interrupted twice, it also
/// cancels the statements in flight, so that their transactions roll back at
/// once, and takes no further step of those tenants.
public final class ApplyInterruption: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case none, stopping, cancelling

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// What a part of the run does when the level rises.
    struct Reaction: Sendable {
        /// At `stopping`: hand out no further tenant.
        var stop: @Sendable () -> Void
        /// At `cancelling`: cancel the statements in flight.
        var cancel: @Sendable () -> Void
    }

    private struct State {
        var level = Level.none
        var reactions: [Int: Reaction] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// How far the run was interrupted.
    public var level: Level { state.withLock { $0.level } }

    public var isInterrupted: Bool { level > .none }

    /// Whether tenants are being applied now (a run's workers are started), as
    /// opposed to reading the plan, checking the databases, or reporting.
    public var isApplying: Bool { state.withLock { !$0.reactions.isEmpty } }

    /// Raises the level by one (to `cancelling` at most) and returns it; reacts
    /// at once. The level is raised before anything reacts, so a worker that sees
    /// its statement cancelled also sees why.
    @discardableResult
    public func interrupt() -> Level {
        let (level, reactions) = state.withLock { state in
            state.level = Level(rawValue: min(state.level.rawValue + 1, Level.cancelling.rawValue))!
            return (state.level, Array(state.reactions.values))
        }
        for reaction in reactions {
            if level >= .stopping { reaction.stop() }
            if level == .cancelling { reaction.cancel() }
        }
        return level
    }

    /// Adds a reaction until `detach`; it runs at once for the level already reached.
    func attach(_ reaction: Reaction) -> Int {
        let (id, level) = state.withLock { state in
            state.nextID += 1
            state.reactions[state.nextID] = reaction
            return (state.nextID, state.level)
        }
        if level >= .stopping { reaction.stop() }
        if level == .cancelling { reaction.cancel() }
        return id
    }

    func detach(_ id: Int) {
        state.withLock { _ = $0.reactions.removeValue(forKey: id) }
    }

    /// Sleeps `seconds`, or less once the level rises above `level`.
    func sleep(_ seconds: TimeInterval, unlessAbove level: Level) {
        let end = Date().addingTimeInterval(seconds)
        while self.level <= level {
            let left = end.timeIntervalSinceNow
            if left <= 0 { return }
            Thread.sleep(forTimeInterval: min(left, 0.02))
        }
    }
}
