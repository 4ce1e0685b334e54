import Foundation

/// How long to wait before the next attempt after a transient failure (a lock
/// timeout, a deadlock, a serialization failure, a lost connection).
///
/// Exponential with jitter: about 0.1 s, 0.2 s, 0.4 s, 0.8 s, then 1 s, each cut
/// by up to half at random, so that appliers and provisioners that failed
/// together do not come back together. Capped at a second: under a short lock
/// timeout a busy table is tried about once a second, which leaves it to the
/// application most of the time and takes it soon after a long reader is done.
enum Backoff {
    static let longest: TimeInterval = 1

    static func delay(beforeAttempt attempt: Int) -> TimeInterval {
        let base = min(longest, 0.1 * pow(2.0, Double(attempt - 1)))
        return base * Double.random(in: 0.5...1.0)
    }
}
