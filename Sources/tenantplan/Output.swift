import Apply
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

    /// Standard error, shared by progress, notes and errors.
    static let standardError = StatusLine(terminal: standardErrorIsTerminal())

    static func error(_ text: String) {
        standardError.print([text])
    }

    /// A report as pretty JSON on standard output, keys sorted: the one form of
    /// `--format json` for `plan --reviewed` and `apply`.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
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
                standardError.live(message)
            } else if clock.due() {
                standardError.print([message])
            }
        }
    }

    /// `apply`'s progress reporter and how often the run calls it: on a terminal,
    /// every second, a live line (with the longest lock wait) and a line of its
    /// own for each retry; otherwise every five seconds, so that logs show it, the
    /// state of the run, the tenants that wait for a lock or sit at a long step,
    /// and the retries since.
    static func applyProgress() -> (report: @Sendable (ApplyProgress) -> Void, interval: TimeInterval) {
        if standardErrorIsTerminal() {
            return ({ progress in
                standardError.print(progress.retryLines)
                standardError.live(progress.statusLine)
            }, 1)
        }
        return ({ progress in standardError.print(progress.lines) }, 5)
    }

    static func endProgress() {
        standardError.clear()
    }
}

/// Standard error, written by one writer at a time. On a terminal it keeps a live
/// line at the bottom, which other lines clear first and the next update redraws.
final class StatusLine: Sendable {
    private let terminal: Bool
    /// Whether a live line is on the screen.
    private let shown = Mutex(false)

    init(terminal: Bool) {
        self.terminal = terminal
    }

    /// Lines of their own (an error, a note, a progress report for a log).
    func print(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        shown.withLock { shown in
            let clear = shown ? "\r\u{1B}[K" : ""
            shown = false
            FileHandle.standardError.write(Data((clear + lines.joined(separator: "\n") + "\n").utf8))
        }
    }

    /// Replaces the live line (on a terminal only). Autowrap is off while it is
    /// written, so that a line wider than the terminal is cut, not wrapped.
    func live(_ line: String) {
        guard terminal else { return }
        shown.withLock { shown in
            shown = true
            FileHandle.standardError.write(Data("\r\u{1B}[K\u{1B}[?7l\(line)\u{1B}[?7h".utf8))
        }
    }

    func clear() {
        shown.withLock { shown in
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            shown = false
        }
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
