import Plan
import Postgres
import State

/// Listed tenants whose schema does not exist while a schema of a close name does:
/// `Acme` listed while `acme` exists, `acme` while `tenant_acme` does. The plan
/// creates such a tenant, as the contract says; a note asks whether the existing
/// schema was meant.
extension DatabaseCatalog {
    /// One note per tenant of `absent` that has a lookalike among the schemas of
    /// the database, other than `tenants` (the fleet's own) and reserved schemas.
    ///
    /// - Throws: `PlanningError.database`.
    public static func lookalikeNotes(absent: [String], tenants: Set<String>, database: String,
                                      on connection: Connection) throws -> [String] {
        if absent.isEmpty { return [] }
        let schemas: [String]
        do {
            schemas = try connection.query("SELECT nspname FROM pg_namespace ORDER BY nspname")
                .compactDecode { try $0.value("nspname") }
        } catch let error as PostgresError {
            throw PlanningError.database(database, error)
        }
        let candidates = schemas.filter { !tenants.contains($0) && ReservedSchemas.reason(for: $0) == nil }
        return absent.compactMap { tenant in
            lookalike(of: tenant, among: candidates).map {
                "tenant '\(tenant.printable)' has no schema in database '\(database)' and will be created; "
                    + "did you mean the existing schema '\($0.printable)'?"
                    + ($0.lowercased() == tenant.lowercased() ? " (schema names are case-sensitive)" : "")
            }
        }
    }

    /// The schema of `candidates` that `tenant` most likely means: the same name in
    /// another case, else a likely typo, else one that holds the name as a part
    /// separated by `_` (`tenant_acme`, `acme_inc`).
    static func lookalike(of tenant: String, among candidates: [String]) -> String? {
        let lowered = tenant.lowercased()
        if let same = candidates.first(where: { $0 != tenant && $0.lowercased() == lowered }) { return same }
        if let close = Suggestion.closest(to: tenant, among: candidates) { return close }
        return candidates.first { candidate in
            let name = candidate.lowercased()
            return name.hasPrefix(lowered + "_") || name.hasSuffix("_" + lowered)
        }
    }
}
