import CLibPQ
import Synchronization

/// Cancels the statement a connection is running, from any thread.
///
/// A `Connection` belongs to one thread, which blocks inside libpq while a
/// statement runs; this handle is how another thread (an interrupt) stops that
/// statement. It holds libpq's `PGcancel`, a copy of the connection's address
/// and cancel key that stays valid after the connection is closed, and calls
/// `PQcancel`, which libpq documents as thread-safe
/// (https://www.postgresql.org/docs/15/libpq-cancel.html).
///
/// The server cancels the statement with SQLSTATE 57014 (`query_canceled`),
/// which aborts the transaction; a connection that is idle when the request
/// arrives is not affected, so a canceller that races with the next statement
/// sends its request again.
public final class CancelHandle: Sendable {
    /// The `PGcancel*`, as its address (a pointer is not `Sendable`; this class
    /// alone owns it, and the lock serialises its use).
    private let cancel: Mutex<UInt>

    init(_ cancel: OpaquePointer) {
        self.cancel = Mutex(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(cancel))))
    }

    deinit {
        cancel.withLock { address in
            if let pointer = OpaquePointer(bitPattern: address) { PQfreeCancel(pointer) }
            address = 0
        }
    }

    /// Asks the server to cancel the connection's current statement; returns
    /// whether the request was delivered (not whether a statement was running).
    @discardableResult
    public func cancelCurrentStatement() -> Bool {
        cancel.withLock { address in
            guard let pointer = OpaquePointer(bitPattern: address) else { return false }
            var message = [CChar](repeating: 0, count: 256)
            return PQcancel(pointer, &message, Int32(message.count)) == 1
        }
    }
}

extension Connection {
    /// A handle that cancels this connection's statements from another thread;
    /// nil when the connection is closed. Made on the connection's own thread.
    public func cancelHandle() -> CancelHandle? {
        guard let handle = try? liveHandle(), let cancel = PQgetCancel(handle) else { return nil }
        return CancelHandle(cancel)
    }
}
