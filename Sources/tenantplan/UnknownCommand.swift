import Plan
import State

/// `tenantplan plna`: a first argument that is no command, with the closest
/// command as the hint. Exits 64, as every usage error does.
struct UnknownCommand: UserFacingError {
    var word: String
    var commands: [String]

    /// The error for `arguments`, or nil when they start with an option or a command.
    init?(arguments: [String], commands: [String]) {
        guard let first = arguments.first, !first.hasPrefix("-"), !commands.contains(first) else { return nil }
        self.word = first
        self.commands = commands.filter { $0 != "help" }
    }

    var summary: String { "unknown command '\(word.printable)'" }

    var hint: String? {
        Suggestion.hint(for: word, among: commands,
                        otherwise: "the commands are \(commands.joined(separator: ", ")); see tenantplan --help")
    }

    /// Nothing ran.
    var nothingChanged: Bool { true }
}
