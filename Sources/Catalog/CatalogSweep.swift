import Dispatch
import Foundation
import Plan
import Postgres
import SQLSyntax
import State
import Synchronization

/// The record stamps of a database's tenants, kept with what the database's
/// catalogs held when they were computed, so that a later plan that finds the
/// catalogs unchanged since takes the stamps as they are instead of computing
/// each tenant's again (`Stamp.recordQuery`: about 2 ms of server time a tenant).
///
/// A sweep computes the stamps in one snapshot S (a `REPEATABLE READ`
/// transaction; parallel parts import it, `SET TRANSACTION SNAPSHOT`) and keeps
/// S's `xmin` as the *horizon* (every transaction with a lower id had ended
/// when S was taken), the number of rows of every catalog in S, and, of the
/// rows at or past the horizon (written by transactions that ended after the
/// oldest one running then), how many each transaction id wrote. A later plan
/// finds the catalogs *quiet* when, in its own snapshot, every catalog holds as
/// many rows as in S and the rows at or past the horizon are those S counted,
/// id for id. Then the catalogs hold exactly S's rows: a row S did not see was
/// written by a transaction S did not see, whose id is at or past S's `xmin`
/// and is none of the ids S counted (those had committed when S was taken);
/// so every row now was in S, and there are as many as in S. Every record
/// stamp is a function of catalog rows and role names, so each is what S
/// computed. A dropped object is a row fewer; a new or altered one, a row of
/// a new transaction. Catalog rows that PostgreSQL updates in place
/// (statistics in `pg_class`, `relfrozenxid`) keep their `xmin`: the stamps do
/// not read those columns either. (A transaction left open elsewhere in the
/// cluster holds the horizon back: the rows written since are counted by id,
/// and still compare exactly.)
///
/// Read: every table of `pg_catalog` of this database the role may read but
/// the statistics (`pg_statistic`, `pg_statistic_ext_data`: every `ANALYZE`
/// rewrites them), large objects (rows of the application) and
/// `pg_subscription_rel` (the progress of a subscription); of the cluster's
/// shared catalogs, those the stamps read: `pg_tablespace`, and the rows of
/// `pg_shdepend` of this database (not `pg_database`: no stamp reads it, and a
/// copy of a database, `CREATE DATABASE ... TEMPLATE`, whose catalogs are the
/// template's, would not be quiet for its own new row); of the roles
/// (`pg_authid`, which only superusers read), the oid and name of each role
/// this database's objects name (`pg_shdepend`) and of the bootstrap
/// superuser, all that the stamps read of them. So a role created, a database
/// made or a grant between roles elsewhere in the cluster changes nothing here.
/// Any change in the database (DDL in any schema, a temporary table while it
/// lives) makes the catalogs not quiet: the stamps are computed again, in
/// full, and a new sweep is kept.
///
/// The sweep is kept in `_tenantplan.catalog_sweep`, one row per record
/// context, under the same trust as the records (`TenantRecords`): a table
/// only the planning role may write, and with a plan key an HMAC over the
/// database's identity, the context, the horizon, the counts and the stamps.
public struct CatalogSweep: Sendable {
    public static let table = "catalog_sweep"
    static let qualified = "\(quoteIdentifier(TenantRecords.schema)).\(quoteIdentifier(table))"

    static let createStatement = """
        CREATE TABLE IF NOT EXISTS \(qualified) (
            context text PRIMARY KEY,
            horizon bigint NOT NULL,
            catalogs text NOT NULL,
            stamps text NOT NULL,
            mac text,
            swept_at timestamptz NOT NULL,
            swept_by text NOT NULL
        )
        """

    /// Catalogs left out (see the type's comment).
    static let unread = ["pg_statistic", "pg_statistic_ext_data", "pg_largeobject", "pg_largeobject_metadata",
                         "pg_subscription_rel"]

    /// The shared catalogs read, and which of their rows (nil: all).
    static let shared: [String: String?] = [
        "pg_tablespace": nil,
        "pg_shdepend": "x.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())",
    ]

    /// The snapshot, its horizon (a 64-bit transaction id), the next
    /// transaction id (how far the horizon lies behind), and the catalogs to
    /// read with their size in pages.
    static let headQuery = """
        SELECT pg_catalog.pg_export_snapshot(),
               pg_catalog.txid_snapshot_xmin(pg_catalog.txid_current_snapshot())::text,
               pg_catalog.txid_snapshot_xmax(pg_catalog.txid_current_snapshot())::text,
               (SELECT pg_catalog.string_agg(c.relname || ':' || c.relpages, ',' ORDER BY c.relname)
                -- The privilege is checked on the catalogs alone (OFFSET 0 keeps the filter
                -- inside): the planner would check it first, on every row of pg_class (a
                -- cache look-up each: 105 ms with 300 bench tenants' 37,000 relations).
                FROM (SELECT c.oid, c.relname, c.relpages FROM pg_catalog.pg_class c
                      WHERE c.relnamespace = 'pg_catalog'::pg_catalog.regnamespace AND c.relkind = 'r'
                        AND c.relname <> ALL ($1::text[]) AND (NOT c.relisshared OR c.relname = ANY ($2::text[]))
                      OFFSET 0) c
                WHERE pg_catalog.has_table_privilege(c.oid, 'SELECT')),
               (SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(coalesce(pg_catalog.string_agg(
                           r.oid::int8 || ':' || pg_catalog.encode(pg_catalog.convert_to(r.rolname::text, 'UTF8'), 'hex'),
                           ',' ORDER BY r.oid), ''), 'UTF8')), 'hex')
                FROM pg_catalog.pg_roles r
                WHERE r.oid = 10 OR r.oid IN (
                    SELECT sd.refobjid FROM pg_catalog.pg_shdepend sd
                    WHERE sd.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
                      AND sd.dbid = (SELECT d.oid FROM pg_catalog.pg_database d
                                     WHERE d.datname = pg_catalog.current_database())))
        """

    /// How far the horizon may lie behind the next transaction id for a sweep
    /// to be compared (`age()` of a 32-bit `xmin` is exact within 2^31).
    static let horizonReach: Int64 = 1_000_000_000

    /// What a sweep saw of the catalogs.
    struct Catalogs: Codable, Equatable {
        /// Rows of each catalog read.
        var counts: [String: Int64]
        /// Of each catalog, the rows at or past the horizon, by `xmin`.
        var recent: [String: [String: Int64]]
        /// Digest of the oid and name of every role the database's objects name.
        var roles: String
    }

    /// A sweep, as kept.
    struct Kept: Codable, Equatable {
        var horizon: Int64
        var catalogs: Catalogs
        /// Schema → [record stamp, schema stamp].
        var stamps: [String: [String]]
    }

    /// What a run of `recordStamps` did, for tests and the report.
    public enum Outcome: Sendable, Equatable {
        /// The catalogs were quiet since the kept sweep: its stamps were taken
        /// (and `computed` schemas it lacked were computed).
        case quiet(computed: Int)
        /// No sweep was kept, or the catalogs changed since: every stamp was computed.
        case swept
    }

    var records: TenantRecords

    public init(records: TenantRecords) {
        self.records = records
    }

    // MARK: - Reading and writing the kept sweep

    func mac(_ horizon: Int64, catalogs: String, stamps: String) -> String? {
        records.key?.recordCode(["tenantplan-sweep-1", records.database, records.context, String(horizon), catalogs, stamps]
            .map { "\($0.utf8.count):\($0)" }.joined(separator: ";"))
    }

    /// The kept sweep of this context, if there is one and its code holds.
    func kept(on connection: Connection) throws(PostgresError) -> Kept? {
        let rows = try connection.query(
            "SELECT horizon::text, catalogs, stamps, mac FROM \(Self.qualified) WHERE context = $1", [records.context]).rows
        guard let row = rows.first, let horizon = row[0].flatMap({ Int64($0) }), let catalogs = row[1],
              let stamps = row[2] else { return nil }
        switch (mac(horizon, catalogs: catalogs, stamps: stamps), row[3]) {
        case (nil, nil): break
        case (let expected?, let given?) where HMACSHA256.matches(expected, given): break
        default: return nil
        }
        let decoder = JSONDecoder()
        guard let counts = try? decoder.decode(Catalogs.self, from: Data(catalogs.utf8)),
              let stamps = try? decoder.decode([String: [String]].self, from: Data(stamps.utf8)) else { return nil }
        return Kept(horizon: horizon, catalogs: counts, stamps: stamps)
    }

    /// Keeps `sweep` for this context (one statement, outside any snapshot).
    func keep(_ sweep: Kept, on connection: Connection) throws(PostgresError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let catalogs = String(decoding: (try? encoder.encode(sweep.catalogs)) ?? Data(), as: UTF8.self)
        let stamps = String(decoding: (try? encoder.encode(sweep.stamps)) ?? Data(), as: UTF8.self)
        try connection.execute("""
            INSERT INTO \(Self.qualified) (context, horizon, catalogs, stamps, mac, swept_at, swept_by)
            VALUES ($1, $2::bigint, $3, $4, $5, pg_catalog.now(), current_user)
            ON CONFLICT (context) DO UPDATE SET
                horizon = excluded.horizon, catalogs = excluded.catalogs, stamps = excluded.stamps,
                mac = excluded.mac, swept_at = excluded.swept_at, swept_by = excluded.swept_by
            """, [records.context, String(sweep.horizon), catalogs, stamps,
                  mac(sweep.horizon, catalogs: catalogs, stamps: stamps)])
    }

    // MARK: - Counting

    /// One statement counting the rows of `catalogs`: rows (catalog, `xmin`,
    /// count) for the rows whose `xmin` is at or past `$1` (a 32-bit `xid`),
    /// and (catalog, NULL, count) for the others (all of them when `$1` is NULL).
    static func countQuery(_ catalogs: [String]) -> String {
        catalogs.map { name in
            let filter = (shared[name] ?? nil).map { " WHERE " + $0 } ?? ""
            return "SELECT \(quoteLiteral(name))::text, CASE WHEN pg_catalog.age(x.xmin) <= pg_catalog.age($1::xid) "
                + "THEN x.xmin::text END, count(*)::int8 FROM pg_catalog.\(quoteIdentifier(name)) x\(filter) GROUP BY 2"
        }.joined(separator: "\nUNION ALL\n")
    }

    /// `recent` without the rows older than `floor` (a 64-bit transaction id),
    /// `next` the next transaction id.
    static func recent(_ recent: [String: [String: Int64]], since floor: Int64, next: Int64) -> [String: [String: Int64]] {
        let reach = next - floor
        var kept: [String: [String: Int64]] = [:]
        for (catalog, byID) in recent {
            for (id, count) in byID {
                guard let xid = UInt32(id) else { continue }
                let behind = Int64(UInt32(truncatingIfNeeded: next) &- xid)
                if behind <= reach { kept[catalog, default: [:]][id] = count }
            }
        }
        return kept
    }

    /// The 32-bit transaction id of a 64-bit one, as `xmin` shows it.
    static func shortTransactionID(_ id: Int64) -> String { String(UInt32(truncatingIfNeeded: id)) }

    /// `catalogs` (name, pages) in `parts` groups of about equal size.
    static func split(_ catalogs: [(String, Int64)], into parts: Int) -> [[String]] {
        var groups = Array(repeating: (pages: Int64(0), names: [String]()), count: max(1, parts))
        for (name, pages) in catalogs.sorted(by: { ($0.1, $1.0) > ($1.1, $0.0) }) {
            let i = groups.indices.min { groups[$0].pages < groups[$1].pages }!
            groups[i].pages += max(1, pages)
            groups[i].names.append(name)
        }
        return groups.map(\.names).filter { !$0.isEmpty }
    }

    // MARK: - Surveying the catalogs

    /// What a snapshot shows of the catalogs.
    struct Survey {
        var snapshot: String
        /// The snapshot's `xmin` and the next transaction id, 64-bit.
        var horizon: Int64
        var next: Int64
        /// The catalogs, with the rows at or past the floor surveyed from by `xmin`.
        var catalogs: Catalogs

        /// What a sweep taken in this snapshot keeps of the catalogs.
        var kept: Catalogs {
            var own = catalogs
            own.recent = CatalogSweep.recent(catalogs.recent, since: horizon, next: next)
            return own
        }

        /// Whether the catalogs hold what they held when a sweep with
        /// `horizon` saw `catalogs` (surveyed from that horizon or before).
        func quiet(since horizon: Int64, catalogs kept: Catalogs) -> Bool {
            guard next - horizon < CatalogSweep.horizonReach, horizon <= next else { return false }
            var now = catalogs
            now.recent = CatalogSweep.recent(catalogs.recent, since: horizon, next: next)
            return now == kept
        }
    }

    /// Surveys the catalogs in the `REPEATABLE READ` transaction `readers[0]`
    /// has begun (and the others imported, `SET TRANSACTION SNAPSHOT`), each
    /// reader counting a part; rows at or past the snapshot's horizon, or past
    /// `since` (an earlier horizon) when it is older, are counted by `xmin`.
    /// `head`: `headQuery`'s row, read first by `readers[0]`.
    static func survey(head: [String?], readers: [Connection], since: Int64?) throws -> Survey {
        guard let snapshot = head[0], let horizon = head[1].flatMap({ Int64($0) }),
              let next = head[2].flatMap({ Int64($0) }), let listed = head[3], let roles = head[4] else {
            throw PostgresError(kind: .connection, message: "no snapshot to survey the catalogs in")
        }
        let catalogs: [(String, Int64)] = listed.split(separator: ",").compactMap { item in
            guard let colon = item.lastIndex(of: ":"), let pages = Int64(item[item.index(after: colon)...]) else { return nil }
            return (String(item[..<colon]), pages)
        }
        let groups = split(catalogs, into: readers.count)
        let reachable = since.map { next - $0 < horizonReach && $0 <= next } ?? false
        let floor = shortTransactionID(reachable ? min(since ?? horizon, horizon) : horizon)
        nonisolated(unsafe) let readers = readers
        let counted = try inParts(groups.count) { i in try readers[i].query(countQuery(groups[i]), [floor]).rows }
        var counts: [String: Int64] = [:]
        var recent: [String: [String: Int64]] = [:]
        for row in counted.joined() {
            guard let name = row[0], let count = row[2].flatMap({ Int64($0) }) else { continue }
            counts[name, default: 0] += count
            if let xmin = row[1] { recent[name, default: [:]][xmin] = count }
        }
        return Survey(snapshot: snapshot, horizon: horizon, next: next,
                      catalogs: Catalogs(counts: counts, recent: recent, roles: roles))
    }

    /// What the catalogs hold at one moment, to compare with later (`unchanged(since:on:)`).
    public struct Mark: Sendable {
        var horizon: Int64
        var catalogs: Catalogs
    }

    /// The catalogs now, on one connection.
    public static func mark(on connection: Connection) throws -> Mark {
        let survey = try inSnapshot(on: connection) { head in try Self.survey(head: head, readers: [connection], since: nil) }
        return Mark(horizon: survey.horizon, catalogs: survey.kept)
    }

    /// Whether the catalogs are quiet since `mark`: what a sweep taken then
    /// would take as unchanged.
    public static func unchanged(since mark: Mark, on connection: Connection) throws -> Bool {
        let survey = try inSnapshot(on: connection) { head in
            try Self.survey(head: head, readers: [connection], since: mark.horizon)
        }
        return survey.quiet(since: mark.horizon, catalogs: mark.catalogs)
    }

    /// Runs `body` in a `REPEATABLE READ READ ONLY` transaction on `connection`
    /// with `headQuery`'s row; commits.
    static func inSnapshot<T>(on connection: Connection, _ body: ([String?]) throws -> T) throws -> T {
        precondition(!connection.inTransaction, "a survey takes its own snapshot")
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { if connection.inTransaction { try? connection.execute("ROLLBACK") } }
        let head = try connection.query(headQuery, [arrayLiteral(unread), arrayLiteral(shared.keys.sorted())]).rows.first ?? []
        let result = try body(head)
        try connection.execute("COMMIT")
        return result
    }

    // MARK: - The record stamps

    /// The record stamps of `schemas` (those that exist; see `Stamp.recordStamps`),
    /// from the kept sweep when the catalogs are quiet since it, else computed
    /// in one snapshot and kept as the new sweep. Reads run in at most `parts`
    /// parts at once, one for each `perPart` schemas at least: `connection`
    /// reads the first, and the others open their own.
    public func recordStamps(of schemas: [String], parts: Int, perPart: Int = schemasPerPart, on connection: Connection,
                             connect: @escaping @Sendable () throws -> Connection) throws
        -> (stamps: [String: Stamp.RecordStamp], outcome: Outcome)
    {
        var helpers: [Connection] = []
        defer { for helper in helpers { helper.close() } }
        let (stamps, outcome, sweep) = try Self.inSnapshot(on: connection) { head in
            let previous = try kept(on: connection)
            // A connection costs more than it saves for fewer schemas than `perPart`.
            let count = max(1, min(parts, schemas.count / max(1, perPart)))
            if count > 1, let snapshot = head.first ?? nil {
                for _ in 1..<count {
                    let helper = try connect()
                    helpers.append(helper)
                    try helper.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    try helper.execute("SET TRANSACTION SNAPSHOT \(quoteLiteral(snapshot))")
                }
            }
            nonisolated(unsafe) let readers = [connection] + helpers
            let survey = try Self.survey(head: head, readers: readers, since: previous?.horizon)

            var stamps: [String: Stamp.RecordStamp] = [:]
            var sweep: Kept
            let outcome: Outcome
            let wanted: [String]
            if let previous, survey.quiet(since: previous.horizon, catalogs: previous.catalogs) {
                for schema in schemas {
                    // Two stamps: the schema existed; none: it did not.
                    if let pair = previous.stamps[schema], pair.count == 2 {
                        stamps[schema] = Stamp.RecordStamp(record: pair[0], stamp: pair[1])
                    }
                }
                wanted = schemas.filter { previous.stamps[$0] == nil }
                sweep = previous
                outcome = .quiet(computed: wanted.count)
            } else {
                wanted = schemas
                sweep = Kept(horizon: survey.horizon, catalogs: survey.kept, stamps: [:])
                outcome = .swept
            }
            if !wanted.isEmpty {
                let chunks = Self.chunks(wanted, into: readers.count)
                for part in try Self.inParts(chunks.count, { i in try Stamp.recordStamps(of: chunks[i], on: readers[i]) }) {
                    stamps.merge(part) { a, _ in a }
                }
                for schema in wanted {
                    sweep.stamps[schema] = stamps[schema].map { [$0.record, $0.stamp] } ?? []
                }
            }
            for helper in helpers { try? helper.execute("COMMIT") }
            return (stamps, outcome, wanted.isEmpty ? nil : sweep)
        }
        // Kept after the snapshot's transaction; a role that may not write the
        // sweep plans as before, from the stamps.
        if let sweep { try? keep(sweep, on: connection) }
        return (stamps, outcome)
    }

    /// Fewer schemas than this a part: a connection of its own costs more than it saves.
    public static let schemasPerPart = 256

    /// `items` in at most `parts` runs of about equal length, in order.
    public static func chunks(_ items: [String], into parts: Int) -> [[String]] {
        guard !items.isEmpty else { return [] }
        let size = (items.count + max(1, parts) - 1) / max(1, parts)
        return stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min(items.count, $0 + size)]) }
    }

    /// Runs `body` for 0..<count at once; the first error is thrown.
    public static func inParts<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        guard count > 1 else { return try (0..<count).map(body) }
        let results = Mutex<[Int: T]>([:])
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            do {
                let result = try body(i)
                results.withLock { $0[i] = result }
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { r in (0..<count).map { r[$0]! } }
    }
}
