import Foundation
import Postgres
import SQLSyntax
import State
import Synchronization

/// Tells whether a tenant's text for a default, generated expression, check or
/// index says what the declaration's says, when the two texts differ.
///
/// PostgreSQL's deparse is not idempotent: a check written
/// `status IN ('todo','doing','done')` on a `varchar` column reads back as
/// `(status)::text = ANY ((ARRAY['todo'::character varying, ...])::text[])`, and
/// that text, realised again, reads back as
/// `ARRAY[('todo'::character varying)::text, ...]`. A tenant built by hand and a
/// tenant built from `schema.yaml` can therefore hold different texts for the
/// same thing. So where the tenant's text and the desired text differ, both are
/// realised again in a scratch schema (in a transaction that is always rolled
/// back), each on a copy of its own table's columns (the deparse depends on their
/// types), read back with the same `Reflector`, and again until the text stops
/// changing (deparse of deparse); when the two fixed points are equal, the
/// tenant's text is taken as the desired one for that tenant (`reconcile`).
///
/// Only differing texts pay: a state whose texts all equal the desired ones
/// never opens a connection. Each (table columns, kind, text) is realised once
/// per plan, whatever the number of tenants or states that carry it. It is
/// sound, never lenient: a text that fails to realise (it uses a function or
/// type that only the tenant has), that does not settle within `maxRounds`, or
/// that stands on a table whose column types or collations differ between the
/// two sides (a type change re-parses it) is never called equal.
public final class Canonicaliser: Sendable {
    /// Deparse rounds before a text that keeps changing is given up on.
    public static let maxRounds = 4

    private let desired: SchemaState
    private let connect: @Sendable () throws -> Connection
    private let state = Mutex(Shared())
    /// Whether `close()` closes the connection (false for one the caller lent).
    private let owned: Bool

    /// What the workers share: the connection, opened on first need, and the
    /// canonical form of each probe seen (nil: it did not realise or settle).
    private struct Shared {
        var connection: Connection?
        var canonical: [String: String?] = [:]
        var realisations = 0
    }

    /// - Parameters:
    ///   - desired: the desired state as `DesiredState.realise` read it.
    ///   - connect: opens a connection to the database the tenants are in; called
    ///     once, when the first differing text is found.
    public init(desired: SchemaState, connect: @escaping @Sendable () throws -> Connection) {
        self.desired = desired
        self.connect = connect
        owned = true
    }

    /// Works on `connection`, which the caller keeps and closes (`import`). It must
    /// not be in a transaction.
    public init(desired: SchemaState, borrowing connection: Connection) {
        self.desired = desired
        // Only ever used under `state`'s lock, by one thread at a time.
        nonisolated(unsafe) let lent = connection
        self.connect = { lent }
        owned = false
    }

    /// Closes the connection, if it opened one.
    public func close() {
        state.withLock { shared in
            if owned { shared.connection?.close() }
            shared.connection = nil
        }
    }

    /// How many scratch realisations ran (each is one transaction).
    public var realisations: Int { state.withLock { $0.realisations } }

    /// The desired state to diff `actual` against: the desired state itself, with
    /// each text that `actual` says differently but equivalently replaced by
    /// `actual`'s text, so that the diff finds nothing to change there and the
    /// state expected after `apply` keeps the tenant's own text. Nil when there is
    /// nothing to replace (the usual case: no connection is used).
    ///
    /// `actual` has had `ignore:` applied already.
    public func reconcile(_ actual: SchemaState) throws -> SchemaState? {
        let pairs = Self.differingItems(actual: actual, desired: desired)
        guard !pairs.isEmpty else { return nil }
        let theirs = try canonical(pairs.map { $0.actual.naming(enumsOf: actual) }, context: actual)
        let ours = try canonical(pairs.map { $0.desired.naming(enumsOf: desired) }, context: desired)
        var adjusted = desired
        var replaced = false
        for (i, pair) in pairs.enumerated() {
            guard let a = theirs[i], let d = ours[i], Self.synonymsUnified(a) == Self.synonymsUnified(d) else { continue }
            pair.desired.item.replace(in: &adjusted, table: pair.desired.table, with: pair.actual.text)
            replaced = true
        }
        return replaced ? adjusted : nil
    }

    /// A canonical text with the functions that PostgreSQL documents as the same
    /// function written one way: `CURRENT_TIMESTAMP` (without a precision) and
    /// `transaction_timestamp()` are `now()` ("Current Date/Time",
    /// https://www.postgresql.org/docs/15/functions-datetime.html#FUNCTIONS-DATETIME-CURRENT),
    /// which the deparse keeps apart. Quoted identifiers and string literals are
    /// copied as they are; in a deparsed text an unquoted `CURRENT_TIMESTAMP` is
    /// always the keyword (a column of that name is quoted).
    static func synonymsUnified(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func nextNonSpace(_ from: Int) -> Int {
            var j = from
            while j < scalars.count && scalars[j].properties.isWhitespace { j += 1 }
            return j
        }
        while i < scalars.count {
            let c = scalars[i]
            if c == "\"" || c == "'" {
                let end = SQLScanner.quoted(in: scalars, from: i).end
                out.append(contentsOf: scalars[i..<end])
                i = end
            } else if let end = SQLScanner.identifierEnd(in: scalars, from: i) {
                let word = String(String.UnicodeScalarView(scalars[i..<end])).lowercased()
                let after = nextNonSpace(end)
                let call = after < scalars.count && scalars[after] == "("
                if word == "current_timestamp" && !call {
                    out.append(contentsOf: "now()".unicodeScalars)
                    i = end
                } else if word == "transaction_timestamp" && call, nextNonSpace(after + 1) < scalars.count,
                          scalars[nextNonSpace(after + 1)] == ")" {
                    out.append(contentsOf: "now()".unicodeScalars)
                    i = nextNonSpace(after + 1) + 1
                } else {
                    out.append(contentsOf: scalars[i..<end])
                    i = end
                }
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(out)
    }

    // MARK: - Items

    /// One text of a table: what kind, and of which column, constraint or index.
    enum Item: Hashable {
        case defaultValue(column: String)
        case generated(column: String)
        case check(name: String)
        case index(name: String)

        var tag: String {
            switch self {
            case .defaultValue(let c): "d/\(c)"
            case .generated(let c): "g/\(c)"
            case .check: "c"
            case .index: "i"
            }
        }

        func replace(in state: inout SchemaState, table: String, with text: String) {
            guard let t = state.tables.firstIndex(where: { $0.name == table }) else { return }
            switch self {
            case .defaultValue(let column):
                if let c = state.tables[t].columns.firstIndex(where: { $0.name == column }) {
                    state.tables[t].columns[c].defaultExpression = text
                }
            case .generated(let column):
                if let c = state.tables[t].columns.firstIndex(where: { $0.name == column }) {
                    state.tables[t].columns[c].generated = text
                }
            case .check(let name):
                if let c = state.tables[t].constraints.firstIndex(where: { $0.name == name }) {
                    state.tables[t].constraints[c].definition = text
                }
            case .index(let name):
                if let i = state.tables[t].indexes.firstIndex(where: { $0.name == name }) {
                    state.tables[t].indexes[i].definition = text
                }
            }
        }
    }

    /// A text to realise on a copy of a table's columns.
    struct Probe: Hashable {
        var table: String
        /// The table's columns (name, type, collation), in the order given.
        var columns: [ColumnShape]
        var item: Item
        var text: String
        /// The tenant's enums that the columns or the text may name, with their
        /// labels: the same text on the same columns over other types is another probe.
        var enums: String = ""

        var key: String {
            columns.map { "\($0.name)\u{1}\($0.type)\u{1}\($0.collation ?? "")" }.joined(separator: "\u{2}")
                + "\u{3}" + item.tag + "\u{3}" + text + "\u{3}" + enums
        }

        /// The probe with `enums` filled in from the state it comes from.
        func naming(enumsOf state: SchemaState) -> Probe {
            var probe = self
            probe.enums = state.enums.filter { e in
                text.contains(e.name) || columns.contains { $0.type.contains(e.name) }
            }.map { ([$0.name] + $0.labels).joined(separator: "\u{1}") }.joined(separator: "\u{2}")
            return probe
        }
    }

    struct ColumnShape: Hashable {
        var name: String
        var type: String
        var collation: String?
    }

    struct Pair {
        var actual: Probe
        var desired: Probe
    }

    static func shape(of table: TableState) -> [ColumnShape] {
        table.columns.map { ColumnShape(name: $0.name, type: $0.type, collation: $0.collation) }
    }

    /// The texts that differ between `actual` and `desired`, on tables whose
    /// shared columns have the same types and collations on both sides.
    static func differingItems(actual: SchemaState, desired: SchemaState) -> [Pair] {
        var pairs: [Pair] = []
        for want in desired.tables {
            guard let have = actual.table(named: want.name) else { continue }
            let sameShape = want.columns.allSatisfy { w in
                guard let h = have.column(named: w.name) else { return true }
                return h.type == w.type && h.collation == w.collation
            }
            guard sameShape else { continue }
            let haveShape = shape(of: have), wantShape = shape(of: want)
            var texts: [(Item, String?, String?)] = []
            for w in want.columns {
                guard let h = have.column(named: w.name) else { continue }
                texts.append((.defaultValue(column: w.name), h.defaultExpression, w.defaultExpression))
                texts.append((.generated(column: w.name), h.generated, w.generated))
            }
            for w in want.constraints where w.kind == .check {
                guard let h = have.constraint(named: w.name), h.kind == .check else { continue }
                texts.append((.check(name: w.name), h.definition, w.definition))
            }
            for w in want.indexes {
                guard let h = have.index(named: w.name) else { continue }
                texts.append((.index(name: w.name), h.definition, w.definition))
            }
            for (item, a, d) in texts {
                guard let a, let d, a != d else { continue }
                pairs.append(Pair(actual: Probe(table: have.name, columns: haveShape, item: item, text: a),
                                  desired: Probe(table: want.name, columns: wantShape, item: item, text: d)))
            }
        }
        return pairs
    }

    // MARK: - Realising

    /// The fixed point of each probe's text under realise-and-read-back, or nil.
    /// `context` gives the enums and sequences the texts may name.
    func canonical(_ probes: [Probe], context: SchemaState) throws -> [String?] {
        let connect = self.connect
        let result: Result<[String?], any Error> = state.withLock { shared in
            Result { try Self.canonical(probes, context: context, shared: &shared, connect: connect) }
        }
        return try result.get()
    }

    /// What a probe's chain of texts came to.
    enum Outcome {
        case pending
        case settled(String?)

        var isPending: Bool {
            if case .pending = self { return true }
            return false
        }
    }

    private static func canonical(_ probes: [Probe], context: SchemaState, shared: inout Shared,
                                  connect: () throws -> Connection) throws -> [String?] {
        // chains[i]: the texts probe i went through, in order.
        var chains: [[Probe]] = probes.map { [$0] }
        var outcome: [Outcome] = probes.map { p in shared.canonical[p.key].map { .settled($0) } ?? .pending }
        for _ in 0..<maxRounds {
            var pending: [Probe] = []
            var pendingIndex: [String: Int] = [:]
            for i in probes.indices where outcome[i].isPending {
                let last = chains[i].last!
                if let known = shared.canonical[last.key] { outcome[i] = .settled(known); continue }
                if pendingIndex[last.key] == nil {
                    pendingIndex[last.key] = pending.count
                    pending.append(last)
                }
            }
            guard !pending.isEmpty else { break }
            if shared.connection == nil { shared.connection = try connect() }
            shared.realisations += 1
            let read = try realise(pending, context: context, on: shared.connection!)
            for i in probes.indices where outcome[i].isPending {
                let last = chains[i].last!
                guard let at = pendingIndex[last.key] else { continue }
                guard let text = read[at] else {
                    outcome[i] = .settled(nil)
                    continue
                }
                if text == last.text {
                    outcome[i] = .settled(text)
                } else {
                    var next = last
                    next.text = text
                    chains[i].append(next)
                }
            }
        }
        // Every text of a chain has the chain's canonical form; a chain that did
        // not settle has none.
        var result: [String?] = []
        for i in probes.indices {
            var canonical: String?
            if case .settled(let text) = outcome[i] { canonical = text }
            for probe in chains[i] { shared.canonical[probe.key] = .some(canonical) }
            result.append(canonical)
        }
        return result
    }

    /// Realises each probe on its own copy of its table in a scratch schema and
    /// reads its text back; nil for a probe the server rejects.
    static func realise(_ probes: [Probe], context: SchemaState, on connection: Connection) throws -> [String?] {
        let scratch = "\(ReservedSchemas.toolPrefix)_canon_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try connection.execute("BEGIN")
        defer { try? connection.execute("ROLLBACK") }
        try DesiredState.createScratch(scratch, on: connection)
        // What the texts may name in the tenant's own schema: its enums and sequences.
        for e in context.enums {
            let labels = e.labels.map { quoteLiteral($0) }.joined(separator: ", ")
            _ = try attempt(on: connection, ["CREATE TYPE \(quoteIdentifier(e.name)) AS ENUM (\(labels))"])
        }
        var sequences = context.sequences.map(\.name)
        for t in context.tables { sequences += t.columns.compactMap(\.ownedSequence) }
        for s in Set(sequences).sorted() {
            _ = try attempt(on: connection, ["CREATE SEQUENCE \(quoteIdentifier(s))"])
        }
        var made: [Bool] = []
        for (i, probe) in probes.enumerated() {
            made.append(try attempt(on: connection, statements(for: probe, table: "probe_\(i)")))
        }
        let read = try Reflector().reflect(schema: scratch, on: connection) ?? SchemaState()
        var texts: [String?] = []
        for (i, probe) in probes.enumerated() {
            texts.append(made[i] ? text(of: probe, in: read.table(named: "probe_\(i)"), table: "probe_\(i)") : nil)
        }
        return texts
    }

    /// The probe's text as read back from its table.
    static func text(of probe: Probe, in table: TableState?, table name: String) -> String? {
        guard let table else { return nil }
        switch probe.item {
        case .defaultValue(let column): return table.column(named: column)?.defaultExpression
        case .generated(let column): return table.column(named: column)?.generated
        case .check: return table.constraint(named: name + "_check")?.definition
        case .index: return table.index(named: name + "_index")?.definition
        }
    }

    /// Runs `statements` under a savepoint; false (and rolled back to it) when
    /// the server rejects one.
    @discardableResult
    static func attempt(on connection: Connection, _ statements: [String]) throws -> Bool {
        try connection.execute("SAVEPOINT tenantplan_probe")
        for sql in statements {
            if let error = failure(of: sql, on: connection) {
                if error.kind == .connection { throw error }
                try connection.execute("ROLLBACK TO SAVEPOINT tenantplan_probe")
                return false
            }
        }
        try connection.execute("RELEASE SAVEPOINT tenantplan_probe")
        return true
    }

    /// The server's error for `sql`, nil when it runs.
    static func failure(of sql: String, on connection: Connection) -> PostgresError? {
        do {
            try connection.execute(sql)
            return nil
        } catch {
            return error
        }
    }

    /// `CREATE TABLE` of the probe's columns, then its text.
    static func statements(for probe: Probe, table: String) -> [String] {
        let name = quoteIdentifier(table)
        let columns = probe.columns.map { c -> String in
            var line = "\(quoteIdentifier(c.name)) \(c.type)"
            if let collation = c.collation { line += " COLLATE \(collation)" }
            switch probe.item {
            case .defaultValue(let column) where column == c.name: line += " DEFAULT \(probe.text)"
            case .generated(let column) where column == c.name: line += " GENERATED ALWAYS AS (\(probe.text)) STORED"
            default: break
            }
            return line
        }
        var sql = ["CREATE TABLE \(name) (\(columns.joined(separator: ", ")))"]
        switch probe.item {
        case .check:
            sql.append("ALTER TABLE \(name) ADD CONSTRAINT \(quoteIdentifier(table + "_check")) \(probe.text)")
        case .index:
            // `UNIQUE USING btree (...)`: the head without the index and table names.
            var tail = Substring(probe.text)
            let unique = tail.hasPrefix("UNIQUE ")
            if unique { tail = tail.dropFirst("UNIQUE ".count) }
            sql.append("CREATE \(unique ? "UNIQUE " : "")INDEX \(quoteIdentifier(table + "_index")) ON \(name) \(tail)")
        case .defaultValue, .generated:
            break
        }
        return sql
    }
}
