import Foundation

extension Connection {
    /// `message` without the password or the URL of `conninfo`.
    ///
    /// libpq echoes parts of a connection string it cannot parse: a password with a
    /// bad percent escape comes back whole (`invalid percent-encoded token: "..."`),
    /// and some URI errors quote the entire URI. A password is replaced wherever it
    /// stands quoted, and anywhere once it is long enough not to be an ordinary word;
    /// any URL becomes "(the URL)".
    static func redact(_ message: String, conninfo: String = "") -> String {
        var out = message
        switch secrets(in: conninfo) {
        case .passwords(let secrets):
            for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
                out = out.replacingOccurrences(of: "\"\(secret)\"", with: "\"***\"")
                if secret.count >= 4 { out = out.replacingOccurrences(of: secret, with: "***") }
            }
        case .unknown(let otherProblem):
            out = otherProblem
        }
        if let uri = try? NSRegularExpression(pattern: #"postgres(ql)?://[^\s"]*"#, options: [.caseInsensitive]) {
            out = uri.stringByReplacingMatches(
                in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "(the URL)")
        }
        return out
    }

    enum Secrets: Equatable {
        /// The password in the forms libpq may quote back.
        case passwords([String])
        /// Which token libpq quotes back cannot be told; libpq's message about the
        /// string's other problem, which quotes no value, is shown instead.
        case unknown(otherProblem: String)
    }

    /// The password of `conninfo` in the forms libpq may quote back, read by libpq itself.
    ///
    /// A string libpq parses is never quoted back. Of a string it cannot parse,
    /// libpq quotes a value only when it cannot percent-decode it, which happens in
    /// URIs alone; it quotes the value as written, and decodes the user and password
    /// before anything else. So a URI is parsed again with every `%` escaped, which
    /// gives the password as written: the very token libpq quotes when the password
    /// is what it cannot decode. A URI that has another problem too cannot be told
    /// apart, and libpq's message about that other problem is shown instead.
    static func secrets(in conninfo: String) -> Secrets {
        func password(_ options: [String: String]) -> Secrets { .passwords(options["password"].map { [$0] } ?? []) }
        switch ConnectionString.parse(conninfo) {
        case .options(let options):
            return password(options)
        case .invalid where !ConnectionString.isURI(conninfo):
            return .passwords([])
        case .invalid:
            switch ConnectionString.parse(conninfo.replacingOccurrences(of: "%", with: "%25")) {
            case .options(let options): return password(options)
            case .invalid(let otherProblem): return .unknown(otherProblem: otherProblem)
            }
        }
    }
}
