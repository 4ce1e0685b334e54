import Testing
@testable import State

/// `sequences:` in schema.yaml: what is read, and every error at its line and column.
@Suite struct SequenceDeclarationTests {
    static func errors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
        inputErrors({ _ = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml") }, sourceLocation: sourceLocation)
    }

    @Test func fullSequenceParses() throws {
        let d = try DeclarationLoader.parse(yaml: """
            version: 1
            sequences:
              invoice_number: { type: int8, start: 1000, increment: 1, min_value: 10, max_value: 99999, cache: 20, cycle: true, owned_by: invoices.number, comment: next one }
              plain: {}
              bare:
            tables:
              invoices:
                columns:
                  number: bigint
            """, file: "schema.yaml")
        #expect(d.sequences.map(\.name) == ["invoice_number", "plain", "bare"])
        let s = try #require(d.sequence(named: "invoice_number"))
        #expect(s == SequenceDeclaration(
            name: "invoice_number", type: "bigint", start: 1000, increment: 1, minValue: 10, maxValue: 99999, cache: 20,
            cycle: true, ownedBy: "invoices.number", comment: "next one", location: s.location))
        #expect(s.location?.line == 3 && s.location?.column == 3)
        #expect(s.ownerTable == "invoices" && s.ownerColumn == "number")
        #expect(d.sequence(named: "plain") == SequenceDeclaration(name: "plain", location: d.sequence(named: "plain")?.location))
    }

    @Test func unknownKeyIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { strat: 5 }
            tables: {}
            """), line: 3, column: 8, message: "unknown key 'strat'", hint: "start")
    }

    @Test func typeOtherThanAnIntegerIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { type: numeric }
            tables: {}
            """), line: 3, column: 14, message: "sequence 'n' cannot be of type numeric",
            hint: "smallint, integer or bigint")
    }

    @Test func optionsMustBeWholeNumbers() {
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { cache: 1.5 }
            tables: {}
            """), line: 3, column: 15, message: "'cache' of sequence 'n' must be a whole number, not '1.5'")
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { start: 99999999999999999999 }
            tables: {}
            """), line: 3, column: 15, message: "must be a whole number")
    }

    @Test func zeroStepAndCacheBelowOneAreErrors() {
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { increment: 0 }
            tables: {}
            """), line: 3, column: 19, message: "'increment' of sequence 'n' cannot be 0")
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { cache: 0 }
            tables: {}
            """), line: 3, column: 15, message: "'cache' of sequence 'n' must be at least 1")
    }

    @Test func ownerMustBeADeclaredColumn() {
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { owned_by: number }
            tables: {}
            """), line: 3, column: 18, message: "must be table.column, not 'number'")
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { owned_by: invoice.number }
            tables:
              invoices: { columns: { number: bigint } }
            """), line: 3, column: 18, message: "names table 'invoice', which is not declared", hint: "invoices")
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { owned_by: invoices.numbr }
            tables:
              invoices: { columns: { number: bigint } }
            """), line: 3, column: 18, message: "names column 'numbr', which table 'invoices' does not declare",
            hint: "number")
    }

    @Test func nameOfATableIndexOrViewIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              invoices: {}
            tables:
              invoices: { columns: { number: bigint } }
            """), line: 3, column: 3, message: "name 'invoices' of sequence 'invoices' is already used by table 'invoices'")
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              invoices_id_seq: {}
            tables:
              invoices: { columns: { id: serial } }
            """), line: 3, column: 3, message: "is already used by")
    }

    @Test func aSequenceShapedLikeASerialsIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            sequences:
              n: { type: integer, owned_by: t.c }
            tables:
              t: { columns: { c: { type: integer, default: "nextval('n'::regclass)" } } }
            """), line: 3, column: 33, message: "sequence 'n' is what a serial column is", hint: "type: serial")
        // An option of its own, or a column that does not take its values, tells them apart.
        for yaml in ["n: { type: integer, owned_by: t.c, cache: 2 }", "n: { type: integer, owned_by: t.c, comment: x }",
                     "n: { owned_by: t.d }"] {
            let d = try? DeclarationLoader.parse(yaml: """
                version: 1
                sequences:
                  \(yaml)
                tables:
                  t: { columns: { c: { type: integer, default: "nextval('n')" }, d: integer } }
                """, file: "schema.yaml")
            #expect(d?.sequences.count == 1, "\(yaml)")
        }
    }

    @Test func ignoringADeclaredSequenceIsAnError() {
        let errors = Self.errors("""
            version: 1
            sequences:
              tmp_n: {}
            tables: {}
            ignore:
              sequences: ["tmp_*"]
            """)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("sequence 'tmp_n'") == true, "\(errors)")
    }
}

@Suite struct SequenceDeclarationStateTests {
    @Test func optionsNotWrittenTakePostgreSQLDefaults() {
        let plain = SequenceDeclaration(name: "s", type: "integer").state
        #expect(plain == SequenceState(name: "s", type: "integer", start: 1, increment: 1, minValue: 1,
                                       maxValue: Int64(Int32.max), cache: 1))
        #expect(plain.hasSerialOptions)
        let descending = SequenceDeclaration(name: "d", type: "smallint", increment: -2).state
        #expect(descending == SequenceState(name: "d", type: "smallint", start: -1, increment: -2,
                                            minValue: Int64(Int16.min), maxValue: -1, cache: 1))
        #expect(SequenceDeclaration(name: "b", minValue: 10).state.start == 10)
        #expect(!SequenceDeclaration(name: "b", cache: 5).state.hasSerialOptions)
        #expect(!SequenceDeclaration(name: "b", comment: "c").state.hasSerialOptions)
    }
}
