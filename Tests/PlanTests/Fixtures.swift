import Plan
import State

/// The declaration of the contract's example (docs/schema-yaml.md), and its desired state written by hand
/// the way PostgreSQL renders it (`format_type`, `pg_get_expr`,
/// `pg_get_constraintdef`, the tail of `pg_get_indexdef`).
enum Shop {
    static let orderStatus = EnumDeclaration(name: "order_status", values: ["pending", "paid", "shipped", "cancelled"])

    static let customers = TableDeclaration(
        name: "customers",
        columns: [
            ColumnDeclaration(name: "id", type: "bigint", identity: .always),
            ColumnDeclaration(name: "email", type: "text", nullable: false),
            ColumnDeclaration(name: "name", type: "varchar(200)"),
            ColumnDeclaration(name: "created_at", type: "timestamptz", nullable: false, defaultExpression: "now()"),
        ],
        primaryKey: KeyDeclaration(name: "customers_pkey", columns: ["id"]),
        uniques: [KeyDeclaration(name: "customers_email_key", columns: ["email"])],
        indexes: [
            IndexDeclaration(name: "customers_created_at_idx", columns: ["created_at"]),
            IndexDeclaration(name: "customers_lower_email_idx", columns: ["lower(email)"], unique: true,
                             predicate: "email is not null"),
        ],
        comment: "People who buy things")

    static let orders = TableDeclaration(
        name: "orders",
        columns: [
            ColumnDeclaration(name: "id", type: "bigint", identity: .byDefault),
            ColumnDeclaration(name: "customer_id", type: "bigint", nullable: false),
            ColumnDeclaration(name: "status", type: "order_status", nullable: false, defaultExpression: "'pending'"),
            ColumnDeclaration(name: "total", type: "numeric(12,2)", nullable: false, defaultExpression: "0",
                              comment: "Including tax"),
            ColumnDeclaration(name: "shipped_on", type: "date"),
            ColumnDeclaration(name: "plan_id", type: "integer"),
        ],
        primaryKey: KeyDeclaration(name: "orders_pkey", columns: ["id"]),
        foreignKeys: [
            ForeignKeyDeclaration(name: "orders_customer_id_fkey", columns: ["customer_id"],
                                  referencedTable: "customers", referencedColumns: ["id"], onDelete: .cascade),
            ForeignKeyDeclaration(name: "orders_plan_id_fkey", columns: ["plan_id"], referencedSchema: "public",
                                  referencedTable: "plans", referencedColumns: ["id"]),
        ],
        checks: [CheckDeclaration(name: "orders_total_check", expression: "total >= 0")])

    static let declaration = Declaration(file: "schema.yaml", enums: [orderStatus], tables: [customers, orders])

    static let orderStatusState = EnumState(name: "order_status", labels: ["pending", "paid", "shipped", "cancelled"])

    static let customersState = TableState(
        name: "customers",
        comment: "People who buy things",
        columns: [
            ColumnState(name: "id", type: "bigint", notNull: true, identity: .always),
            ColumnState(name: "email", type: "text", notNull: true),
            ColumnState(name: "name", type: "character varying(200)"),
            ColumnState(name: "created_at", type: "timestamp with time zone", notNull: true, defaultExpression: "now()"),
        ],
        constraints: [
            ConstraintState(name: "customers_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)"),
            ConstraintState(name: "customers_email_key", kind: .unique, definition: "UNIQUE (email)"),
        ],
        indexes: [
            IndexState(name: "customers_created_at_idx", definition: "USING btree (created_at)"),
            IndexState(name: "customers_lower_email_idx",
                       definition: "UNIQUE USING btree (lower(email)) WHERE email IS NOT NULL"),
        ])

    static let ordersState = TableState(
        name: "orders",
        columns: [
            ColumnState(name: "id", type: "bigint", notNull: true, identity: .byDefault),
            ColumnState(name: "customer_id", type: "bigint", notNull: true),
            ColumnState(name: "status", type: "order_status", notNull: true,
                        defaultExpression: "'pending'::order_status"),
            ColumnState(name: "total", type: "numeric(12,2)", notNull: true, defaultExpression: "0",
                        comment: "Including tax"),
            ColumnState(name: "shipped_on", type: "date"),
            ColumnState(name: "plan_id", type: "integer"),
        ],
        constraints: [
            ConstraintState(name: "orders_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)"),
            ConstraintState(name: "orders_customer_id_fkey", kind: .foreignKey,
                            definition: "FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE"),
            ConstraintState(name: "orders_plan_id_fkey", kind: .foreignKey,
                            definition: "FOREIGN KEY (plan_id) REFERENCES public.plans(id)"),
            ConstraintState(name: "orders_total_check", kind: .check, definition: "CHECK (total >= 0::numeric)"),
        ])

    static let desired = SchemaState(enums: [orderStatusState], tables: [customersState, ordersState])

    static func differ(allowDestructive: Bool = false) -> Differ {
        Differ(declaration: declaration, desired: desired, allowDestructive: allowDestructive)
    }
}

// MARK: - Editing states and declarations in tests

extension SchemaState {
    /// A copy with table `name` edited; traps when there is no such table, so that
    /// a typo in a test cannot silently build the wrong state.
    func editing(_ name: String, _ body: (inout TableState) -> Void) -> SchemaState {
        var copy = self
        guard let i = copy.tables.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("no table \(name) in the state")
        }
        body(&copy.tables[i])
        return copy
    }

    func editingEnum(_ name: String, _ body: (inout EnumState) -> Void) -> SchemaState {
        var copy = self
        guard let i = copy.enums.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("no enum \(name) in the state")
        }
        body(&copy.enums[i])
        return copy
    }
}

extension TableState {
    mutating func editColumn(_ name: String, _ body: (inout ColumnState) -> Void) {
        guard let i = columns.firstIndex(where: { $0.name == name }) else { preconditionFailure("no column \(name)") }
        body(&columns[i])
    }

    mutating func editConstraint(_ name: String, _ body: (inout ConstraintState) -> Void) {
        guard let i = constraints.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("no constraint \(name)")
        }
        body(&constraints[i])
    }

    mutating func editIndex(_ name: String, _ body: (inout IndexState) -> Void) {
        guard let i = indexes.firstIndex(where: { $0.name == name }) else { preconditionFailure("no index \(name)") }
        body(&indexes[i])
    }
}

extension Declaration {
    func editing(_ name: String, _ body: (inout TableDeclaration) -> Void) -> Declaration {
        var copy = self
        guard let i = copy.tables.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("no table \(name) in the declaration")
        }
        body(&copy.tables[i])
        return copy
    }
}

extension TableDeclaration {
    mutating func editColumn(_ name: String, _ body: (inout ColumnDeclaration) -> Void) {
        guard let i = columns.firstIndex(where: { $0.name == name }) else { preconditionFailure("no column \(name)") }
        body(&columns[i])
    }
}

extension Diff {
    var sql: [String] { changes.map(\.sql) }
    var ops: [String] { changes.map(\.op.rawValue) }
}

/// A one-table schema for column-level tests: `items`, declared with `declared`
/// and realised as `want`; the tenant has `have`.
struct ItemsTable {
    var declared: [ColumnDeclaration]
    var want: [ColumnState]
    var have: [ColumnState]

    var declaration: Declaration {
        Declaration(file: "schema.yaml", tables: [TableDeclaration(name: "items", columns: declared)])
    }
    var desired: SchemaState { SchemaState(tables: [TableState(name: "items", columns: want)]) }
    var actual: SchemaState { SchemaState(tables: [TableState(name: "items", columns: have)]) }

    func diff(allowDestructive: Bool = false) -> Diff {
        Differ(declaration: declaration, desired: desired, allowDestructive: allowDestructive).diff(actual: actual)
    }
}
