import Apply
import ArgumentParser
import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM, handled instead of ending the process at once.
///
/// Both signals are set to `SIG_IGN` and watched with a `DispatchSourceSignal`:
/// libdispatch notices the signal and runs the handler on one of its queues, an
/// ordinary thread, where it may take locks, print and call into the run. No
/// code of ours runs in signal context, so nothing here needs to be
/// async-signal-safe.
enum Interrupts {
    private struct Watch {
        var count = 0
        /// Set while `critical` runs: an exit waits for it.
        var inCritical = false
        var exitPending = false
        /// What an exit during `critical` says when the body threw, and when it succeeded.
        var noteBeforeCritical = ""
        var noteAfterCritical = ""
    }

    private static let watch = Mutex(Watch())
    private static let queue = DispatchQueue(label: "tenantplan.interrupts")

    /// Calls `handler` with the number of the interrupt (1, 2, ...) and the signal's name.
    static func handle(_ handler: @escaping @Sendable (_ count: Int, _ signal: String) -> Void) {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            // The handler holds its source: it watches for as long as the process lives.
            source.setEventHandler { [source] in
                _ = source
                let count = watch.withLock { watch in
                    watch.count += 1
                    return watch.count
                }
                handler(count, name)
            }
            source.resume()
        }
    }

    /// `apply`: the first interrupt stops starting tenants, the second rolls back
    /// the tenants in flight at once; later ones change nothing more. A second
    /// interrupt while no tenant is being applied (the databases are still being
    /// checked, say, behind a connection that hangs) exits at once: there is
    /// nothing to roll back.
    static func stopGracefully(_ interruption: ApplyInterruption) {
        handle { count, signal in
            if count >= 2 && !interruption.isApplying {
                Output.error("\(signal): interrupted again while no tenant is being applied; exiting now")
                exit(ExitCode.interrupted.rawValue)
            }
            // Said before reacting: once the run reacts, the process may report and
            // exit before this queue gets to print.
            switch count {
            case 1:
                Output.error("\(signal): interrupted; starting no new tenant, letting the tenants in flight finish or roll back (interrupt again to roll them back now)")
            case 2:
                Output.error("\(signal): interrupted again; rolling back the tenants in flight")
            default:
                Output.error("\(signal): already rolling back the tenants in flight")
            }
            interruption.interrupt()
        }
    }

    /// `plan`: exit 130 at the first interrupt, saying `note`, but never inside
    /// `critical` (writing the plan file); an interrupt that arrives there exits
    /// when it ends, saying `noteAfterCritical`.
    static func exitAtOnce(note: String, noteAfterCritical: String) {
        handle { _, signal in
            watch.withLock { watch in
                watch.exitPending = true
                if !watch.inCritical {
                    Output.error("\(signal): interrupted; \(note)")
                    exit(ExitCode.interrupted.rawValue)  // holding the lock: `critical` cannot begin meanwhile
                }
            }
        }
        watch.withLock {
            $0.noteBeforeCritical = note
            $0.noteAfterCritical = noteAfterCritical
        }
    }

    /// Runs `body` so that an interrupt exits before or after it, never during it.
    ///
    /// An interrupt that arrived meanwhile exits when `body` ends: saying
    /// `noteAfterCritical` when it succeeded, and what `exitAtOnce` says (nothing
    /// was written) when it threw.
    static func critical<T>(_ body: () throws -> T) rethrows -> T {
        watch.withLock { $0.inCritical = true }
        var succeeded = false
        defer {
            let note = watch.withLock { watch in
                watch.inCritical = false
                return watch.exitPending ? (succeeded ? watch.noteAfterCritical : watch.noteBeforeCritical) : nil
            }
            if let note {
                Output.error("interrupted; \(note)")
                exit(ExitCode.interrupted.rawValue)
            }
        }
        let result = try body()
        succeeded = true
        return result
    }
}
