import State

/// Human renderings of a plan: Terraform-like text and pull-request markdown.
///
/// Pure functions of a `PlanFile`; `plan` and `show` print them.
public struct PlanReport: Sendable {
    public var plan: PlanFile
    public var color: Bool
    /// Tenant names shown per change set before folding into "and N more".
    public var tenantsShown: Int
    /// Markdown: tenant names listed per change set before "and N more".
    public var markdownTenantsListed: Int
    /// Markdown: the size the whole of `markdown()` stays within, in UTF-8 bytes.
    /// GitHub refuses a comment over 65,536 characters; the default leaves room
    /// for what a workflow adds around it.
    public var markdownBudget: Int

    public init(plan: PlanFile, color: Bool = false, tenantsShown: Int = 10, markdownTenantsListed: Int = 20,
                markdownBudget: Int = 60_000) {
        self.plan = plan
        self.color = color
        self.tenantsShown = tenantsShown
        self.markdownTenantsListed = markdownTenantsListed
        self.markdownBudget = markdownBudget
    }

    /// `Plan: 2 to create, 1 to change, 5 in sync.`
    public var summaryLine: String {
        let s = plan.summary
        var line = "Plan: \(s.create) tenant\(s.create == 1 ? "" : "s") to create, \(s.change) to change, \(s.inSync) in sync"
        if s.heldOnly > 0 { line += ", \(s.heldOnly) with only held-back changes" }
        return line + "."

    }

    /// `Allowed by --allow: column:users.note, index:hotfix_*`, when selectors were given.
    public var allowedLine: String? {
        guard let allowed = plan.allowed, !allowed.isEmpty else { return nil }
        return "Allowed by --allow: \(allowed.joined(separator: ", "))"
    }

    /// `Ignored: 3 objects in 2 tenants (ignore: in schema.yaml), not shown.`, when any.
    public var ignoredLine: String? { ignoredText(key: "ignore:") }

    func ignoredText(key: String) -> String? {
        guard let ignored = plan.ignored, ignored.objects > 0 else { return nil }
        return "Ignored: \(ignored.objects) object\(ignored.objects == 1 ? "" : "s") in \(ignored.tenants) "
            + "tenant\(ignored.tenants == 1 ? "" : "s") (\(key) in schema.yaml), not shown."
    }

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func symbol(_ action: Change.Action) -> String {
        switch action {
        case .create: paint("+", "32")
        case .change: paint("~", "33")
        case .drop: paint("-", "31")
        }
    }

    func tenantList(_ set: PlanFile.ChangeSet) -> String {
        let multi = plan.databases.count > 1
        var names: [String] = []
        for db in plan.databases {
            for t in set.tenants[db.name] ?? [] { names.append((multi ? "\(db.name)/\(t)" : t).printable) }
        }
        if names.count <= tenantsShown { return names.joined(separator: ", ") }
        return names.prefix(tenantsShown).joined(separator: ", ") + " and \(names.count - tenantsShown) more"
    }

    func heading(_ set: PlanFile.ChangeSet) -> String {
        let n = set.tenantCount
        let who = "\(n) tenant\(n == 1 ? "" : "s")"
        if set.drifted { return "Nothing planned, changes held back: \(who)" }
        if set.inSync && !set.held.isEmpty { return "In sync, keeping objects not in schema.yaml: \(who)" }
        if set.inSync { return "In sync: \(who)" }
        return "\(set.creates ? "Create" : "Change") \(who) (\(set.changes.count) change\(set.changes.count == 1 ? "" : "s"))"
    }

    /// Text for a terminal. With `sql`, each change's statement follows it.
    public func text(sql: Bool = false) -> String {
        var out: [String] = []
        let dbs = plan.databases.map { "\($0.name) (\($0.databaseName))" }.joined(separator: ", ")
        out.append("tenantplan: \(plan.tenantCount) tenant\(plan.tenantCount == 1 ? "" : "s") in \(plan.databases.count) database\(plan.databases.count == 1 ? "" : "s"): \(dbs)")
        if let allowedLine { out.append(allowedLine.printable) }
        for set in plan.changeSets {
            out.append("")
            out.append(paint("\(heading(set)): ", "1") + tenantList(set))
            if let formLine = formLine(set) { out.append("  " + paint(formLine, "2")) }
            for change in set.changes {
                var line = "  \(symbol(change.action)) \(change.object.printable)"
                if !change.hazards.isEmpty {
                    line += "  " + paint("[" + change.hazards.map(\.rawValue).joined(separator: ", ") + "]",
                                         change.isDestructive ? "31" : "33")
                }
                if let work = lockSummary(change, sizes: set.tableSizes, tenants: set.tenantCount) { line += "  " + paint("(\(work.printable))", "2") }
                out.append(line)
                if sql {
                    for l in change.sql.split(separator: "\n", omittingEmptySubsequences: false) {
                        out.append("      \(String(l).printable)")
                    }
                }
            }
            if !set.held.isEmpty {
                out.append("  " + paint("Held back:", "31"))
                for h in set.held { out.append("  ! \(h.object.printable): \(h.reason.printable)") }
            }
        }
        let destructive = plan.changeSets.flatMap(\.changes).filter(\.isDestructive)
        if !destructive.isEmpty {
            out.append("")
            out.append(paint("Warning: this plan drops data or undeclared objects (\(destructive.count) destructive change\(destructive.count == 1 ? "" : "s")).", "31;1"))
        }
        out.append("")
        if let ignoredLine { out.append(ignoredLine) }
        out.append(summaryLine)
        return out.joined(separator: "\n")
    }

    /// Markdown for a pull-request comment: summary, hazards, then each change
    /// set's changes and SQL before its tenants (see `PlanReport+Markdown.swift`).
    public func markdown() -> String {
        markdownLines().joined(separator: "\n")
    }
}
