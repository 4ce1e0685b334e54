/// What `plan --reviewed` prints when the fresh plan needs a new review: what
/// it allows beyond the review, and each group of new changes with its SQL and
/// its tenants (capped), in text or pull-request markdown.
public struct ReviewReport: Sendable {
    public var difference: ReviewDifference
    /// The fresh plan, for its databases (tenant names are `db/tenant` when there are several).
    public var fresh: PlanFile
    /// The reviewed plan's path, as given.
    public var reviewedFile: String
    /// Tenant names listed per group before "and N more".
    public var tenantsListed: Int
    /// Markdown: the size the whole stays within, in UTF-8 bytes (see `PlanReport.markdownBudget`).
    public var markdownBudget: Int
    /// Text: groups shown before "N more groups not shown".
    public var groupsShown: Int

    public init(difference: ReviewDifference, fresh: PlanFile, reviewedFile: String, tenantsListed: Int = 20,
                markdownBudget: Int = 60_000, groupsShown: Int = 50) {
        self.difference = difference
        self.fresh = fresh
        self.reviewedFile = reviewedFile
        self.tenantsListed = tenantsListed
        self.markdownBudget = markdownBudget
        self.groupsShown = groupsShown
    }

    /// `Needs review: ...`, the last line of both forms.
    public var summaryLine: String { summaryLine(quoting: { $0.printable }) }

    /// The summary line with the selectors as `quote` renders them (inline code in
    /// markdown, where a glob's `*` would start emphasis).
    func summaryLine(quoting quote: (String) -> String) -> String {
        var parts: [String] = []
        let tenants = difference.tenantCount
        if tenants > 0 {
            parts.append("\(Markdown.count(tenants, "tenant")) with changes that \(reviewedFile.printable) did not hold for them")
        }
        if !difference.allowedBeyondReview.isEmpty {
            parts.append("the plan allows what the review did not (\(difference.allowedBeyondReview.map(quote).joined(separator: ", ")))")
        }
        return "Needs review: " + parts.joined(separator: "; ") + ". The fresh plan was not written."
    }

    func title(_ group: ReviewDifference.Group) -> String {
        let who = Markdown.count(group.tenantCount, "tenant")
        let why = switch group.reviewed {
        case .otherChanges: ", beyond the changes reviewed for them"
        case .inSync: " in sync when the plan was reviewed"
        case .absent: " not in the reviewed plan"
        }
        return "New changes for \(who)\(why) (change set \(group.changeSet))"
    }

    func names(_ group: ReviewDifference.Group) -> [String] {
        let multi = fresh.databases.count > 1
        return fresh.databases.flatMap { db in
            (group.tenants[db.name] ?? []).map { (multi ? "\(db.name)/\($0)" : $0).printable }
        }
    }

    func capped(_ names: [String], _ show: (String) -> String = { $0 }) -> String {
        var text = names.prefix(tenantsListed).map(show).joined(separator: ", ")
        if names.count > tenantsListed { text += " and \(Markdown.number(names.count - tenantsListed)) more" }
        return text
    }

    /// Text for a terminal or a CI log.
    public func text() -> String {
        var out = ["tenantplan: this plan holds what \(reviewedFile.printable) did not; it needs a new review."]
        if !difference.allowedBeyondReview.isEmpty {
            out += ["", "Allowed now, not in the review: " + difference.allowedBeyondReview.joined(separator: ", ")]
        }
        for group in difference.groups.prefix(groupsShown) {
            out += ["", "\(title(group)): \(capped(names(group)))"]
            for change in group.changes {
                out.append("  \(change.action.rawValue) \(change.object.printable)")
                for line in change.sql.split(separator: "\n", omittingEmptySubsequences: false) {
                    out.append("      \(String(line).printable)")
                }
            }
        }
        if difference.groups.count > groupsShown {
            out += ["", "\(Markdown.count(difference.groups.count - groupsShown, "more group")) of new changes not shown; `tenantplan plan --format json` without --reviewed writes the whole plan."]
        }
        out += ["", summaryLine]
        return out.joined(separator: "\n")
    }

    /// Markdown for a job summary or a comment, within `markdownBudget`.
    public func markdown() -> String {
        var out = ["### tenantplan: needs a new review", "",
                   "This plan holds what \(Markdown.code(reviewedFile)) did not. Review the new changes below (or plan the pull request again) before applying.", ""]
        if !difference.allowedBeyondReview.isEmpty {
            out += ["Allowed now, not in the review: " + difference.allowedBeyondReview.map(Markdown.code).joined(separator: ", "), ""]
        }
        let closing = "**\(summaryLine(quoting: Markdown.code))**"
        var remaining = markdownBudget - Markdown.size(out) - PlanReport.closingRoom - closing.utf8.count
        for (index, group) in difference.groups.enumerated() {
            var section = ["#### \(title(group))", ""]
            section += Markdown.block("diff", group.changes.map { "\($0.action.rawValue) \($0.object.printable)" })
            section += [""] + Markdown.block("sql", group.changes.map { $0.sql + ";" })
            section += ["", "Tenants: " + capped(names(group), Markdown.code), ""]
            if Markdown.size(section) > remaining {
                out += ["_\(Markdown.count(difference.groups.count - index, "more group")) of new changes not shown, to keep within GitHub's size limit._", ""]
                break
            }
            out += section
            remaining -= Markdown.size(section)
        }
        out.append(closing)
        return out.joined(separator: "\n")
    }
}
