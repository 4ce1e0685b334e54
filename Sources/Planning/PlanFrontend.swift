import Catalog
import Foundation
import Plan
import State

/// `tenantplan plan`: reads `schema.yaml` (once, for both the declaration and its
/// digest) and `tenants.yaml`, plans every tenant, and writes the plan file,
/// signed when a key is given. With `reviewed`, it first checks the reviewed
/// plan and writes the fresh plan only when the review covers it.
public struct PlanFrontend: Sendable {
    public var schema: String
    public var tenants: String
    /// Where the plan file is written.
    public var out: String
    /// `--tenant` names; empty means every tenant of the fleet.
    public var onlyTenants: [String]
    public var allowDestructive: Bool
    /// `--allow` selectors.
    public var allowed: [AllowSelector]
    public var toolVersion: String
    public var planner: Planner
    /// `--reviewed`: the plan that was reviewed, to compare the fresh plan with.
    public var reviewed: String?
    /// `TENANTPLAN_PLAN_KEY`: signs the plan written, and checks the reviewed plan.
    public var key: PlanKey?
    /// `--transactional`: plan the single-transaction form of every change.
    public var transactional = false
    /// `--online-threshold` (see `PlanRequest.onlineThreshold`).
    public var onlineThreshold: Int64 = FormChoice.defaultThresholdBytes

    public init(schema: String, tenants: String, out: String, onlyTenants: [String] = [],
                allowDestructive: Bool = false, allowed: [AllowSelector] = [], toolVersion: String,
                planner: Planner, reviewed: String? = nil, key: PlanKey? = nil) {
        self.schema = schema
        self.tenants = tenants
        self.out = out
        self.onlyTenants = onlyTenants
        self.allowDestructive = allowDestructive
        self.allowed = allowed
        self.toolVersion = toolVersion
        self.planner = planner
        self.reviewed = reviewed
        self.key = key
    }

    /// What `run()` did.
    public enum Outcome: Sendable {
        /// The plan was written to `out`.
        case written(PlanFile)
        /// `--reviewed`: the fresh plan holds what the reviewed plan did not;
        /// nothing was written, so that no pipeline applies it by mistake.
        case needsReview(PlanFile, ReviewDifference)
    }

    /// Checks the reviewed plan (when given) before connecting anywhere, plans,
    /// compares, signs and writes. Changes nothing in any database.
    ///
    /// - Throws: as `plan()`; `InputError` for an unreadable, edited or
    ///   wrongly signed reviewed plan, or one made for another database.
    /// `protect` runs the write of the plan file (the CLI keeps an interrupt
    /// from landing in the middle of it).
    public func run(protect: (() throws -> Void) throws -> Void = { try $0() }) throws -> Outcome {
        let reviewedPlan = try reviewed.map { try PlanFile.read(path: $0, key: key, withoutKey: .refuse) }
        var fresh = try plan()
        if let reviewed, let reviewedPlan {
            let difference = try fresh.newSince(reviewed: reviewedPlan, file: reviewed)
            if !difference.isEmpty { return .needsReview(fresh, difference) }
        }
        if let key { fresh = try fresh.signed(with: key) }
        let signed = fresh
        try protect { try write(signed) }
        return .written(fresh)
    }

    /// Reads both files and plans every tenant; changes nothing.
    ///
    /// - Throws: `InputErrors` for the files, `PlanningError`, `PostgresError`.
    public func plan() throws -> PlanFile {
        let (declaration, sha256) = try DeclarationLoader.loadWithSHA256(path: schema)
        let fleet = try FleetLoader.load(path: tenants)
        var request = PlanRequest(
            declaration: declaration, schemaSHA256: sha256, fleet: fleet, onlyTenants: onlyTenants,
            allowDestructive: allowDestructive, allowed: allowed, toolVersion: toolVersion)
        request.transactional = transactional
        request.onlineThreshold = onlineThreshold
        return try planner.plan(request)
    }

    /// Writes `plan` to `out` atomically: to a temporary file next to it, then
    /// renamed over it, so that `out` is never a partial plan.
    public func write(_ plan: PlanFile) throws {
        let data = try plan.encoded()
        do {
            try data.write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw InputError("cannot write the plan file", file: out, hint: "check the directory exists and is writable")
        }
    }
}

extension PlanFrontend {
    /// The line after the text report: how to apply the plan, or that there is
    /// nothing to apply. The file is written either way, so that a pipeline always
    /// has a plan to keep, compare (`--reviewed`) or show.
    public func closingLine(for plan: PlanFile) -> String {
        guard plan.changeSets.allSatisfy(\.inSync) else {
            return "Saved the plan to \(out). Apply it with: tenantplan apply \(out)"
        }
        if plan.tenantCount == 0 { return "No changes: no tenants were found. Wrote \(out) (nothing to apply)." }
        if plan.hasChanges { return "Nothing to apply: the differences above are held back. Wrote \(out)." }
        return "No changes. Every tenant is in sync. Wrote \(out) (nothing to apply)."
    }
}
