import Foundation
import State
import Synchronization

/// Where output goes, and whether it may be coloured.
enum Output {
    static func standardOutputIsTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }
    static func standardErrorIsTerminal() -> Bool { isatty(STDERR_FILENO) == 1 }

    /// Colour only on a terminal and never with `NO_COLOR` set (https://no-color.org).
    static var color: Bool {
        standardOutputIsTerminal() && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// `note: ...` on standard error, on a line of its own even while progress shows.
    @Sendable static func note(_ text: String) {
        endProgress()
        error("note: " + text)
    }

    /// A progress reporter: rewrites one line on a terminal, prints plain lines
    /// at most every few seconds otherwise.
    static func progress() -> @Sendable (String) -> Void {
        let terminal = standardErrorIsTerminal()
        let clock = ProgressClock()
        return { message in
            if terminal {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(message)".utf8))
            } else if clock.due() {
                FileHandle.standardError.write(Data("\(message)\n".utf8))
            }
        }
    }

    static func endProgress() {
        if standardErrorIsTerminal() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

final class ProgressClock: Sendable {
    private let last = Mutex(Date())

    func due() -> Bool {
        last.withLock { last in
            if Date().timeIntervalSince(last) < 5 { return false }
            last = Date()
            return true
        }
    }
}
