import Foundation
import Synchronization

/// Counts the finished items of a fan-out, and how fast they finish.
///
/// Shared by the workers: `add` is thread-safe. The rate is taken since the
/// meter was made, and the time left assumes the rest goes at that rate.
public final class ProgressMeter: Sendable {
    public let total: Int
    private let started = Date()
    private let finished = Mutex(0)

    public init(total: Int) {
        self.total = total
    }

    /// Counts `count` more finished items; returns how many are finished now.
    public func add(_ count: Int = 1) -> Int {
        finished.withLock { finished in
            finished += count
            return finished
        }
    }

    /// ` (25/s, ETA 40s)`: items per second so far, and the seconds the rest
    /// will take at that rate, once `done` items are finished.
    public func rate(done: Int) -> String {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return String(format: " (%.0f/s, ETA %.0fs)", rate, eta)
    }
}
