import Plan
import Postgres
import State

extension DesiredState {
    /// What the server says when a statement names something that does not
    /// exist yet: undefined table (a view, too), function, or type.
    static let notYetDefined: Set<String> = ["42P01", "42883", "42704"]

    /// Runs the creation steps `ops` in the open transaction, views and
    /// functions in an order the server accepts, whatever their order in
    /// `schema.yaml`: one that fails because something it reads does not exist
    /// yet is set aside (under a savepoint) and tried again after each later
    /// view or function that succeeds. Returns the order in which views and
    /// functions were created (`SchemaState.creationOrder`). Nothing parses
    /// SQL: the server's own errors decide.
    ///
    /// Anything else set aside must have succeeded before the next other step
    /// (a table, a trigger, a comment); if not, or if the server rejects a
    /// statement for another reason, the declaration is rejected at its line.
    /// `created` runs after each step that succeeds. Statements are rendered
    /// for `scratch` (grants on the schema and default privileges name it).
    static func createInDependencyOrder(_ ops: [Step], file: String, scratch: String, on connection: Connection,
                                        created: (Step) throws -> Void) throws -> [String] {
        var order: [String] = []
        var pending: [(unit: [Step], error: PostgresError)] = []
        func reject(_ op: Step, _ error: PostgresError) -> Error {
            PlanningError.declarationRejected(inputError(for: op, error, file: file), server: error)
        }
        /// Runs `unit` under a savepoint: nil when it ran, else the error.
        func attempt(_ unit: [Step]) throws -> PostgresError? {
            try connection.execute("SAVEPOINT tenantplan_order")
            for op in unit {
                if let error = failure(of: op.change().statement(tenant: scratch), on: connection) {
                    try connection.execute("ROLLBACK TO SAVEPOINT tenantplan_order")
                    try connection.execute("RELEASE SAVEPOINT tenantplan_order")
                    return error
                }
                try created(op)
            }
            try connection.execute("RELEASE SAVEPOINT tenantplan_order")
            if let key = unit.first?.orderKey { order.append(key) }
            return nil
        }
        /// Retries what was set aside until nothing more succeeds.
        func retry() throws {
            var progress = true
            while progress {
                progress = false
                for (i, item) in pending.enumerated() {
                    if let error = try attempt(item.unit) {
                        pending[i].error = error
                    } else {
                        pending.remove(at: i)
                        progress = true
                        break
                    }
                }
            }
        }
        for unit in units(of: ops) {
            guard unit.first?.orderKey != nil else {
                if let first = pending.first { throw reject(first.unit[0], first.error) }
                for op in unit {
                    if let error = failure(of: op.change().statement(tenant: scratch), on: connection) { throw reject(op, error) }
                    try created(op)
                }
                continue
            }
            if let error = try attempt(unit) {
                guard notYetDefined.contains(error.sqlState) else { throw reject(unit[0], error) }
                pending.append((unit, error))
            } else {
                try retry()
            }
        }
        if let first = pending.first { throw reject(first.unit[0], first.error) }
        return order
    }

    /// `ops` in units: a view with its indexes; each other step alone.
    static func units(of ops: [Step]) -> [[Step]] {
        var units: [[Step]] = []
        for op in ops {
            if case .createViewIndex(let view, _) = op, case .createView(let v)? = units.last?.first, v.name == view {
                units[units.count - 1].append(op)
            } else {
                units.append([op])
            }
        }
        return units
    }
}

extension Step {
    /// `view:name` or `function:name` for the steps whose order the server
    /// decides (`DesiredState.createInDependencyOrder`); nil for the others.
    var orderKey: String? {
        switch self {
        case .createView(let v): "view:\(v.name)"
        case .createFunction(let f): "function:\(f.name)"
        default: nil
        }
    }
}
