import Foundation
import Testing
@testable import State

/// Errors as one JSON object, for programs that call the CLI with `--format json`.
@Suite struct ErrorFormatterJSONTests {
    struct Failure: UserFacingError {
        var summary: String
        var detail: String?
        var hint: String?
        var nothingChanged = false
    }

    struct Plain: Error, CustomStringConvertible { var description: String { "plain \"quoted\" failure" } }

    @Test func aUserFacingErrorKeepsItsFieldsAndEveryDiagnostic() throws {
        let errors = InputErrors([
            InputError("one", at: State.SourceLocation(file: "t.yaml", line: 1, column: 2), hint: "fix \"it\""),
            InputError("two", file: "t.yaml"),
        ])
        #expect(ErrorFormatter.json(for: errors) == #"""
            {"error":{"diagnostics":[{"hint":"fix \"it\"","place":"t.yaml:1:2","summary":"one"},{"place":"t.yaml","summary":"two"}],"nothing_changed":true,"summary":"2 errors in input files"}}
            """#)
        let single = ErrorFormatter.json(for: Failure(summary: "bad\nline", detail: "why", hint: "h"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(single.utf8)) as? [String: [String: Any]])
        #expect(parsed["error"]?["summary"] as? String == "bad\nline")
        #expect(parsed["error"]?["nothing_changed"] as? Bool == false)
        let diagnostics = try #require(parsed["error"]?["diagnostics"] as? [[String: String]])
        #expect(diagnostics == [["summary": "bad\nline", "detail": "why", "hint": "h"]])
        #expect(!single.contains("\n"), "one line")
    }

    @Test func anyOtherErrorIsItsDescription() {
        #expect(ErrorFormatter.json(for: Plain()) == #"""
            {"error":{"diagnostics":[{"summary":"plain \"quoted\" failure"}],"nothing_changed":false,"summary":"plain \"quoted\" failure"}}
            """#)
    }
}
