import Testing
@testable import State

/// The one way errors are told: compiler-like diagnostics, then a closing line
/// when nothing was changed.
@Suite struct ErrorFormatterTests {
    struct Failure: UserFacingError {
        var summary: String
        var location: State.SourceLocation?
        var detail: String?
        var hint: String?
        var nothingChanged = false
    }

    @Test func aDiagnosticNamesItsPlaceThenDetailAndHint() {
        let at = State.SourceLocation(file: "schema.yaml", line: 3, column: 7)
        #expect(ErrorFormatter.diagnostic(Failure(summary: "bad", location: at, detail: "why", hint: "fix it"))
                == "schema.yaml:3:7: error: bad\n  detail: why\n  hint: fix it")
        #expect(ErrorFormatter.diagnostic(Failure(summary: "bad")) == "error: bad")
        #expect(ErrorFormatter.diagnostic(InputError("cannot read the plan file", file: "plan.json", hint: "plan first"))
                == "plan.json: error: cannot read the plan file\n  hint: plan first")
    }

    @Test func theClosingLineSaysNothingWasChangedAndCounts() {
        #expect(ErrorFormatter.text(for: Failure(summary: "bad", hint: "h")) == "error: bad\n  hint: h")
        #expect(ErrorFormatter.text(for: Failure(summary: "bad", nothingChanged: true))
                == "error: bad\n1 error; nothing was changed in any database.")
        #expect(ErrorFormatter.text(for: Failure(summary: "bad", nothingChanged: true), closingLine: false) == "error: bad")
        let errors = InputErrors([
            InputError("one", at: State.SourceLocation(file: "t.yaml", line: 1, column: 2)),
            InputError("two", file: "t.yaml", hint: "h"),
        ])
        #expect(ErrorFormatter.text(for: errors) == """
            t.yaml:1:2: error: one
            t.yaml: error: two
              hint: h
            2 errors; nothing was changed in any database.
            """)
        #expect(errors.description == ErrorFormatter.text(for: errors))
    }

    @Test func anInputErrorAloneIsItsDiagnostic() {
        let error = InputError("unknown key 'x'", at: State.SourceLocation(file: "s.yaml", line: 1, column: 1), hint: "h")
        #expect(error.description == "s.yaml:1:1: error: unknown key 'x'\n  hint: h")
        #expect(ErrorFormatter.text(for: error) == error.description + "\n1 error; nothing was changed in any database.")
    }

    @Test func anyOtherErrorIsItsDescription() {
        struct Plain: Error, CustomStringConvertible { var description: String { "plain" } }
        #expect(ErrorFormatter.text(for: Plain()) == "error: plain")
    }

    @Test func aReportLineKeepsEverythingOnOneLine() {
        #expect(ErrorFormatter.line(Failure(summary: "bad", detail: "why", hint: "fix it")) == "bad; detail: why; hint: fix it")
    }
}
