import Testing
@testable import State

/// A state that uses every field, so that each can be changed on its own.
let fingerprintSample = SchemaState(
    enums: [EnumState(name: "order_status", labels: ["pending", "paid"]),
            EnumState(name: "mood", labels: ["ok"], comment: "how it went")],
    tables: [
        TableState(
            name: "orders", comment: "Orders",
            columns: [
                ColumnState(name: "id", type: "bigint", notNull: true, identity: .always, identitySequence: "orders_id_seq"),
                ColumnState(name: "status", type: "order_status", notNull: true,
                            defaultExpression: "'pending'::order_status"),
                ColumnState(name: "n", type: "integer", notNull: true,
                            defaultExpression: "nextval('orders_n_seq'::regclass)", ownedSequence: "orders_n_seq"),
                ColumnState(name: "doubled", type: "integer", generated: "n * 2"),
                ColumnState(name: "name", type: "text", collation: "\"C\"", comment: "who"),
            ],
            constraints: [
                ConstraintState(name: "orders_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)"),
                ConstraintState(name: "orders_n_check", kind: .check, definition: "CHECK (n > 0)"),
            ],
            indexes: [
                IndexState(name: "orders_name_idx", definition: "USING btree (name)"),
                IndexState(name: "orders_status_idx", definition: "USING btree (status)"),
            ]),
        TableState(name: "customers", columns: [ColumnState(name: "id", type: "bigint")]),
    ],
    sequences: [SequenceState(name: "invoice_numbers", start: 1000), SequenceState(name: "another_seq")],
    others: ["view v", "function f"],
    compositeTypes: [CompositeTypeState(name: "address", attributes: [.init(name: "street", type: "text"),
                                                                     .init(name: "city", type: "text")])])

/// One edit of `fingerprintSample` and what it changes, for messages.
struct FingerprintEdit: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var apply: @Sendable (inout SchemaState) -> Void

    init(_ name: String, _ apply: @escaping @Sendable (inout SchemaState) -> Void) {
        self.testDescription = name
        self.apply = apply
    }
}

private func editColumn(_ state: inout SchemaState, _ name: String, _ body: (inout ColumnState) -> Void) {
    let i = state.tables[0].columns.firstIndex { $0.name == name }!
    body(&state.tables[0].columns[i])
}

let fingerprintEdits: [FingerprintEdit] = [
    FingerprintEdit("enum name") { $0.enums[0].name = "order_state" },
    FingerprintEdit("enum label") { $0.enums[0].labels[1] = "payed" },
    FingerprintEdit("enum label added") { $0.enums[0].labels.append("shipped") },
    FingerprintEdit("enum label order") { $0.enums[0].labels.reverse() },
    FingerprintEdit("enum added") { $0.enums.append(EnumState(name: "z", labels: [])) },
    FingerprintEdit("enum label emptied") { $0.enums[1].labels = [""] },
    FingerprintEdit("enum comment") { $0.enums[0].comment = "" },
    FingerprintEdit("enum comment changed") { $0.enums[1].comment = "how it was" },
    FingerprintEdit("enum comment removed") { $0.enums[1].comment = nil },
    FingerprintEdit("enum comment taken for a label") { $0.enums[1] = EnumState(name: "mood", labels: ["ok", "how it went"]) },
    FingerprintEdit("table name") { $0.tables[0].name = "order" },
    FingerprintEdit("table comment") { $0.tables[0].comment = "Orders!" },
    FingerprintEdit("table comment removed") { $0.tables[0].comment = nil },
    FingerprintEdit("table comment empty vs none") { $0.tables[1].comment = "" },
    FingerprintEdit("table added") { $0.tables.append(TableState(name: "t")) },
    FingerprintEdit("column name") { editColumn(&$0, "id") { $0.name = "ident" } },
    FingerprintEdit("column type") { editColumn(&$0, "id") { $0.type = "integer" } },
    FingerprintEdit("column not null") { editColumn(&$0, "id") { $0.notNull = false } },
    FingerprintEdit("column default") { editColumn(&$0, "status") { $0.defaultExpression = "'paid'::order_status" } },
    FingerprintEdit("column default removed") { editColumn(&$0, "status") { $0.defaultExpression = nil } },
    FingerprintEdit("column default empty vs none") { editColumn(&$0, "id") { $0.defaultExpression = "" } },
    FingerprintEdit("column identity kind") { editColumn(&$0, "id") { $0.identity = .byDefault } },
    FingerprintEdit("column identity removed") { editColumn(&$0, "id") { $0.identity = nil } },
    FingerprintEdit("column generated") { editColumn(&$0, "doubled") { $0.generated = "n * 3" } },
    FingerprintEdit("column generated removed") { editColumn(&$0, "doubled") { $0.generated = nil } },
    FingerprintEdit("column collation") { editColumn(&$0, "name") { $0.collation = "\"POSIX\"" } },
    FingerprintEdit("column collation removed") { editColumn(&$0, "name") { $0.collation = nil } },
    FingerprintEdit("column comment") { editColumn(&$0, "name") { $0.comment = "whom" } },
    FingerprintEdit("column owned sequence") { editColumn(&$0, "n") { $0.ownedSequence = "orders_n_seq1" } },
    FingerprintEdit("column identity sequence") { editColumn(&$0, "id") { $0.identitySequence = "purchases_id_seq" } },
    FingerprintEdit("column owned sequence removed") { editColumn(&$0, "n") { $0.ownedSequence = nil } },
    FingerprintEdit("column added") { $0.tables[1].columns.append(ColumnState(name: "x", type: "text")) },
    FingerprintEdit("column moved to another table") {
        let c = $0.tables[0].columns.removeLast()
        $0.tables[1].columns.append(c)
    },
    FingerprintEdit("constraint name") { $0.tables[0].constraints[0].name = "orders_pk" },
    FingerprintEdit("constraint kind") { $0.tables[0].constraints[0].kind = .unique },
    FingerprintEdit("constraint definition") { $0.tables[0].constraints[1].definition = "CHECK (n >= 0)" },
    FingerprintEdit("constraint added") {
        $0.tables[1].constraints.append(ConstraintState(name: "c", kind: .check, definition: "CHECK (true)"))
    },
    FingerprintEdit("index name") { $0.tables[0].indexes[0].name = "orders_name_idx1" },
    FingerprintEdit("index definition") { $0.tables[0].indexes[0].definition = "USING hash (name)" },
    FingerprintEdit("index removed") { $0.tables[0].indexes.removeLast() },
    FingerprintEdit("sequence name") { $0.sequences[0].name = "invoice_number" },
    FingerprintEdit("sequence added") { $0.sequences.append(SequenceState(name: "s")) },
    FingerprintEdit("sequence type") { $0.sequences[0].type = "integer" },
    FingerprintEdit("sequence start") { $0.sequences[0].start = 1 },
    FingerprintEdit("sequence increment") { $0.sequences[0].increment = 2 },
    FingerprintEdit("sequence minimum") { $0.sequences[0].minValue = 0 },
    FingerprintEdit("sequence maximum") { $0.sequences[0].maxValue = 99 },
    FingerprintEdit("sequence cache") { $0.sequences[0].cache = 20 },
    FingerprintEdit("sequence cycle") { $0.sequences[0].cycle = true },
    FingerprintEdit("sequence owner") { $0.sequences[0].ownedBy = "orders.id" },
    FingerprintEdit("sequence comment") { $0.sequences[0].comment = "" },
    FingerprintEdit("index comment") { $0.tables[0].indexes[0].comment = "by name" },
    FingerprintEdit("index comment empty vs none") { $0.tables[0].indexes[0].comment = "" },
    FingerprintEdit("index comment vs invalid") { $0.tables[0].indexes[0].comment = "invalid" },
    FingerprintEdit("constraint comment") { $0.tables[0].constraints[0].comment = "the key" },
    FingerprintEdit("constraint comment empty vs none") { $0.tables[0].constraints[1].comment = "" },
    FingerprintEdit("other object") { $0.others[0] = "view w" },
    FingerprintEdit("other object kind") { $0.others[0] = "materialized view v" },
    FingerprintEdit("other object removed") { $0.others.removeAll() },
    FingerprintEdit("composite type name") { $0.compositeTypes[0].name = "place" },
    FingerprintEdit("composite type comment") { $0.compositeTypes[0].comment = "" },
    FingerprintEdit("attribute name") { $0.compositeTypes[0].attributes[1].name = "town" },
    FingerprintEdit("attribute type") { $0.compositeTypes[0].attributes[1].type = "character varying(80)" },
    FingerprintEdit("attribute order") { $0.compositeTypes[0].attributes.reverse() },
    FingerprintEdit("attribute removed") { $0.compositeTypes[0].attributes.removeLast() },
    FingerprintEdit("composite type added") {
        $0.compositeTypes.append(CompositeTypeState(name: "pair", attributes: [.init(name: "a", type: "integer")]))
    },
    FingerprintEdit("ignored objects stand on a column") { $0.tables[1].ignoredUses = ["id"] },
    FingerprintEdit("ignored objects stand on the table alone") { $0.tables[1].ignoredUses = [""] },
    FingerprintEdit("table unlogged") { $0.tables[0].unlogged = true },
    FingerprintEdit("table partitioned") { $0.tables[0].partitionBy = "RANGE (id)" },
    FingerprintEdit("table partitioned by list") { $0.tables[0].partitionBy = "LIST (id)" },
    FingerprintEdit("partition added") { $0.tables[0].partitions = [PartitionState(name: "p", bound: "DEFAULT")] },
]

@Suite("State fingerprint")
struct FingerprintTests {
    @Test("the order things were read in does not matter")
    func orderIndependent() {
        var shuffled = fingerprintSample
        shuffled.enums.reverse()
        shuffled.tables.reverse()
        for i in shuffled.tables.indices {
            shuffled.tables[i].columns.reverse()
            shuffled.tables[i].constraints.reverse()
            shuffled.tables[i].indexes.reverse()
        }
        shuffled.sequences.reverse()
        shuffled.others.reverse()
        #expect(shuffled != fingerprintSample)
        #expect(shuffled.fingerprint == fingerprintSample.fingerprint)
        #expect(shuffled.canonicalEncoding == fingerprintSample.canonicalEncoding)
        #expect(shuffled.normalized() == fingerprintSample.normalized())
    }

    @Test("any change of a field changes the fingerprint", arguments: fingerprintEdits)
    func fieldChanges(_ edit: FingerprintEdit) {
        var changed = fingerprintSample
        edit.apply(&changed)
        #expect(changed.fingerprint != fingerprintSample.fingerprint)
    }

    @Test("all edits give distinct fingerprints")
    func editsDistinct() {
        let fingerprints = fingerprintEdits.map { edit -> String in
            var changed = fingerprintSample
            edit.apply(&changed)
            return changed.fingerprint
        }
        #expect(Set(fingerprints).count == fingerprintEdits.count)
    }

    @Test("length prefixes keep field boundaries unambiguous")
    func unambiguous() {
        func enumState(_ labels: [String]) -> SchemaState {
            SchemaState(enums: [EnumState(name: "e", labels: labels)])
        }
        let splits = [["ab", "c"], ["a", "bc"], ["abc"], ["a", "b", "c"], ["", "abc"], ["abc", ""]]
        #expect(Set(splits.map { enumState($0).fingerprint }).count == splits.count)

        // Names that run together differently.
        let a = SchemaState(tables: [TableState(name: "ab", columns: [ColumnState(name: "c", type: "text")])])
        let b = SchemaState(tables: [TableState(name: "a", columns: [ColumnState(name: "bc", type: "text")])])
        #expect(a.fingerprint != b.fingerprint)

        // A text that spells out another field's encoding is still one text.
        let column = SchemaState(tables: [TableState(
            name: "t", columns: [ColumnState(name: "x", type: "text")])])
        let forged = SchemaState(tables: [TableState(
            name: "t", comment: "~;\n C1:x;4:text;1:f;~;~;~;~;~;~;")])
        #expect(column.canonicalEncoding.contains(" C1:x;4:text;1:f;~;~;~;~;~;~;"))
        #expect(forged.fingerprint != column.fingerprint)

        // A label with a separator inside it versus two labels.
        #expect(enumState(["a;1:b"]).fingerprint != enumState(["a", "b"]).fingerprint)
        // No value versus an empty one.
        #expect(SchemaState(tables: [TableState(name: "t", comment: nil)]).fingerprint
            != SchemaState(tables: [TableState(name: "t", comment: "")]).fingerprint)
    }

    @Test("the canonical encoding is stable: plan files written by earlier builds must still match")
    func stableEncoding() {
        let state = SchemaState(
            enums: [EnumState(name: "mood", labels: ["ok", "é"])],
            tables: [TableState(
                name: "t", comment: nil,
                columns: [ColumnState(name: "id", type: "bigint", notNull: true, identity: .byDefault),
                          ColumnState(name: "a", type: "text", defaultExpression: "''::text", collation: "\"C\"",
                                      comment: "x")],
                constraints: [ConstraintState(name: "t_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")],
                indexes: [IndexState(name: "t_a_idx", definition: "USING btree (a)")])],
            sequences: [SequenceState(name: "s")],
            others: ["view v"])
        let expected = """
            tenantplan-state-1
            E4:mood;2:ok;2:é;
            T1:t;~;
             C1:a;4:text;1:f;8:''::text;~;~;3:"C";1:x;~;
             C2:id;6:bigint;1:t;~;10:by_default;~;~;~;~;
             K6:t_pkey;1:p;16:PRIMARY KEY (id);
             I7:t_a_idx;15:USING btree (a);
            S1:s;6:bigint;1:1;1:1;1:1;19:9223372036854775807;1:1;1:f;~;~;
            O6:view v;

            """
        #expect(state.canonicalEncoding == expected)
        #expect(state.fingerprint == SHA256.hex(expected))
    }

    @Test("an identity sequence of the usual name leaves the encoding as earlier builds wrote it")
    func identitySequenceEncoding() {
        func state(_ sequence: String?) -> SchemaState {
            SchemaState(tables: [TableState(name: "t", columns: [
                ColumnState(name: "id", type: "bigint", notNull: true, identity: .always, identitySequence: sequence)])])
        }
        #expect(state("t_id_seq").canonicalEncoding == state(nil).canonicalEncoding)
        #expect(state("items_id_seq").fingerprint != state("t_id_seq").fingerprint)
        #expect(state("items_id_seq").canonicalEncoding.contains("12:items_id_seq;"))
    }

    @Test("the empty state and the absent schema")
    func emptyAndAbsent() {
        #expect(SchemaState().canonicalEncoding == "tenantplan-state-1\n")
        #expect(SchemaState().fingerprint == "31772565b205395a5a032e0094fa2865faf0c9e6d222c4817efaa2f7f7e69de2")
        #expect(SchemaState.absentFingerprint == "absent")
        #expect(SchemaState().fingerprint != SchemaState.absentFingerprint)
    }

    @Test("normalized sorts every list except enum labels")
    func normalized() {
        let n = fingerprintSample.normalized()
        #expect(n.enums.map(\.name) == ["mood", "order_status"])
        #expect(n.enums[1].labels == ["pending", "paid"])
        #expect(n.tables.map(\.name) == ["customers", "orders"])
        #expect(n.tables[1].columns.map(\.name) == ["doubled", "id", "n", "name", "status"])
        #expect(n.tables[1].constraints.map(\.name) == ["orders_n_check", "orders_pkey"])
        #expect(n.sequences.map(\.name) == ["another_seq", "invoice_numbers"])
        #expect(n.others == ["function f", "view v"])
        #expect(n.normalized() == n)
    }

    @Test("a materialized view index's comment changes the fingerprint; without one the encoding is as before")
    func viewIndexComment() {
        func state(_ comment: String?, invalid: Bool = false) -> SchemaState {
            SchemaState(views: [ViewState(name: "daily", materialized: true, definition: " SELECT 1 AS n;",
                                          indexes: [IndexState(name: "daily_n", definition: "USING btree (n)",
                                                               invalid: invalid, comment: comment)])])
        }
        #expect(!state(nil).canonicalEncoding.contains("7:invalid;c"))
        #expect(state(nil).canonicalEncoding.contains(" I7:daily_n;15:USING btree (n);\n"))
        let prints = [state(nil), state("a"), state("b"), state(""), state("invalid"), state(nil, invalid: true),
                      state("a", invalid: true)].map(\.fingerprint)
        #expect(Set(prints).count == prints.count)
    }
}
