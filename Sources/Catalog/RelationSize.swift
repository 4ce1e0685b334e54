/// The one measure of a relation's size that `plan` chooses an online or a
/// single-transaction form by, and `apply` checks again.
///
/// The relation's, its TOAST table's and its indexes' `relpages` (as the last
/// VACUUM, ANALYZE or CREATE INDEX counted them) times the block size: read
/// from the catalog rows alone. `pg_total_relation_size` would take ACCESS
/// SHARE on every table it measures, and wait, with no lock timeout, behind a
/// session that holds one. A partitioned table, which holds no rows itself,
/// measures as its partitions together (one level: those `schema.yaml`
/// declares), since an index built on it is built on each of them.
public enum RelationSize {
    /// Relation kinds that are measured: tables, partitioned tables and
    /// materialized views (a view index scans one).
    public static let kinds = "('r', 'p', 'm')"

    /// An `int8` expression: the size in bytes of the `pg_class` row `alias`.
    public static func bytesSQL(_ alias: String) -> String {
        """
        ((\(pagesSQL(alias))
            + CASE WHEN \(alias).relkind = 'p' THEN coalesce((SELECT sum(\(pagesSQL("pc")))
                   FROM pg_catalog.pg_inherits ih JOIN pg_catalog.pg_class pc ON pc.oid = ih.inhrelid
                   WHERE ih.inhparent = \(alias).oid), 0) ELSE 0 END)
            * current_setting('block_size')::int8)
        """
    }

    /// Relation kinds whose sizes add up to a tenant's without counting a row
    /// twice: a partitioned table's size is its partitions'.
    public static let leafKinds = "('r', 'm')"

    /// An `int8` expression: the pages of the relation `alias`, its TOAST table and its indexes.
    static func pagesSQL(_ alias: String) -> String {
        """
        (greatest(\(alias).relpages, 0)::int8
            + coalesce((SELECT greatest(tc.relpages, 0) FROM pg_catalog.pg_class tc WHERE tc.oid = \(alias).reltoastrelid), 0)
            + coalesce((SELECT sum(greatest(ic.relpages, 0)) FROM pg_catalog.pg_index i
                        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = \(alias).oid), 0))
        """
    }
}
