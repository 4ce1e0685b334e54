/// The tables in which migration tools record which migrations ran.
///
/// A fleet adopted from such a tool has one in every tenant. It is not part of
/// the application's design: `import` leaves it out of the declaration and
/// writes it under `ignore:`, so that new tenants do not get an empty one and
/// plans neither show it nor offer to drop it. Once tenantplan manages the
/// tenants, the old tool must no longer run on them.
public enum BookkeepingTables {
    /// A known table name and the tools that write it.
    public struct Table: Sendable, Equatable {
        public var name: String
        public var tools: String
    }

    /// By table name, as each tool creates it (lower case, in the tenant's schema).
    public static let known: [Table] = [
        Table(name: "alembic_version", tools: "Alembic"),
        Table(name: "django_migrations", tools: "Django"),
        Table(name: "schema_migrations", tools: "Rails, golang-migrate, Ecto or dbmate"),
        Table(name: "ar_internal_metadata", tools: "Rails"),
        Table(name: "flyway_schema_history", tools: "Flyway"),
        Table(name: "databasechangelog", tools: "Liquibase"),
        Table(name: "databasechangeloglock", tools: "Liquibase"),
        Table(name: "_prisma_migrations", tools: "Prisma"),
        Table(name: "knex_migrations", tools: "Knex"),
        Table(name: "knex_migrations_lock", tools: "Knex"),
        Table(name: "goose_db_version", tools: "goose"),
        Table(name: "__diesel_schema_migrations", tools: "Diesel"),
    ]

    /// The known bookkeeping tables among `tables`, in the order of `known`.
    public static func found(among tables: some Sequence<String>) -> [Table] {
        let present = Set(tables)
        return known.filter { present.contains($0.name) }
    }

    /// The tool(s) that write the table `name`, if it is a known one.
    public static func tools(of name: String) -> String? {
        known.first { $0.name == name }?.tools
    }
}
