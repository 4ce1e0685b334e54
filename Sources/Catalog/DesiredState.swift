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
        try checkRoles(of: declaration, on: connection)
        do {
            return try realise(declaration, in: scratch, probingDefaults: probingDefaults, on: connection)
        } catch ScratchDenied.denied {
            throw try MissingPrivilege.createOnDatabase(on: connection)
        }
    }

    /// The scratch schema could not be created: the role lacks `CREATE` on the database.
    enum ScratchDenied: Error { case denied }

    /// Creates the scratch schema `name` in a transaction of `connection`, and
    /// makes it the `search_path`; throws `ScratchDenied` on SQLSTATE 42501.
    static func createScratch(_ name: String, on connection: Connection) throws {
        if let error = failure(of: "CREATE SCHEMA \(quoteIdentifier(name))", on: connection) {
            if error.sqlState == "42501" { throw ScratchDenied.denied }
            throw error
        }
        try connection.execute("SELECT set_config('search_path', $1, true)", [quoteIdentifier(name)])
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

    private static func realise(_ declaration: Declaration, in scratch: String, probingDefaults: Bool,
                                on connection: Connection) throws -> (state: SchemaState, rewritingDefaults: Set<String>) {
        try connection.withRollback {
            try createScratch(scratch, on: connection)
            var routines: [String] = []
            let order = try createInDependencyOrder(Differ.creation(of: declaration), file: declaration.file,
                                                    scratch: scratch,
                                                    on: connection) { op in
                if case .createFunction(let function) = op {
                    routines = try checkCreatesOne(function, after: routines, in: scratch, on: connection,
                                                   file: declaration.file)
                }
            }
            var state = try Reflector().reflect(schema: scratch, on: connection) ?? SchemaState()
            state.creationOrder = order
            guard probingDefaults else { return (state, []) }
            try connection.execute("SELECT set_config('search_path', $1, true)", [quoteIdentifier(scratch)])
            var rewriting: Set<String> = []
            for table in declaration.tables {
                for column in table.columns where column.generated == nil && column.identity == nil && !column.isSerial {
                    guard let expression = column.defaultExpression, expression.contains("(") else { continue }
                    let probe = "tenantplan_probe_\(rewriting.count)_\(UInt32.random(in: 0...UInt32.max))"
                    // Under a savepoint: a default that errors here (it calls a
                    // declared function that reads a table or sequence the scratch
                    // schema does not have) counts as rewriting, and the plan goes on.
                    try connection.execute("SAVEPOINT tenantplan_probe")
                    do {
                        try connection.execute("CREATE TABLE \(quoteIdentifier(probe)) (x integer)")
                        try connection.execute("INSERT INTO \(quoteIdentifier(probe)) VALUES (1)")
                        let before = try connection.query("SELECT pg_relation_filenode($1::regclass)::text",
                                                          [quoteIdentifier(probe)]).scalar
                        try connection.execute("ALTER TABLE \(quoteIdentifier(probe)) ADD COLUMN "
                                               + Step.columnDefinition(ColumnDeclaration(name: "c", type: column.type,
                                                                                         defaultExpression: expression)))
                        let after = try connection.query("SELECT pg_relation_filenode($1::regclass)::text",
                                                         [quoteIdentifier(probe)]).scalar
                        if before != after { rewriting.insert(table.name + "." + column.name) }
                        try connection.execute("DROP TABLE \(quoteIdentifier(probe))")
                        try connection.execute("RELEASE SAVEPOINT tenantplan_probe")
                    } catch {
                        try connection.execute("ROLLBACK TO SAVEPOINT tenantplan_probe")
                        try connection.execute("RELEASE SAVEPOINT tenantplan_probe")
                        rewriting.insert(table.name + "." + column.name)
                    }
                }
            }
            return (state, rewriting)
        }
    }

    /// The routines of the scratch schema after `function`'s statement ran,
    /// which must be those before it and one more, named as its key: a `sql:`
    /// that creates anything else (another name, another schema) is an error at
    /// the key. (The extended query protocol already refuses a second statement.)
    static func checkCreatesOne(_ function: FunctionDeclaration, after before: [String], in scratch: String,
                                on connection: Connection, file: String) throws -> [String] {
        let now = try connection.query(
            "SELECT p.oid::int8::text, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                + "WHERE n.nspname = $1 ORDER BY 1", [scratch]).rows
        let known = Set(before)
        let new = now.filter { !known.contains($0[0] ?? "") }.map { $0[1] ?? "" }
        guard new != [function.name] else { return now.map { $0[0] ?? "" } }
        let what = new.isEmpty
            ? "creates no function named '\(function.name)' in the tenant schema (a qualified name creates it elsewhere)"
            : "creates \(new.map { "'\($0)'" }.joined(separator: ", ")), not '\(function.name)'"
        let source = function.sourceFile.map { "the file '\($0)' of " } ?? ""
        let error = InputError(
            "\(source)function '\(function.name)' \(what)",
            at: function.location ?? SourceLocation(file: file, line: 1, column: 1),
            hint: "the SQL of a key creates exactly one function of the key's name, unqualified: "
                + "CREATE FUNCTION \(function.name)(...); rename the key or the function")
        throw InputErrors([error])
    }

    /// Maps a server error on a creation statement back to `schema.yaml`.
    static func inputError(for op: Step, _ error: PostgresError, file: String) -> InputError {
        var location = op.location
        if case .createTable(let table) = op, let position = error.position {
            location = locate(position: position, in: op.sql, table: table) ?? location
        }
        if case .createFunction(let function) = op, let position = error.position {
            location = function.location(ofPosition: position) ?? location
        }
        if case .createView(let view) = op, let position = error.position,
           let range = op.sql.range(of: view.query) {
            let head = op.sql.unicodeScalars.distance(from: op.sql.startIndex, to: range.lowerBound)
            location = view.location(ofQueryPosition: position - head) ?? location
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
        if let key = table.partitionBy, let range = sql.range(of: ") PARTITION BY " + key, options: .backwards),
           upto >= sql.unicodeScalars.distance(from: sql.startIndex, to: range.lowerBound) {
            return table.partitionByLocation ?? table.location
        }
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
        constraints += table.exclusions.map(\.location)
        let index = item - table.columns.count
        return index < constraints.count ? constraints[index] : table.location
    }
}
