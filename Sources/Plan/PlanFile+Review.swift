import State

/// `plan --reviewed`: is a fresh plan covered by the plan people reviewed?
///
/// Two pull requests in flight: B is planned and reviewed, A is merged and
/// applied, then B merges. B's reviewed plan is stale for every tenant A
/// changed, but a fresh plan made after A holds, per tenant, only B's changes:
/// the same statements people read. This is the pure comparison that lets the
/// pipeline apply the fresh plan then, and only then.
extension PlanFile {
    /// The changes this (fresh) plan makes that `reviewed` did not make to the
    /// same tenant, and what it allows beyond `reviewed`.
    ///
    /// A change is the same when its operation, object and SQL are. Per tenant,
    /// every change of this plan must be among the reviewed plan's changes for
    /// that tenant: fewer is fine (another pull request applied some already),
    /// different SQL is new, and so is any change for a tenant that was in sync
    /// or not in the reviewed plan. Held-back changes run nothing and do not count.
    ///
    /// - Parameter file: the reviewed plan's path, for the error.
    /// - Throws: `InputError` when a database of both plans is not the same
    ///   database (system identifier, when both are known, or database name).
    public func newSince(reviewed: PlanFile, file: String) throws -> ReviewDifference {
        try checkSameDatabases(as: reviewed, file: file)

        struct Key: Hashable {
            var op: String, object: String, sql: String
            init(_ change: Change) { (op, object, sql) = (change.op.rawValue, change.object, change.sql) }
        }
        // Reviewed: the change set of each tenant, and each set's changes.
        var reviewedSet: [String: [String: Int]] = [:]
        for (index, set) in reviewed.changeSets.enumerated() {
            for (database, names) in set.tenants {
                for name in names { reviewedSet[database, default: [:]][name] = index }
            }
        }
        var reviewedKeys: [Int: Set<Key>] = [:]
        func keys(of index: Int) -> Set<Key> {
            if let known = reviewedKeys[index] { return known }
            let made = Set(reviewed.changeSets[index].changes.map(Key.init))
            reviewedKeys[index] = made
            return made
        }

        struct GroupKey: Hashable { var set: Int, reviewed: ReviewDifference.Reviewed, new: [Int] }
        var groups: [GroupKey: ReviewDifference.Group] = [:]
        var order: [GroupKey] = []
        for set in changeSets where !set.changes.isEmpty {
            let freshKeys = set.changes.map(Key.init)
            // The new changes depend only on the reviewed set a tenant was in.
            var newByReviewedSet: [Int: [Int]] = [:]
            for database in databases.map(\.name) {
                for name in set.tenants[database] ?? [] {
                    let status: ReviewDifference.Reviewed
                    let new: [Int]
                    if let index = reviewedSet[database]?[name] {
                        if let known = newByReviewedSet[index] {
                            new = known
                        } else {
                            let old = keys(of: index)
                            new = freshKeys.indices.filter { !old.contains(freshKeys[$0]) }
                            newByReviewedSet[index] = new
                        }
                        status = reviewed.changeSets[index].changes.isEmpty ? .inSync : .otherChanges
                    } else {
                        new = Array(freshKeys.indices)
                        status = .absent
                    }
                    if new.isEmpty { continue }
                    let key = GroupKey(set: set.id, reviewed: status, new: new)
                    if groups[key] == nil {
                        groups[key] = ReviewDifference.Group(changeSet: set.id, reviewed: status,
                                                             changes: new.map { set.changes[$0] }, tenants: [:])
                        order.append(key)
                    }
                    groups[key]!.tenants[database, default: []].append(name)
                }
            }
        }
        return ReviewDifference(allowedBeyondReview: allowancesBeyond(reviewed), groups: order.map { groups[$0]! })
    }

    /// What this plan allows that `reviewed` did not, as the flags that allow
    /// it; empty when it allows nothing more.
    ///
    /// The one home of the "allows more than the review" rule: `--allow-destructive`
    /// now but not then, or an `--allow` selector the review did not have.
    public func allowancesBeyond(_ reviewed: PlanFile) -> [String] {
        var more: [String] = []
        if allowDestructive && !reviewed.allowDestructive { more.append("--allow-destructive") }
        // A selector is covered by the same selector in the review, or by the review's
        // --allow-destructive; glob subsumption is not guessed at.
        if !reviewed.allowDestructive {
            let before = Set(reviewed.allowed ?? [])
            var seen: Set<String> = []
            for selector in allowed ?? [] where !before.contains(selector) && seen.insert(selector).inserted {
                more.append("--allow \(selector)")
            }
        }
        return more
    }

    /// Refuses a reviewed plan made against another database under the same name.
    func checkSameDatabases(as reviewed: PlanFile, file: String) throws {
        for db in databases {
            guard let old = reviewed.databases.first(where: { $0.name == db.name }) else { continue }
            let sameSystem = db.systemIdentifier == nil || old.systemIdentifier == nil
                || db.systemIdentifier == old.systemIdentifier
            guard sameSystem && db.databaseName == old.databaseName else {
                throw InputError(
                    "the reviewed plan was made for database '\(db.name)' = \(old.databaseName) on system \(old.systemIdentifier ?? "?"), but this plan reads \(db.databaseName) on system \(db.systemIdentifier ?? "?")",
                    file: file,
                    hint: "compare with the plan that was reviewed for this database: a plan reviewed against one database says nothing about another")
            }
        }
    }
}
