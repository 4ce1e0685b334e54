import Foundation
import State

/// The reviewed plan: written by `plan`, read by `apply` and `show`.
///
/// Tenants in the same state share one change set, so the file grows by a name
/// per tenant, not by a change list per tenant. `digest` covers everything
/// else in the file but `signature`; `apply` refuses a plan whose content no
/// longer matches it. The digest catches accidental edits only: anyone can
/// recompute it. `signature` (with `TENANTPLAN_PLAN_KEY`) is what catches a
/// deliberate one (see `PlanFile+Signature.swift`).
/// The layout is documented in `docs/plan-format.md`.
public struct PlanFile: Codable, Sendable, Equatable {
    /// 2: change sets record their `steps` (1 had `prelude_to` only).
    public static let currentFormatVersion = 2
    public static let formatName = "tenantplan-plan"

    public var format: String
    public var formatVersion: Int
    public var toolVersion: String
    public var createdAt: String
    /// SHA-256 of the `schema.yaml` bytes the plan was made from.
    public var schemaSHA256: String
    public var allowDestructive: Bool
    /// The `--allow` selectors the plan was made with (`column:users.note`); nil
    /// when none were given.
    public var allowed: [String]?
    /// The `ignore:` rules of `schema.yaml`; nil when it has none. `apply`
    /// filters the states it checks through them, as `plan` did.
    public var ignore: IgnoreRules?
    /// How many objects `ignore:` took out of the tenants' states; nil when none.
    public var ignored: IgnoredObjects?
    /// The size from which a tenant's tables get the online form
    /// (`plan --online-threshold`, `FormChoice`); nil in a plan made with
    /// `--transactional`, or before sizes were recorded.
    public var onlineThreshold: Int64?
    public var databases: [DatabaseEntry]
    public var changeSets: [ChangeSet]
    /// SHA-256 of the canonical encoding of the file with this field and
    /// `signature` left out.
    public var digest: String?
    /// HMAC-SHA256 of the same canonical encoding under `TENANTPLAN_PLAN_KEY`;
    /// nil in a plan made without a key.
    public var signature: String?

    public init(toolVersion: String, createdAt: String, schemaSHA256: String, allowDestructive: Bool,
                databases: [DatabaseEntry], changeSets: [ChangeSet], allowed: [String]? = nil,
                ignore: IgnoreRules? = nil, ignored: IgnoredObjects? = nil) {
        self.format = Self.formatName
        self.formatVersion = Self.currentFormatVersion
        self.toolVersion = toolVersion
        self.createdAt = createdAt
        self.schemaSHA256 = schemaSHA256
        self.allowDestructive = allowDestructive
        self.allowed = allowed
        self.ignore = ignore
        self.ignored = ignored
        self.databases = databases
        self.changeSets = changeSets
        self.digest = nil
        self.signature = nil
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", toolVersion = "tool_version", createdAt = "created_at"
        case schemaSHA256 = "schema_sha256", allowDestructive = "allow_destructive", databases
        case allowed, ignore, ignored, onlineThreshold = "online_threshold"
        case changeSets = "change_sets", digest, signature
    }

    /// The objects `ignore:` left out of the plan, counted over its tenants.
    public struct IgnoredObjects: Codable, Sendable, Equatable {
        /// Objects taken out (a table counts once, whatever it holds).
        public var objects: Int
        /// Tenants that hold at least one.
        public var tenants: Int

        public init(objects: Int, tenants: Int) {
            self.objects = objects
            self.tenants = tenants
        }
    }

    /// A database the plan covers: how to reach it (never credentials) and which
    /// server it was planned against.
    public struct DatabaseEntry: Codable, Sendable, Equatable {
        public var name: String
        /// Set when `tenants.yaml` gives a `url` (never with a password).
        public var url: String?
        /// Set when `tenants.yaml` gives `url_env`.
        public var urlEnv: String?
        /// `pg_control_system()`'s system identifier; nil when the role may not read it.
        public var systemIdentifier: String?
        /// `current_database()`.
        public var databaseName: String
        public var serverVersion: Int
        /// Fingerprint of the desired state realised on this server.
        public var desiredFingerprint: String
        // MARK: Tenant records
        /// Tenants read from the catalogs in full, and tenants taken as in sync
        /// from their record; nil when the database has no records (`--no-record`,
        /// or a role that may not keep them).
        public var readInFull: Int?
        public var readByRecord: Int?

        public init(name: String, url: String? = nil, urlEnv: String? = nil, systemIdentifier: String?,
                    databaseName: String, serverVersion: Int, desiredFingerprint: String) {
            self.name = name
            self.url = url
            self.urlEnv = urlEnv
            self.systemIdentifier = systemIdentifier
            self.databaseName = databaseName
            self.serverVersion = serverVersion
            self.desiredFingerprint = desiredFingerprint
        }

        enum CodingKeys: String, CodingKey {
            case name, url, urlEnv = "url_env", systemIdentifier = "system_identifier"
            case databaseName = "database_name", serverVersion = "server_version"
            case desiredFingerprint = "desired_fingerprint"
            case readInFull = "read_in_full", readByRecord = "read_by_record"
        }
    }

    /// Consecutive changes of a change set that run together: in one
    /// transaction, or (`transactional` false: `CREATE INDEX CONCURRENTLY`,
    /// enum labels that later changes use) one by one outside a transaction.
    public struct StepEntry: Codable, Sendable, Equatable {
        /// How many changes, after those of the steps before.
        public var changes: Int
        public var transactional: Bool
        /// Fingerprint of the state a tenant is in after this step.
        public var to: String

        public init(changes: Int, transactional: Bool, to: String) {
            self.changes = changes
            self.transactional = transactional
            self.to = to
        }
    }

    /// The form of a change set's changes (see `FormChoice`).
    public enum Form: String, Codable, Sendable, Equatable {
        /// Online stages: their scanned tables were at or above the threshold.
        case online
        /// One transaction: every table they scan was below the threshold.
        case transactional
    }

    /// A table's size in one tenant: the largest among a change set's tenants.
    public struct TableSize: Codable, Sendable, Equatable {
        public var bytes: Int64
        public var database: String
        public var tenant: String

        public init(bytes: Int64, database: String, tenant: String) {
            self.bytes = bytes
            self.database = database
            self.tenant = tenant
        }
    }

    /// One distinct starting state and what it needs, with the tenants in it.
    public struct ChangeSet: Codable, Sendable, Equatable {
        public var id: Int
        /// Fingerprint of the state the changes were computed from (`absent`: no schema).
        public var from: String
        /// Fingerprint of the state after the changes; equal to `from` when in sync.
        public var to: String
        public var changes: [Change]
        public var held: [HeldChange]
        /// Tenant names by database name.
        public var tenants: [String: [String]]
        /// The stages `changes` run in, in order, each with the fingerprint a
        /// tenant reaches after it; `apply` resumes a tenant found at the end of
        /// one. Nil when there are no changes.
        public var steps: [StepEntry]?
        /// Stamp of each changing tenant's catalog rows at plan time, by database
        /// and tenant name (see `Stamp` in the State module); nil for sets
        /// without changes or without existing schemas. `apply` reads a tenant
        /// whose stamp is missing or no longer matches in full.
        public var stamps: [String: [String: String]]?
        /// The form the set's tenants got, when the changes have both
        /// (`FormChoice`); nil when they have one only, or with `--transactional`.
        public var form: Form?
        /// The largest size among the set's tenants of each table its changes
        /// scan or rewrite, by table name; nil when none.
        public var tableSizes: [String: TableSize]?

        public init(id: Int, from: String, to: String, changes: [Change], held: [HeldChange],
                    tenants: [String: [String]], steps: [StepEntry]? = nil,
                    stamps: [String: [String: String]]? = nil, form: Form? = nil,
                    tableSizes: [String: TableSize]? = nil) {
            self.id = id
            self.from = from
            self.to = to
            self.changes = changes
            self.held = held
            self.tenants = tenants
            self.steps = steps
            self.stamps = stamps
            self.form = form
            self.tableSizes = tableSizes
        }

        enum CodingKeys: String, CodingKey {
            case id, from, to, changes, held, tenants, steps, stamps, form, tableSizes = "table_sizes"
        }

        public var tenantCount: Int { tenants.values.reduce(0) { $0 + $1.count } }
        public var creates: Bool { from == SchemaState.absentFingerprint }
        /// Nothing to run. The tenants may still keep undeclared objects, or
        /// differ in ways the plan holds back (see `drifted`).
        public var inSync: Bool { changes.isEmpty }
        /// Nothing to run, but a declared object differs in a way the plan holds back.
        public var drifted: Bool { changes.isEmpty && held.contains { !$0.undeclared } }
    }
}

extension PlanFile {
    public var tenantCount: Int { changeSets.reduce(0) { $0 + $1.tenantCount } }

    /// Tenants to create, to change, in sync (possibly keeping undeclared
    /// objects), and with nothing planned but declared objects held back.
    public var summary: (create: Int, change: Int, inSync: Int, heldOnly: Int) {
        var s = (create: 0, change: 0, inSync: 0, heldOnly: 0)
        for set in changeSets {
            if set.drifted { s.heldOnly += set.tenantCount }
            else if set.inSync { s.inSync += set.tenantCount }
            else if set.creates { s.create += set.tenantCount }
            else { s.change += set.tenantCount }
        }
        return s
    }

    /// Whether any tenant differs from the declaration: changes to run, or
    /// held-back changes to declared objects (`--detailed-exitcode` exits 2).
    /// Undeclared objects that are merely kept do not count.
    public var hasChanges: Bool { changeSets.contains { !$0.inSync || $0.drifted } }

    /// The bytes the digest and the signature cover: the file without those
    /// two fields, keys sorted, compact.
    public func canonicalContent() throws -> Data {
        var copy = self
        copy.digest = nil
        copy.signature = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(copy)
    }

    /// The digest of this content, ignoring the stored `digest` and `signature` fields.
    public func computeDigest() throws -> String {
        "sha256:" + SHA256.hex(bytes: try canonicalContent())
    }

    /// The file's bytes, with `digest` filled in and `signature` as it is.
    public func encoded() throws -> Data {
        var copy = self
        copy.digest = try computeDigest()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        var data = try encoder.encode(copy)
        data.append(0x0A)
        return data
    }

    /// Reads and checks a plan file: format, version, digest and signature
    /// (see `checkSignature(key:file:withoutKey:)`).
    public static func read(path: String, key: PlanKey? = nil,
                            withoutKey: UnverifiableSignature = .refuse) throws -> PlanFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("cannot read the plan file", file: path,
                             hint: "run `tenantplan plan --out \(path)` first, or give the path of an existing plan")
        }
        return try decode(data, file: path, key: key, withoutKey: withoutKey)
    }

    public static func decode(_ data: Data, file: String, key: PlanKey? = nil,
                              withoutKey: UnverifiableSignature = .refuse) throws -> PlanFile {
        // Format and version first, so that a future layout gets a clear message.
        struct Header: Decodable {
            var format: String?
            var formatVersion: Int?
            enum CodingKeys: String, CodingKey { case format, formatVersion = "format_version" }
        }
        if let header = try? JSONDecoder().decode(Header.self, from: data) {
            if let format = header.format, format != formatName {
                throw InputError("not a tenantplan plan file (format '\(format)')", file: file,
                                 hint: "use the plan.json written by `tenantplan plan`")
            }
            if let version = header.formatVersion, version != currentFormatVersion {
                throw InputError("unsupported plan format version \(version); this tenantplan reads version \(currentFormatVersion)",
                                 file: file, hint: "plan again with this version of tenantplan")
            }
        }
        let plan: PlanFile
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[Change.keepsUnknownOperations] = true
            plan = try decoder.decode(PlanFile.self, from: data)
        } catch let error as DecodingError {
            throw InputError("not a valid tenantplan plan file: \(describe(error))", file: file,
                             hint: "use the plan.json written by `tenantplan plan`, unedited")
        }
        guard plan.format == formatName else {
            throw InputError("not a tenantplan plan file (format '\(plan.format)')", file: file,
                             hint: "use the plan.json written by `tenantplan plan`")
        }
        guard plan.formatVersion == currentFormatVersion else {
            throw InputError("unsupported plan format version \(plan.formatVersion); this tenantplan reads version \(currentFormatVersion)",
                             file: file, hint: "plan again with this version of tenantplan")
        }
        guard let digest = plan.digest, digest == (try plan.computeDigest()) else {
            throw InputError("the plan's content does not match its digest: it was edited after it was written",
                             file: file, hint: "plan again and review the new plan; never edit plan.json by hand")
        }
        try plan.checkSignature(key: key, file: file, withoutKey: withoutKey)
        if let name = plan.changeSets.lazy.flatMap(\.changes).compactMap(\.unknownOperation).first {
            throw InputError("the plan uses operation '\(name)', which this tenantplan does not know", file: file,
                             hint: "plan again with this version of tenantplan")
        }
        // A backfill runs statements rendered from its table and column: they
        // must be there (a plan written before they were recorded has none), on
        // backfills only, and render the very `sql` that was reviewed.
        for change in plan.changeSets.lazy.flatMap(\.changes) {
            guard let backfill = change.backfill else {
                if change.op != .backfillColumn { continue }
                throw InputError("the plan's backfill '\(change.object.printable)' does not record the table and column it fills "
                                 + "(it was written by an earlier tenantplan)",
                                 file: file, hint: "plan again with this version of tenantplan")
            }
            if change.op == .backfillColumn, backfill.earlierBatchStatement() == change.sql {
                throw InputError("the plan's backfill '\(change.object.printable)' has the batch statement of an earlier "
                                 + "tenantplan", file: file, hint: "plan again with this version of tenantplan")
            }
            guard change.op == .backfillColumn, backfill.batchStatement() == change.sql else {
                throw InputError("the plan's change '\(change.object.printable)' does not match its `backfill` table and column",
                                 file: file, hint: "plan again with this version of tenantplan; never edit plan.json by hand")
            }
        }
        return plan
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p)"
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(c.debugDescription)\(path(c))"
        case .keyNotFound(let key, let c): return "missing key '\(key.stringValue)'\(path(c))"
        case .dataCorrupted(let c): return "\(c.debugDescription)\(path(c))"
        @unknown default: return "\(error)"
        }
    }
}
