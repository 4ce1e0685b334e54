import State

/// A declaration that uses every construct `schema.yaml` allows, and the same
/// design written by hand as plain DDL, which the tests use as the reference
/// that tenantplan's result must equal.
enum RichSchema {
    static let yaml = #"""
        version: 1
        enums:
          order_status: [pending, paid, shipped, cancelled]
        tables:
          customers:
            comment: "People who buy things; it's a \"test\" -- not SQL"
            columns:
              id:         { type: bigint, identity: always }
              email:      { type: text, nullable: false }
              name:       { type: varchar(200), comment: Display name }
              handle:     { type: text, collation: "C" }
              tags:       { type: "text[]", nullable: false, default: "'{}'" }
              created_at: { type: timestamptz, nullable: false, default: now() }
              plan_id:    { type: integer }
            primary_key: [id]
            unique:
              customers_email_key: [email]
            indexes:
              customers_lower_email_idx: { columns: ["lower(email)"], unique: true, where: "email is not null" }
              customers_created_at_idx:  { columns: [created_at DESC] }
              customers_tags_idx:        { columns: [tags], using: gin }
            foreign_keys:
              customers_plan_id_fkey:
                columns: [plan_id]
                references: { schema: public, table: plans, columns: [id] }
          orders:
            columns:
              id:          { type: bigint, identity: by_default }
              customer_id: { type: bigint, nullable: false }
              status:      { type: order_status, nullable: false, default: "'pending'" }
              quantity:    { type: integer, nullable: false, default: "1" }
              unit_price:  { type: "numeric(12,2)", nullable: false, default: "0" }
              total:       { type: "numeric(12,2)", nullable: false, default: "0" }
              line_total:  { type: "numeric(14,2)", generated: "quantity * unit_price" }
              note:        { type: text, comment: Free text }
              placed_at:   { type: timestamptz, nullable: false, default: now() }
              referrer_id: { type: bigint }
            primary_key: { name: orders_pk, columns: [id] }
            foreign_keys:
              orders_customer_id_fkey:
                columns: [customer_id]
                references: { table: customers, columns: [id] }
                on_delete: cascade
              orders_referrer_id_fkey:
                columns: [referrer_id]
                references: { table: customers, columns: [id] }
                on_delete: set null
            indexes:
              orders_customer_id_idx: { columns: [customer_id], include: [total] }
              orders_open_idx:        { columns: [placed_at], where: "status in ('pending', 'paid')" }
            checks:
              orders_total_check:    "total >= 0"
              orders_quantity_check: "quantity > 0"
          events:
            columns:
              id:      { type: bigserial }
              seq:     { type: serial, nullable: false }
              kind:    { type: varchar(50), nullable: false, default: "'note'" }
              payload: { type: jsonb, nullable: false, default: "'{}'" }
            primary_key: [id]
            unique:
              events_kind_seq_key: [kind, seq]
            indexes:
              events_payload_idx: { columns: [payload], using: gin }
        """#

    static func declaration() throws -> Declaration {
        try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml")
    }

    static let allLabels = ["pending", "paid", "shipped", "cancelled"]

    static func enumDDL(_ labels: [String] = allLabels) -> [String] {
        ["CREATE TYPE order_status AS ENUM (\(labels.map { "'\($0)'" }.joined(separator: ", ")))"]
    }

    static let customersDDL = [
        """
        CREATE TABLE customers (
            id bigint GENERATED ALWAYS AS IDENTITY,
            email text NOT NULL,
            name character varying(200),
            handle text COLLATE "C",
            tags text[] NOT NULL DEFAULT '{}',
            created_at timestamp with time zone NOT NULL DEFAULT now(),
            plan_id integer,
            CONSTRAINT customers_pkey PRIMARY KEY (id),
            CONSTRAINT customers_email_key UNIQUE (email)
        )
        """,
        "CREATE UNIQUE INDEX customers_lower_email_idx ON customers (lower(email)) WHERE email IS NOT NULL",
        "CREATE INDEX customers_created_at_idx ON customers (created_at DESC)",
        "CREATE INDEX customers_tags_idx ON customers USING gin (tags)",
        "ALTER TABLE customers ADD CONSTRAINT customers_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.plans (id)",
        #"COMMENT ON TABLE customers IS 'People who buy things; it''s a "test" -- not SQL'"#,
        "COMMENT ON COLUMN customers.name IS 'Display name'",
    ]

    static let ordersDDL = [
        """
        CREATE TABLE orders (
            id bigint GENERATED BY DEFAULT AS IDENTITY,
            customer_id bigint NOT NULL,
            status order_status NOT NULL DEFAULT 'pending',
            quantity integer NOT NULL DEFAULT 1,
            unit_price numeric(12,2) NOT NULL DEFAULT 0,
            total numeric(12,2) NOT NULL DEFAULT 0,
            line_total numeric(14,2) GENERATED ALWAYS AS (quantity * unit_price) STORED,
            note text,
            placed_at timestamptz NOT NULL DEFAULT now(),
            referrer_id bigint,
            CONSTRAINT orders_pk PRIMARY KEY (id),
            CONSTRAINT orders_total_check CHECK (total >= 0),
            CONSTRAINT orders_quantity_check CHECK (quantity > 0)
        )
        """,
        "CREATE INDEX orders_customer_id_idx ON orders (customer_id) INCLUDE (total)",
        "CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status IN ('pending', 'paid')",
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE",
        "ALTER TABLE orders ADD CONSTRAINT orders_referrer_id_fkey FOREIGN KEY (referrer_id) REFERENCES customers (id) ON DELETE SET NULL",
        "COMMENT ON COLUMN orders.note IS 'Free text'",
    ]

    static let eventsDDL = [
        """
        CREATE TABLE events (
            id bigserial PRIMARY KEY,
            seq serial NOT NULL,
            kind varchar(50) NOT NULL DEFAULT 'note',
            payload jsonb NOT NULL DEFAULT '{}',
            CONSTRAINT events_kind_seq_key UNIQUE (kind, seq)
        )
        """,
        "CREATE INDEX events_payload_idx ON events USING gin (payload)",
    ]

    /// The whole design, by hand, to run under `search_path` = the schema.
    static func referenceDDL(labels: [String] = allLabels) -> [String] {
        enumDDL(labels) + customersDDL + ordersDDL + eventsDDL
    }

    /// Rows that every non-destructive change must keep.
    static let customerSeed = "INSERT INTO customers (email, name, tags) VALUES ('keep@example.com', 'Keeper', '{vip}')"
    static let orderSeed = """
        INSERT INTO orders (id, customer_id, quantity, unit_price, total, note)
        SELECT 1000, id, 3, 4.50, 13.50, 'first order' FROM customers WHERE email = 'keep@example.com'
        """
    static let customerCheck = "SELECT email, name, array_to_string(tags, ',') FROM customers ORDER BY email"
    static let customerRows: [[String?]] = [["keep@example.com", "Keeper", "vip"]]
    static let orderCheck = "SELECT id::text, quantity::text, total::text, note FROM orders ORDER BY id"
    static let orderRows: [[String?]] = [["1000", "3", "13.50", "first order"]]
}
