import Foundation

/// The tenants of one database that may run heavy changes (`Change.isHeavy`) at once.
///
/// A rewrite or a scan is bound by the server's disks and cores: several at once
/// on a small server take longer each, and every tenant's lock window with them.
/// A worker takes a slot before an attempt of a tenant with heavy changes and gives
/// it back when the attempt ends (committed, rolled back, or backing off before a
/// retry); light tenants take none and keep `--parallel`.
final class HeavySlots: Sendable {
    private let semaphore: DispatchSemaphore

    init(_ count: Int) {
        // Made with 0 and given `count` signals: libdispatch traps when a semaphore
        // dies below the value it was made with, as it would with a slot still taken.
        semaphore = DispatchSemaphore(value: 0)
        for _ in 0..<count { semaphore.signal() }
    }

    /// Waits for a slot, checking `giveUp` every tenth of a second; true once it
    /// holds one, false if `giveUp` said so first.
    func take(unless giveUp: () -> Bool) -> Bool {
        while semaphore.wait(timeout: .now() + 0.1) == .timedOut {
            if giveUp() { return false }
        }
        return true
    }

    func give() {
        semaphore.signal()
    }
}
