import Foundation
import Plan
import Postgres
import SQLSyntax
import State

extension Importer {
    /// The declaration with each text (default, generated expression, check, index
    /// columns and predicate) in the form that PostgreSQL prints back unchanged.
    ///
    /// What the server prints for a tenant's check is not always what it prints
    /// once that text is realised again (`(status)::text = ANY ((ARRAY[...])::text[])`
    /// becomes `ARRAY[(...)::text, ...]`). A file holding the first form would give
    /// new tenants a text that differs from the file's. So the declaration is
    /// realised in a scratch schema (rolled back), imported from there again, and
    /// its texts taken from that import, until they stop changing: the fixed point,
    /// which new tenants get exactly. Existing tenants keep their own texts, which
    /// `plan` compares in canonical form (`Canonicaliser`).
    static func roundTripped(_ declaration: Declaration, file: String, on connection: Connection) throws -> Declaration {
        var current = declaration
        for _ in 0..<Canonicaliser.maxRounds {
            guard let again = try reimport(current, file: file, on: connection) else { return current }
            let next = adoptingTexts(of: again, into: current)
            if next == current { return current }
            current = next
        }
        return current
    }

    /// `declaration` realised in a scratch schema and imported from there; nil when
    /// the server rejects it (the verification that follows says what).
    static func reimport(_ declaration: Declaration, file: String, on connection: Connection) throws -> Declaration? {
        let scratch = "\(ReservedSchemas.toolPrefix)_import_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        do {
            return try connection.withRollback { () throws -> Declaration? in
                try DesiredState.createScratch(scratch, on: connection)
                do {
                    _ = try DesiredState.createInDependencyOrder(Differ.creation(of: declaration), file: file, scratch: scratch,
                                                                 on: connection) { _ in }
                } catch is PlanningError {
                    return nil
                }
                guard let catalog = try read(tenant: scratch, on: connection) else { return nil }
                return build(catalog, file: file).declaration
            }
        } catch DesiredState.ScratchDenied.denied {
            throw try MissingPrivilege.createOnDatabase(on: connection)
        }
    }

    /// `declaration` with the texts `again` says differently for the same objects.
    static func adoptingTexts(of again: Declaration, into declaration: Declaration) -> Declaration {
        var d = declaration
        for v in d.views.indices {
            if let other = again.view(named: d.views[v].name) { d.views[v].query = other.query }
        }
        for t in d.tables.indices {
            guard let other = again.table(named: d.tables[t].name) else { continue }
            for c in d.tables[t].columns.indices {
                guard let o = other.column(named: d.tables[t].columns[c].name) else { continue }
                if d.tables[t].columns[c].defaultExpression != nil, let text = o.defaultExpression {
                    d.tables[t].columns[c].defaultExpression = text
                }
                if d.tables[t].columns[c].generated != nil, let text = o.generated {
                    d.tables[t].columns[c].generated = text
                }
            }
            if d.tables[t].partitionBy != nil, let key = other.partitionBy { d.tables[t].partitionBy = key }
            for p in d.tables[t].partitions.indices {
                if let o = other.partitions.first(where: { $0.name == d.tables[t].partitions[p].name }) {
                    d.tables[t].partitions[p].bound = o.bound
                }
            }
            for k in d.tables[t].checks.indices {
                if let o = other.checks.first(where: { $0.name == d.tables[t].checks[k].name }) {
                    d.tables[t].checks[k].expression = o.expression
                }
            }
            for x in d.tables[t].exclusions.indices {
                if let o = other.exclusions.first(where: { $0.name == d.tables[t].exclusions[x].name }),
                   o.elements.count == d.tables[t].exclusions[x].elements.count {
                    d.tables[t].exclusions[x].elements = o.elements
                    d.tables[t].exclusions[x].predicate = o.predicate
                }
            }
            for i in d.tables[t].indexes.indices {
                let index = d.tables[t].indexes[i]
                if let o = other.indexes.first(where: { $0.name == index.name }), o.unique == index.unique,
                   o.method == index.method, o.include == index.include, o.columns.count == index.columns.count {
                    d.tables[t].indexes[i].columns = o.columns
                    d.tables[t].indexes[i].predicate = o.predicate
                }
            }
        }
        return d
    }
}
