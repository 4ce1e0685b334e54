import Testing
@testable import State

/// `domains:` in schema.yaml: what is read, and every error at its line and column.
@Suite struct DomainDeclarationTests {
    static func errors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
        inputErrors({ _ = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml") }, sourceLocation: sourceLocation)
    }

    @Test func fullDomainParsesAndColumnsMayUseIt() throws {
        let d = try DeclarationLoader.parse(yaml: """
            version: 1
            domains:
              email: { type: text, nullable: false, default: "'a@b'", collation: C, checks: { has_at: "VALUE ~ '@'" }, comment: an address }
            tables:
              t:
                columns:
                  a: email
                  b: { type: "email[]" }
            """, file: "schema.yaml")
        #expect(d.domains.count == 1)
        let e = try #require(d.domain(named: "email"))
        #expect(e.type == "text" && !e.nullable && e.defaultExpression == "'a@b'" && e.collation == "C")
        #expect(e.checks.map(\.name) == ["has_at"] && e.checks.first?.expression == "VALUE ~ '@'")
        #expect(e.comment == "an address")
        #expect(e.location?.line == 3 && e.fieldLocations["default"]?.line == 3)
        #expect(d.table(named: "t")?.column(named: "b")?.type == "email[]")
    }

    @Test func unknownKeyIsAnError() {
        let errors = Self.errors("""
            version: 1
            domains:
              email: { type: text, nulable: false }
            tables: {}
            """)
        expectOnlyError(errors, line: 3, column: 24, message: "nulable")
    }

    @Test func missingTypeIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            domains:
              email: { nullable: false }
            tables: {}
            """), line: 3, column: 3, message: "domain 'email' has no type")
    }

    @Test func unknownBaseTypeIsAnErrorWithASuggestion() {
        expectOnlyError(Self.errors("""
            version: 1
            domains:
              email: { type: txet }
            tables: {}
            """), line: 3, column: 18, message: "unknown type 'txet'", hint: "did you mean")
    }

    @Test func serialBaseIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            domains:
              n: { type: serial }
            tables: {}
            """), line: 3, column: 14, message: "cannot be based on serial")
    }

    @Test func sameNameAsAnEnumOrTableIsAnError() {
        let errors = Self.errors("""
            version: 1
            enums:
              mood: [ok]
            domains:
              mood: { type: text }
              t: { type: text }
            tables:
              t:
                columns:
                  id: integer
            """)
        #expect(errors.count == 2, "\(errors)")
        expectError(errors[0], line: 5, column: 3, message: "domain 'mood' has the same name as enum 'mood'")
        expectError(errors[1], line: 6, column: 3, message: "domain 't' has the same name as table 't'")
    }

    @Test func aColumnOfAnUndeclaredTypeSuggestsDomains() {
        expectOnlyError(Self.errors("""
            version: 1
            domains:
              email: { type: text }
            tables:
              t:
                columns:
                  a: emial
            """), line: 7, column: 10, message: "unknown type 'emial'", hint: "email")
    }

    @Test func ignoringADeclaredDomainIsAnError() {
        let errors = Self.errors("""
            version: 1
            domains:
              ext_code: { type: text }
            tables: {}
            ignore:
              types: ["ext_*"]
            """)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("domain 'ext_code'") == true, "\(errors)")
    }
}
