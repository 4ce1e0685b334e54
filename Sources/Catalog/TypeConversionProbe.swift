import Foundation
import Plan
import Postgres
import SQLSyntax
import State
import Synchronization

/// Finds out how a column's values convert to its new type by trying the
/// change on the server, on an empty scratch table, in a transaction that is
/// always rolled back.
///
/// The table is the declared one with plain columns (no defaults, keys or
/// expressions), the column first put back to the tenant's old type. Then
/// `ALTER COLUMN ... TYPE new` alone (PostgreSQL's assignment cast), else with
/// `USING "column"::new` (an explicit cast), else nothing converts. A declared
/// `using:` is tried as written instead. PostgreSQL's own rules decide, for
/// arrays, enums and domains alike; what the server refuses becomes an
/// `InputError` at the line of `schema.yaml`, so that a plan never holds a
/// type change that fails on every tenant (42804).
///
/// One result per table, column and old type, cached. Probes run on a
/// connection of their own, opened when first needed; `close()` ends it.
/// When the old type cannot be made in the scratch schema (a type only the
/// tenant has), the change is left to PostgreSQL as before: automatic, or the
/// declared `using:`.
public final class TypeConversionProbe: TypeConversionOracle, Sendable {
    struct Key: Hashable {
        var table: String
        var column: String
        var old: String
    }

    struct Probes {
        var connection: Connection?
        var failedToConnect = false
        var results: [Key: TypeConversion] = [:]
        var errors: [InputError] = []
    }

    let declaration: Declaration
    let connect: @Sendable () throws -> Connection
    let probes: Mutex<Probes>

    public init(declaration: Declaration, connect: @escaping @Sendable () throws -> Connection) {
        self.declaration = declaration
        self.connect = connect
        self.probes = Mutex(Probes())
    }

    /// The errors found so far: type changes nothing converts, `using:` the server refuses.
    public var errors: [InputError] {
        probes.withLock { $0.errors }
    }

    public func close() {
        probes.withLock { p in
            p.connection?.close()
            p.connection = nil
        }
    }

    public func conversion(table: String, column: ColumnDeclaration, from old: String) -> TypeConversion {
        let fallback: TypeConversion = column.using == nil ? .automatic : .declared
        return probes.withLock { p in
            let key = Key(table: table, column: column.name, old: old)
            if let known = p.results[key] { return known }
            if p.connection == nil && !p.failedToConnect {
                do { p.connection = try connect() } catch { p.failedToConnect = true }
            }
            // `try?` flattens the probe's own nil (it cannot tell) into a failure:
            // both give the fallback, uncached.
            guard let connection = p.connection,
                  let conversion = try? probe(table: table, column: column, old: old, on: connection) else {
                return fallback
            }
            p.results[key] = conversion
            if case .impossible = conversion, let error = inputError(table: table, column: column, old: old,
                                                                     conversion: conversion) {
                p.errors.append(error)
            }
            return conversion
        }
    }

    /// Nil when the probe cannot tell (the old type or the table cannot be made).
    func probe(table: String, column: ColumnDeclaration, old: String, on connection: Connection) throws -> TypeConversion? {
        guard let declared = declaration.table(named: table) else { return nil }
        let scratch = "\(ReservedSchemas.toolPrefix)_probe_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let q = quoteIdentifier
        let type = PostgresTypeName.serialType(named: column.type)?.integerType ?? column.type
        let alter = "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column.name)) TYPE \(type)"
        return try connection.withRollback {
            try connection.execute("CREATE SCHEMA \(q(scratch))")
            try connection.execute("SELECT set_config('search_path', $1, true)", [q(scratch)])
            do {
                for e in declaration.enums { try connection.execute(Step.createEnum(e).sql) }
                let columns = declared.columns.map { c in
                    ColumnDeclaration(name: c.name, type: PostgresTypeName.serialType(named: c.type)?.integerType ?? c.type,
                                      collation: c.collation)
                }
                try connection.execute(Step.createTable(TableDeclaration(name: table, columns: columns)).sql)
                try connection.execute("ALTER TABLE \(q(table)) ALTER COLUMN \(q(column.name)) TYPE \(old) USING NULL")
            } catch {
                return nil
            }
            func tries(_ sql: String) -> PostgresError? {
                do {
                    try connection.execute("SAVEPOINT tenantplan_probe")
                    try connection.execute(sql)
                    try connection.execute("RELEASE SAVEPOINT tenantplan_probe")
                    return nil
                } catch {
                    _ = try? connection.execute("ROLLBACK TO SAVEPOINT tenantplan_probe")
                    return error
                }
            }
            if let using = column.using {
                guard let error = tries(alter + " USING \(using)") else { return .declared }
                return .impossible("PostgreSQL rejects using: of column \(table).\(column.name) "
                                   + "(from \(old) to \(column.type)): \(error.summary)")
            }
            if tries(alter) == nil { return .automatic }
            if tries(alter + " USING \(q(column.name))::\(type)") == nil { return .explicitCast }
            return .impossible("column \(table).\(column.name) cannot change from \(old) to \(column.type): "
                               + "PostgreSQL has no cast between them")
        }
    }

    func inputError(table: String, column: ColumnDeclaration, old: String, conversion: TypeConversion) -> InputError? {
        guard case .impossible(let reason) = conversion else { return nil }
        let file = declaration.file
        if column.using != nil {
            let hint = "fix the expression: it computes the new value from the row, as in "
                + "ALTER TABLE \(quoteIdentifier(table)) ALTER COLUMN \(quoteIdentifier(column.name)) TYPE "
                + "\(column.type) USING <expression>"
            if let location = column.fieldLocations["using"] ?? column.location {
                return InputError(reason, at: location, hint: hint)
            }
            return InputError(reason, file: file, hint: hint)
        }
        let hint = "add using: with an SQL expression that computes the new value from the old one, "
            + "e.g. using: \"\(column.name)::text::\(column.type)\", or keep the type \(old)"
        if let location = column.fieldLocations["type"] ?? column.location {
            return InputError(reason, at: location, hint: hint)
        }
        return InputError(reason, file: file, hint: hint)
    }
}
