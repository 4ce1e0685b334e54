import Foundation
import Synchronization
import Testing

/// `Synchronization.Mutex`, the one lock wrapper, as the code base uses it: a
/// `let` in a `Sendable` class, the guarded state inside it.
@Suite struct MutexTests {
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    @Test func concurrentUpdatesAreNotLost() {
        let counter = Counter()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                for _ in 0..<5_000 { counter.value.withLock { $0 += 1 } }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(counter.value.withLock { $0 } == 20_000)
    }

    @Test func withLockReturnsTheBodysValueAndRethrows() {
        struct Refused: Error {}
        let counter = Counter()
        #expect(counter.value.withLock { value -> Int in value = 41; return value + 1 } == 42)
        #expect(throws: Refused.self) {
            try counter.value.withLock { value in
                value = 0
                throw Refused()
            }
        }
        // A body that throws keeps what it changed before throwing.
        #expect(counter.value.withLock { $0 } == 0)
    }
}
