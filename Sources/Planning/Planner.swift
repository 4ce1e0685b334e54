import Catalog
import Foundation
import Plan
import Postgres
import State

/// What `tenantplan plan` was asked to do.
public struct PlanRequest: Sendable {
    public var declaration: Declaration
    /// SHA-256 of the `schema.yaml` bytes.
    public var schemaSHA256: String
    public var fleet: Fleet
    /// `--tenant` names; empty means every tenant of the fleet.
    public var onlyTenants: [String]
    public var allowDestructive: Bool
    /// `--allow` selectors: the destructive changes allowed without `--allow-destructive`.
    public var allowed: [AllowSelector]
    public var toolVersion: String
    /// `--transactional`: every tenant's changes in one transaction, no online forms.
    public var transactional = false
    /// `--online-threshold`: a tenant whose changes scan or rewrite a table at
    /// least this big gets their online form, others the single transaction
    /// (`FormChoice`); 0: online for everyone.
    public var onlineThreshold: Int64 = FormChoice.defaultThresholdBytes

    public init(declaration: Declaration, schemaSHA256: String, fleet: Fleet, onlyTenants: [String] = [],
                allowDestructive: Bool = false, allowed: [AllowSelector] = [], toolVersion: String) {
        self.declaration = declaration
        self.schemaSHA256 = schemaSHA256
        self.fleet = fleet
        self.onlyTenants = onlyTenants
        self.allowDestructive = allowDestructive
        self.allowed = allowed
        self.toolVersion = toolVersion
    }

    /// What the `Differ` may drop.
    public var policy: DestructivePolicy { DestructivePolicy(allowDestructive: allowDestructive, selectors: allowed) }
}

/// Makes a plan: for each database, realise the desired state, find the tenants,
/// reflect them in batches, and diff once per distinct state.
///
/// Memory stays flat in the number of tenants: each distinct state is diffed
/// when first seen, and only its change lists are kept, with the tenant names
/// that share it.
public struct Planner: Sendable {
    public var connections: ConnectionResolver
    /// Tenants reflected per catalog round.
    public var batchSize: Int
    /// Connections per database that read tenant catalogs in parallel.
    public var workers: Int
    public var progress: (@Sendable (String) -> Void)?
    /// Notes for the user that are not errors (a listed tenant whose schema does not
    /// exist while a schema of a close name does).
    public var note: (@Sendable (String) -> Void)?
    // MARK: Tenant records
    /// Whether to read and write the records of verified states (`TenantRecords`);
    /// false (`--no-record`) reads every tenant in full and writes nothing.
    public var records = true
    /// From how many tenants of a database on the record stamps go through a
    /// catalog sweep (`CatalogSweep`): below, computing them costs less than
    /// the sweep's pass over the catalogs (about 2 ms of server time a tenant,
    /// against 5-20 ms for the catalogs of a database of a few tenants).
    public var sweepFrom = 64
    /// Signs and checks the records (`TENANTPLAN_PLAN_KEY`).
    public var recordKey: PlanKey?
    /// The tool build, part of every record's context (a record of another
    /// build is not read).
    public var build = ""

    public init(connections: ConnectionResolver, batchSize: Int = 128, workers: Int = 2,
                progress: (@Sendable (String) -> Void)? = nil, note: (@Sendable (String) -> Void)? = nil) {
        self.connections = connections
        self.batchSize = batchSize
        self.workers = workers
        self.progress = progress
        self.note = note
    }

    public func plan(_ request: PlanRequest) throws -> PlanFile {
        let fleet = request.fleet
        let wanted = Set(request.onlyTenants)
        var seen: Set<String> = []
        var known: Set<String> = []   // every tenant of the fleet, for "did you mean" on --tenant
        /// Tenants in one state, planned against one desired state, in one form.
        struct Group {
            var from: String
            var plan: StatePlan
            var form: PlanFile.Form?
            var tenants: [String: [String]] = [:]
            var stamps: [String: [String: String]] = [:]
            var sizes: [String: PlanFile.TableSize] = [:]
        }
        var groups: [String: Group] = [:]   // key: from-fingerprint | desired fingerprint | form
        var groupOrder: [String] = []
        var databases: [PlanFile.DatabaseEntry] = []
        var ignored = PlanFile.IgnoredObjects(objects: 0, tenants: 0)

        for database in fleet.databases {
            let listed = fleet.tenants.filter { $0.database == database.name }.map(\.name)
            let rules = fleet.discover.filter { $0.database == database.name }
            if listed.isEmpty && rules.isEmpty { continue }
            let connection = try connections.connect(database.connection, database: database.name)
            defer { connection.close() }

            let identity = try DatabaseCatalog.identity(of: connection, database: database.name)
            let (desired, rewritingDefaults) = try DesiredState.realise(request.declaration, probingDefaults: true,
                                                                        on: connection)
            let desiredFingerprint = desired.fingerprint

            var tenants = listed
            for rule in rules { tenants += try DatabaseCatalog.discover(rule, on: connection) }
            let excluded = Set(fleet.exclude)
            var unique: [String] = []
            var local: Set<String> = []
            for t in tenants where !excluded.contains(t) && ReservedSchemas.reason(for: t) == nil && !local.contains(t) {
                known.insert(t)
                if !wanted.isEmpty && !wanted.contains(t) { continue }
                local.insert(t)
                unique.append(t)
            }
            seen.formUnion(unique)

            var entry = PlanFile.DatabaseEntry(
                name: database.name, systemIdentifier: identity.systemIdentifier,
                databaseName: identity.databaseName, serverVersion: connection.serverVersion,
                desiredFingerprint: desiredFingerprint)
            switch database.connection {
            case .url(let url): entry.url = url
            case .urlEnv(let name): entry.urlEnv = name
            case .default: break
            }
            databases.append(entry)

            // Type changes are tried on the server: how values convert, or an
            // error at the declaration when nothing converts them.
            let source = database.connection, name = database.name, connections = connections
            let conversions = TypeConversionProbe(declaration: request.declaration) {
                try connections.connect(source, database: name)
            }
            defer { conversions.close() }
            // Texts a tenant says differently from the declaration are compared in
            // the server's canonical form, on a connection of its own, opened only
            // when such a text is found.
            let canonicaliser = Canonicaliser(desired: desired) {
                try connections.connect(source, database: name)
            }
            defer { canonicaliser.close() }
            let declaration = request.declaration, policy = request.policy, databaseName = database.name
            let transactional = request.transactional
            @Sendable func makeDiffer(_ desired: SchemaState) -> Differ {
                var differ = Differ(declaration: declaration, desired: desired, policy: policy, conversions: conversions)
                differ.online = !transactional
                differ.rewritingDefaults = rewritingDefaults
                return differ
            }
            let differ = makeDiffer(desired)
            let reflection = FleetReflection(
                connections: connections, source: database.connection, database: database.name,
                workers: workers, batchSize: batchSize, progress: progress, ignore: request.declaration.ignore,
                diff: { state, fingerprint in
                    let reconciled: SchemaState?
                    do {
                        reconciled = try canonicaliser.reconcile(state)
                    } catch let error as PostgresError {
                        throw PlanningError.database(databaseName, error)
                    }
                    let tenantDiffer = reconciled.map { makeDiffer($0) } ?? differ
                    let diff = tenantDiffer.diff(actual: state)
                    guard tenantDiffer.online, !diff.changes.isEmpty else { return StatePlan(diff, from: fingerprint) }
                    // Both forms: each tenant gets one by the size of its tables.
                    var single = tenantDiffer
                    single.online = false
                    return StatePlan(diff, singleTransaction: single.diff(actual: state), from: fingerprint)
                })
            // Tenants whose record stamp still matches a trusted record need no
            // reading (see `TenantRecords`): the desired state's tenants, and the
            // others but one of each recorded state, read in full so that the plan
            // has that state to diff (and sees it is one a tenant has).
            let recorded = records ? recordedTenants(unique, request: request, identity: identity,
                                                     on: connection,
                                                     connect: { try connections.connect(source, database: name) }) : nil
            var byRecord = recorded?.matches ?? [:]
            var representatives: Set<String> = [desiredFingerprint]
            for tenant in unique {
                guard let fingerprint = byRecord[tenant]?.fingerprint, !representatives.contains(fingerprint) else { continue }
                representatives.insert(fingerprint)
                byRecord[tenant] = nil
            }
            var found = try reflection.run(unique.filter { byRecord[$0] == nil }, first: connection)
            // A recorded state that no tenant read in full has (its representative
            // changed meanwhile): those tenants are read in full after all.
            let unconfirmed = unique.filter { t in
                byRecord[t].map { $0.fingerprint != desiredFingerprint && found.plans[$0.fingerprint] == nil } ?? false
            }
            if !unconfirmed.isEmpty {
                for tenant in unconfirmed { byRecord[tenant] = nil }
                found.merge(try reflection.run(unconfirmed, first: connection))
            }
            entry.readInFull = recorded.map { _ in unique.count - byRecord.count }
            entry.readByRecord = recorded.map { _ in byRecord.count }
            databases[databases.count - 1] = entry
            if let recorded {
                try recorded.write(found, toolVersion: request.toolVersion, on: connection)
            }
            var scanned: [String: Set<String>] = [:]
            // The form of a change depends on the sizes of the tables it scans or
            // rewrites: only those are read, of the tenants that change.
            let changing = byRecord.filter { $0.value.fingerprint != desiredFingerprint }
            for fingerprint in Set(changing.values.map(\.fingerprint)) {
                guard let plan = found.plans[fingerprint], !plan.changes.isEmpty else { continue }
                scanned[fingerprint] = plan.scannedTables
            }
            let sizes = try Stamp.tableBytes(of: changing.keys.sorted(),
                                             tables: scanned.values.reduce(into: Set<String>()) { $0.formUnion($1) },
                                             on: connection)
            for (tenant, match) in byRecord {
                found.fingerprints[tenant] = match.fingerprint
                if match.ignored > 0 { found.ignored[tenant] = match.ignored }
                // What a full read would have given `apply` and the form choice.
                guard let taken = recorded?.stamps[tenant] else { continue }
                found.stamps[tenant] = taken.stamp
                found.keepTableBytes(sizes[tenant] ?? [:], of: tenant, fingerprint: match.fingerprint, scanned: &scanned)
            }
            if !byRecord.isEmpty && found.plans[desiredFingerprint] == nil {
                found.plans[desiredFingerprint] = try reflection.diff(desired, desiredFingerprint)
            }
            ignored.objects += found.ignored.values.reduce(0, +)
            ignored.tenants += found.ignored.count
            if let note {
                let absent = unique.filter { found.fingerprints[$0] == nil }
                try DatabaseCatalog.lookalikeNotes(absent: absent, tenants: Set(tenants + fleet.exclude),
                                                   database: database.name, on: connection).forEach(note)
            }
            let unconvertible = conversions.errors
            if !unconvertible.isEmpty { throw InputErrors(unconvertible) }
            for tenant in unique {
                let from = found.fingerprints[tenant] ?? SchemaState.absentFingerprint
                let plan = found.plans[from] ?? StatePlan(differ.diff(actual: nil), from: from)
                let bytes = found.tableBytes[tenant] ?? [:]
                let form: PlanFile.Form? = plan.singleTransaction == nil ? nil
                    : FormChoice.online(tableBytes: bytes, threshold: request.onlineThreshold) ? .online : .transactional
                let key = from + "|" + desiredFingerprint + "|" + (form?.rawValue ?? "")
                if groups[key] == nil {
                    groups[key] = Group(from: from, plan: plan, form: form)
                    groupOrder.append(key)
                }
                for (table, size) in bytes where size > groups[key]!.sizes[table]?.bytes ?? -1 {
                    groups[key]!.sizes[table] = PlanFile.TableSize(bytes: size, database: database.name, tenant: tenant)
                }
                groups[key]!.tenants[database.name, default: []].append(tenant)
                if let stamp = found.stamps[tenant] { groups[key]!.stamps[database.name, default: [:]][tenant] = stamp }
            }
        }

        for name in request.onlyTenants where !seen.contains(name) {
            throw PlanningError.unknownTenant(
                name, file: fleet.file, closest: Suggestion.closest(to: name, among: known.sorted()))
        }

        var changeSets: [PlanFile.ChangeSet] = []
        for (i, key) in groupOrder.enumerated() {
            let group = groups[key]!
            let plan = group.plan
            let form = plan.form(online: group.form != .transactional)
            // Stamps let `apply` check a changing tenant without reading its whole state again.
            let stamps = form.changes.isEmpty || group.stamps.isEmpty ? nil : group.stamps
            // The sizes of the tables this form scans or rewrites.
            let scanned = FormChoice.scannedTables(form.changes)
            let sizes = group.sizes.filter { scanned.contains($0.key) }
            changeSets.append(PlanFile.ChangeSet(
                id: i + 1, from: group.from, to: plan.to, changes: form.changes, held: plan.held,
                tenants: group.tenants, steps: form.steps, stamps: stamps, form: group.form,
                tableSizes: sizes.isEmpty ? nil : sizes))
        }
        // Sets with changes first, in-sync sets last; otherwise in the order tenants were found.
        changeSets.sort { a, b in
            if a.inSync != b.inSync { return !a.inSync }
            return a.id < b.id
        }
        for i in changeSets.indices { changeSets[i].id = i + 1 }

        var file = PlanFile(
            toolVersion: request.toolVersion, createdAt: Self.timestamp(), schemaSHA256: request.schemaSHA256,
            allowDestructive: request.allowDestructive, databases: databases, changeSets: changeSets,
            allowed: request.allowed.isEmpty ? nil : request.allowed.map(\.description),
            ignore: request.declaration.ignore.isEmpty ? nil : request.declaration.ignore,
            ignored: ignored.objects == 0 ? nil : ignored)
        file.onlineThreshold = request.transactional ? nil : request.onlineThreshold
        return file
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
