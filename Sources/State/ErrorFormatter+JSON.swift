import Foundation

extension ErrorFormatter {
    /// The error as one JSON object on one line, for programs that call the CLI:
    ///
    ///     {"error":{"diagnostics":[{"hint":"...","place":"tenants.yaml:4:5","summary":"..."}],
    ///               "nothing_changed":true,"summary":"..."}}
    ///
    /// `summary` and `nothing_changed` are always there; each diagnostic has
    /// `summary` and, when known, `place`, `detail` and `hint`, as the text form
    /// shows them. An error that is not a `UserFacingError` is its description.
    public static func json(for error: any Error) -> String {
        let body: JSONError
        if let error = error as? any UserFacingError {
            body = JSONError(summary: error.summary, nothingChanged: error.nothingChanged,
                             diagnostics: error.diagnostics.map {
                                 JSONError.Diagnostic(summary: $0.summary, place: $0.place, detail: $0.detail, hint: $0.hint)
                             })
        } else {
            body = JSONError(summary: "\(error)", nothingChanged: false,
                             diagnostics: [JSONError.Diagnostic(summary: "\(error)")])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and optionals only: encoding cannot fail.
        let data = (try? encoder.encode(["error": body])) ?? Data(#"{"error":{}}"#.utf8)
        return String(decoding: data, as: UTF8.self)
    }

    struct JSONError: Encodable {
        struct Diagnostic: Encodable {
            var summary: String
            var place: String?
            var detail: String?
            var hint: String?
        }

        var summary: String
        var nothingChanged: Bool
        var diagnostics: [Diagnostic]

        enum CodingKeys: String, CodingKey { case summary, nothingChanged = "nothing_changed", diagnostics }
    }
}
