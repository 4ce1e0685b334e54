/// Table sizes beside the locks and hazards, and the form each change set got.
extension PlanReport {
    /// `1.9 GB` for a set of one tenant, `up to 1.9 GB, tenant acme` for more.
    func sizeText(_ size: PlanFile.TableSize, tenants: Int) -> String {
        let bytes = FormChoice.sizeText(size.bytes)
        if tenants <= 1 { return bytes }
        let tenant = plan.databases.count > 1 ? "\(size.database)/\(size.tenant)" : size.tenant
        return "up to \(bytes), tenant \(tenant.printable)"
    }

    /// The change's lock summary with the sizes `sizes` records, for `tenants` tenants.
    func lockSummary(_ change: Change, sizes: [String: PlanFile.TableSize]?, tenants: Int) -> String? {
        change.lockSummary { relation in sizes?[relation].map { sizeText($0, tenants: tenants) } }
    }

    /// Why the set's tenants got their form, when they had a choice:
    /// `Single transaction: every table its changes scan is below 16 MB (largest: orders 1.2 MB, tenant acme).`
    func formLine(_ set: PlanFile.ChangeSet) -> String? {
        guard let form = set.form else { return nil }
        let threshold = plan.onlineThreshold.map(FormChoice.sizeText) ?? "the threshold"
        let largest = (set.tableSizes ?? [:]).max { a, b in
            a.value.bytes != b.value.bytes ? a.value.bytes < b.value.bytes : a.key > b.key
        }
        let largestText = largest.map { " (largest: \($0.key.printable), \(sizeText($0.value, tenants: set.tenantCount)))" } ?? ""
        switch form {
        case .transactional:
            return "Single transaction: every table its changes scan is below \(threshold)\(largestText)."
        case .online:
            if plan.onlineThreshold == 0 { return "Online form: --online-threshold 0\(largestText)." }
            return "Online form: a table its changes scan is \(threshold) or more\(largestText)."
        }
    }
}
