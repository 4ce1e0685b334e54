import Testing
@testable import State

/// `{ type: numeric(6,2) }`: the comma ends the unquoted value inside a flow
/// mapping, and YAML reads a key `2)`. The error says to quote the value.
@Suite struct SplitValueHintTests {
    func errors(_ columns: String) -> [InputError] {
        inputErrors {
            _ = try DeclarationLoader.parse(yaml: """
                version: 1
                tables:
                  orders:
                    columns:
                \(columns)
                """, file: "schema.yaml")
        }
    }

    @Test func aTypeCutAtItsCommaIsToldToBeQuoted() {
        let found = errors("      total: { type: numeric(6,2), nullable: false }")
        expectOnlyError(found, line: 5, column: 32, message: "unknown key '2)' in column 'total' of table 'orders'",
                        hint: #"quote the value: type: "numeric(6,2)""#)
        // With a space after the comma, the same.
        expectOnlyError(errors("      total: { type: numeric(6, 2) }"), line: 5, column: 33,
                        message: "unknown key '2)'", hint: #"quote the value: type: "numeric(6,2)""#)
    }

    @Test func aDefaultCutAtSeveralCommasIsPutBackTogether() {
        let found = errors("""
                  id: { type: bigint }
                  label: { type: text, default: concat(a, b, c) }
            """)
        #expect(found.count == 2, "\(found)")   // keys 'b' and 'c)'
        for error in found {
            #expect(error.hint == #"quote the value: default: "concat(a,b,c)" (a comma ends an unquoted value inside { })"#,
                    "\(error)")
        }
        #expect(found.map(\.message) == ["unknown key 'b' in column 'label' of table 'orders'",
                                         "unknown key 'c)' in column 'label' of table 'orders'"])
    }

    @Test func otherUnknownKeysKeepTheirHints() {
        expectOnlyError(errors("      total: { type: text, nulable: false }"), line: 5, column: 28,
                        message: "unknown key 'nulable'", hint: "did you mean 'nullable'?")
        // A value-less key after a value whose parentheses are balanced is no tail of it.
        expectOnlyError(errors("      total: { type: numeric(6), 2) }"), line: 5, column: 34,
                        message: "unknown key '2)'", hint: "allowed keys:")
    }

    @Test func theQuotedValueIsWhole() throws {
        let declaration = try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              orders:
                columns:
                  total: { type: "numeric(6,2)", nullable: false }
            """, file: "schema.yaml")
        #expect(declaration.tables.first?.columns.first?.type == "numeric(6,2)")
    }
}
