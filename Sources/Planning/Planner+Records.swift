import Catalog
import Foundation
import Plan
import Postgres
import State
import Synchronization

extension Planner {
    /// The records of one database that a plan reads and writes.
    struct RecordedTenants {
        var records: TenantRecords
        /// The record stamp of each tenant, taken before any of them is read,
        /// with its stamp and table sizes.
        var stamps: [String: Stamp.RecordStamp]
        /// Tenants whose record still holds, and what it says: the desired
        /// state, or another that a tenant read in full shows (see `Planner.plan`).
        var matches: [String: TenantRecords.Match]

        /// Records the tenants read in full, in whatever state they were found;
        /// a role that may not write them leaves the records as they were.
        func write(_ found: FleetReflection.Result, toolVersion: String, on connection: Connection) throws {
            let verified = stamps.keys.sorted().compactMap { tenant -> TenantRecords.Record? in
                guard matches[tenant] == nil, let fingerprint = found.fingerprints[tenant],
                      found.stamps[tenant] != nil, let stamp = stamps[tenant]?.record else { return nil }
                return TenantRecords.Record(schema: tenant, stamp: stamp, fingerprint: fingerprint,
                                            ignored: found.ignored[tenant] ?? 0)
            }
            try? records.write(verified, toolVersion: toolVersion, on: connection)
        }
    }

    /// Reads the records of `tenants` and their record stamps; nil when this
    /// database has no trusted records table and the role may not create one.
    func recordedTenants(_ tenants: [String], request: PlanRequest,
                         identity: (systemIdentifier: String?, databaseName: String),
                         on connection: Connection,
                         connect: @escaping @Sendable () throws -> Connection) -> RecordedTenants? {
        let records = TenantRecords(
            systemIdentifier: identity.systemIdentifier, databaseName: identity.databaseName,
            context: recordContext(request), key: recordKey)
        guard records.prepare(on: connection) else { return nil }
        do {
            let (stamps, quiet) = try sweptRecordStamps(of: tenants, records: records, on: connection, connect: connect)
            if quiet {
                progress?("catalogs of database '\(identity.databaseName)' unchanged since the last plan: "
                          + "\(stamps.count) record stamps taken as they were")
            }
            let matches = try records.matching(tenants, stamps: stamps.mapValues(\.record), on: connection)
            return RecordedTenants(records: records, stamps: stamps, matches: matches)
        } catch {
            return nil
        }
    }

    /// The record stamps of `tenants`: from the kept sweep when the database's
    /// catalogs are unchanged since it (`CatalogSweep`), else computed, and
    /// kept; for fewer than `sweepFrom` tenants (whose stamps cost less than a
    /// pass over the catalogs), without a trusted sweep table, or when the
    /// sweep fails (a standby that cannot export its snapshot), computed as
    /// `recordStamps` does.
    func sweptRecordStamps(of tenants: [String], records: TenantRecords, on connection: Connection,
                           connect: @escaping @Sendable () throws -> Connection) throws
        -> (stamps: [String: Stamp.RecordStamp], quiet: Bool)
    {
        if tenants.count >= sweepFrom, !connection.inTransaction, records.sweepTrusted(on: connection),
           let swept = try? CatalogSweep(records: records).recordStamps(of: tenants, parts: workers, on: connection,
                                                                      connect: connect) {
            return (swept.stamps, swept.outcome != .swept)
        }
        return (try recordStamps(of: tenants, on: connection, connect: connect), false)
    }

    /// The record stamps of `tenants`, in `workers` parts read in parallel
    /// (`connection` reads the first; the others open their own).
    func recordStamps(of tenants: [String], on connection: Connection,
                      connect: @escaping @Sendable () throws -> Connection) throws -> [String: Stamp.RecordStamp] {
        let chunks = CatalogSweep.chunks(tenants, into: max(1, min(workers, tenants.count / CatalogSweep.schemasPerPart)))
        guard chunks.count > 1 else { return try Stamp.recordStamps(of: tenants, on: connection) }
        nonisolated(unsafe) let first = connection
        var stamps: [String: Stamp.RecordStamp] = [:]
        for part in try CatalogSweep.inParts(chunks.count, { i in
            let own = i == 0 ? nil : try connect()
            defer { own?.close() }
            return try Stamp.recordStamps(of: chunks[i], on: own ?? first)
        }) {
            stamps.merge(part) { a, _ in a }
        }
        return stamps
    }

    /// What a record must have been written under to be read: this build, the
    /// record query, and the `ignore:` rules (which decide what a fingerprint covers).
    func recordContext(_ request: PlanRequest) -> String {
        TenantRecords.context(toolVersion: request.toolVersion, build: build, ignore: request.declaration.ignore)
    }
}
