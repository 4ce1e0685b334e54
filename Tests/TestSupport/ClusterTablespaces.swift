import Dispatch

/// Tablespaces are the cluster's, shared by the tests that run at once: the
/// tests that make them, and the tests whose checks read every tablespace (a
/// catalog sweep's quiet), take turns here.
///
/// Hold it only around synchronous work, never across an `await`: a waiter
/// blocks its thread, and the holder must not need another to go on.
public enum ClusterTablespaces {
    private static let turn = DispatchSemaphore(value: 1)

    /// Waits for the turn, when `needed`; the returned function gives it back.
    public static func hold(_ needed: Bool = true) -> @Sendable () -> Void {
        guard needed else { return {} }
        turn.wait()
        return { turn.signal() }
    }
}
