import Foundation
import Plan
import Postgres
import SQLSyntax
import State

/// The declaration in the server's own canonical form.
///
/// The declaration is realised in a scratch schema inside a transaction that is
/// always rolled back, and read back with the same `Reflector` that reads
/// tenants. Types, defaults and expressions are therefore compared as the server
/// renders them, with no hand-written normalisation of SQL text. A statement the
/// server rejects (`bigintt`, `now(`) becomes an `InputError` at the line of
/// `schema.yaml` it came from, before any tenant is touched.
public enum DesiredState {
    public static func realise(_ declaration: Declaration, on connection: Connection) throws -> SchemaState {
        try realise(declaration, probingDefaults: false, on: connection).state
    }

    /// The desired state, and (with `probingDefaults`) the columns, as
    /// `table.column`, whose declared default makes `ADD COLUMN` rewrite a
    /// table that holds rows: a volatile default (`clock_timestamp()`,
    /// `gen_random_uuid()`) is evaluated for every row.
    ///
    /// The server decides, not a list of function names: in the scratch
    /// schema, each such default is added to a one-row probe table and the
    /// table's `relfilenode` compared before and after (a rewrite gives it a
    /// new one). Only defaults that call something are probed.
    public static func realise(_ declaration: Declaration, probingDefaults: Bool,
                               on connection: Connection) throws -> (state: SchemaState, rewritingDefaults: Set<String>) {
        let scratch = "\(ReservedSchemas.toolPrefix)_scratch_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        return try connection.withRollback {
            try connection.execute("CREATE SCHEMA \(quoteIdentifier(scratch))")
            try connection.execute("SELECT set_config('search_path', $1, true)", [quoteIdentifier(scratch)])
            for op in Differ.creation(of: declaration) {
                do {
                    try connection.execute(op.sql)
                } catch let error as PostgresError {
                    throw PlanningError.declarationRejected(inputError(for: op, error, file: declaration.file), server: error)
                }
            }
            let state = try Reflector().reflect(schema: scratch, on: connection) ?? SchemaState()
            guard probingDefaults else { return (state, []) }
            try connection.execute("SELECT set_config('search_path', $1, true)", [quoteIdentifier(scratch)])
            var rewriting: Set<String> = []
            for table in declaration.tables {
                for column in table.columns where column.generated == nil && column.identity == nil && !column.isSerial {
                    guard let expression = column.defaultExpression, expression.contains("(") else { continue }
                    let probe = "tenantplan_probe_\(rewriting.count)_\(UInt32.random(in: 0...UInt32.max))"
                    try connection.execute("CREATE TABLE \(quoteIdentifier(probe)) (x integer)")
                    try connection.execute("INSERT INTO \(quoteIdentifier(probe)) VALUES (1)")
                    let before = try connection.query("SELECT pg_relation_filenode($1::regclass)::text", [quoteIdentifier(probe)]).scalar
                    try connection.execute("ALTER TABLE \(quoteIdentifier(probe)) ADD COLUMN "
                                           + Step.columnDefinition(ColumnDeclaration(name: "c", type: column.type,
                                                                                     defaultExpression: expression)))
                    let after = try connection.query("SELECT pg_relation_filenode($1::regclass)::text", [quoteIdentifier(probe)]).scalar
                    if before != after { rewriting.insert(table.name + "." + column.name) }
                    try connection.execute("DROP TABLE \(quoteIdentifier(probe))")
                }
            }
            return (state, rewriting)
        }
    }

    /// Maps a server error on a creation statement back to `schema.yaml`.
    static func inputError(for op: Step, _ error: PostgresError, file: String) -> InputError {
        var location = op.location
        if case .createTable(let table) = op, let position = error.position {
            location = locate(position: position, in: op.sql, table: table) ?? location
        }
        let message = "PostgreSQL rejects this declaration: \(error.summary)"
        var hint = "fix \(op.object) in \(file)"
        if let serverHint = error.hint { hint += "; PostgreSQL says: \(serverHint)" }
        var detail = error.detail.map { $0 + "; " } ?? ""
        detail += "statement: \(op.sql.replacingOccurrences(of: "\n", with: " "))"
        if let location { return InputError(message, at: location, detail: detail, hint: hint) }
        return InputError(message, file: file, detail: detail, hint: hint)
    }

    /// The declaration element at a 1-based character position of a `CREATE TABLE`
    /// statement, which renders one column or constraint per line.
    static func locate(position: Int, in sql: String, table: TableDeclaration) -> SourceLocation? {
        let chars = Array(sql.unicodeScalars)
        let upto = min(max(0, position - 1), chars.count)
        let line = chars[..<upto].filter { $0 == "\n" }.count
        guard line >= 1 else { return table.location }
        let lineStart = chars[..<upto].lastIndex(of: "\n").map { $0 + 1 } ?? 0
        let offset = upto - lineStart
        let text = String(String.UnicodeScalarView(chars[lineStart...].prefix { $0 != "\n" }))
        let item = line - 1
        if item < table.columns.count {
            let column = table.columns[item]
            func covers(_ fragment: String?) -> Bool {
                guard let fragment, let range = text.range(of: fragment) else { return false }
                let low = text.unicodeScalars.distance(from: text.startIndex, to: range.lowerBound)
                return offset >= low && offset <= low + fragment.unicodeScalars.count
            }
            if covers(column.defaultExpression), let l = column.fieldLocations["default"] { return l }
            if covers(column.generated), let l = column.fieldLocations["generated"] { return l }
            if covers(column.collation), let l = column.fieldLocations["collation"] { return l }
            return column.fieldLocations["type"] ?? column.location
        }
        var constraints: [SourceLocation?] = []
        if let pk = table.primaryKey { constraints.append(pk.location) }
        constraints += table.uniques.map(\.location)
        constraints += table.checks.map(\.location)
        let index = item - table.columns.count
        return index < constraints.count ? constraints[index] : table.location
    }
}
