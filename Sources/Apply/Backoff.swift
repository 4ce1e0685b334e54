import Foundation

/// How long to wait before the next attempt after a transient failure (a lock
/// timeout, a deadlock, a serialization failure, a lost connection).
///
/// Exponential with jitter: about 0.2 s, 0.4 s, 0.8 s ..., at most 5 s, each cut
/// by up to half at random, so that appliers and provisioners that failed
/// together do not come back together.
enum Backoff {
    static func delay(beforeAttempt attempt: Int) -> TimeInterval {
        let base = min(5.0, 0.2 * pow(2.0, Double(attempt - 1)))
        return base * Double.random(in: 0.5...1.0)
    }
}
