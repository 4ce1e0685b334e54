/// The one measure of a relation's size that `plan` chooses an online or a
/// single-transaction form by, and `apply` checks again.
///
/// The relation's, its TOAST table's and its indexes' `relpages` (as the last
/// VACUUM, ANALYZE or CREATE INDEX counted them) times the block size: read
/// from the catalog rows alone. `pg_total_relation_size` would take ACCESS
/// SHARE on every table it measures, and wait, with no lock timeout, behind a
/// session that holds one.
public enum RelationSize {
    /// Relation kinds that are measured: tables, partitioned tables and
    /// materialized views (a view index scans one).
    public static let kinds = "('r', 'p', 'm')"

    /// An `int8` expression: the size in bytes of the `pg_class` row `alias`.
    public static func bytesSQL(_ alias: String) -> String {
        """
        ((greatest(\(alias).relpages, 0)::int8
            + coalesce((SELECT greatest(tc.relpages, 0) FROM pg_catalog.pg_class tc WHERE tc.oid = \(alias).reltoastrelid), 0)
            + coalesce((SELECT sum(greatest(ic.relpages, 0)) FROM pg_catalog.pg_index i
                        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = \(alias).oid), 0))
            * current_setting('block_size')::int8)
        """
    }
}
