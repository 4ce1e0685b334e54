import ArgumentParser
import Foundation
import State

/// The exit codes, in one place: 0 success; 1 an error, or for `apply` any tenant
/// not brought to the desired state (`ExitCode.failure`); 2 `changesPlanned`;
/// 3 `needsReview`; 64 a command-line usage error (ArgumentParser's
/// `ValidationError` and value parsing, and `exitWithUsageError`); 130 after
/// an interrupt (`interrupted`).
extension ExitCode {
    /// `plan --detailed-exitcode` found changes.
    static let changesPlanned = ExitCode(2)
    /// `plan --reviewed`: the fresh plan holds what the reviewed plan did not.
    /// Wins over `changesPlanned`.
    static let needsReview = ExitCode(3)
    /// SIGINT or SIGTERM stopped the command (128 + SIGINT, as shells report it).
    static let interrupted = ExitCode(130)
}

/// Runs a command's work. Any error is printed the one way users see errors
/// (`ErrorFormatter`) and exits 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Output.error(ErrorFormatter.text(for: error))
        throw ExitCode.failure
    }
}

/// A usage error found before ArgumentParser parses (an unknown command), printed
/// the one way users see errors; exits 64 as ArgumentParser's own usage errors do.
func exitWithUsageError(_ error: any UserFacingError) -> Never {
    Output.error(ErrorFormatter.text(for: error))
    Foundation.exit(ExitCode.validationFailure.rawValue)
}
