/// The pull-request comment.
///
/// A comment has to show the SQL whatever the fleet: at 5,000 tenants a tenant
/// list written out in full pushes the first statement past any comment limit.
/// So each change set shows its changes and SQL first and its tenants after,
/// capped; hazards are listed once per distinct change, not once per set; and the
/// whole stays within `markdownBudget`, later change sets giving way to a note.
/// Sections are added whole, so nothing is cut inside a code block.
extension PlanReport {
    /// Hazard and held-back lines listed before "and N more".
    static let hazardLinesListed = 40
    /// Change set ids named in one hazard line before "and N more".
    static let setIdsListed = 5
    /// Room kept at the end for the note that says what was left out.
    static let closingRoom = 400

    func markdownLines() -> [String] {
        var out: [String] = ["### tenantplan", "", "**\(summaryLine)**", ""]
        if let allowed = plan.allowed, !allowed.isEmpty {
            out += ["Allowed by `--allow`: " + allowed.map { Markdown.code($0) }.joined(separator: ", "), ""]
        }
        if let ignored = ignoredText(key: "`ignore:`") { out += [ignored, ""] }
        out += hazardSection(within: markdownBudget / 4)
        var remaining = markdownBudget - Markdown.size(out) - Self.closingRoom
        for (index, set) in plan.changeSets.enumerated() {
            let full = section(set, changesShown: set.changes.count)
            if Markdown.size(full) <= remaining {
                out += full
                remaining -= Markdown.size(full)
                continue
            }
            var shown = index
            if let partial = partialSection(set, within: remaining) {
                out += partial
                shown += 1
            }
            let left = plan.changeSets[shown...]
            if !left.isEmpty {
                let tenants = left.reduce(0) { $0 + $1.tenantCount }
                out.append("_\(Markdown.count(left.count, "more change list")) (\(Markdown.count(tenants, "tenant"))) not shown, to keep this comment within GitHub's size limit. The plan file has them all: `tenantplan show plan.json`._")
                out.append("")
            }
            break
        }
        return out
    }

    /// A change set: heading, its changes, its SQL (folded), then its tenants.
    /// With `changesShown` below the number of changes, the first ones and a note.
    func section(_ set: PlanFile.ChangeSet, changesShown: Int) -> [String] {
        var out = ["#### Change set \(set.id): \(heading(set))", ""]
        if let formLine = formLine(set) { out += [formLine, ""] }
        if !set.changes.isEmpty {
            let changes = set.changes.prefix(changesShown)
            let hidden = set.changes.count - changes.count
            let note = "_… and \(Markdown.count(hidden, "more change")), not shown here; `tenantplan show plan.json` lists them all._"
            out += Markdown.block("diff", changes.map { "\($0.action.rawValue) \($0.object.printable)" })
            if hidden > 0 { out += ["", note] }
            out += ["", "<details><summary>SQL</summary>", ""]
            out += Markdown.block("sql", changes.map { $0.sql + ";" })
            if hidden > 0 { out += ["", note] }
            out += ["", "</details>", ""]
        }
        out += tenantLines(set)
        out.append("")
        return out
    }

    /// The set with as many of its first changes as fit in `budget`; nil when
    /// not even one does.
    func partialSection(_ set: PlanFile.ChangeSet, within budget: Int) -> [String]? {
        guard !set.changes.isEmpty else { return nil }
        // Grow by the lines each change adds, then check the real size (fences
        // and the note may differ by a few bytes).
        var shown = 1
        var size = Markdown.size(section(set, changesShown: 1))
        guard size <= budget else { return nil }
        while shown < set.changes.count {
            let next = set.changes[shown]
            let cost = "\(next.action.rawValue) \(next.object.printable)".utf8.count + 1 + next.sql.utf8.count + 2
            if size + cost > budget { break }
            size += cost
            shown += 1
        }
        while shown > 0 {
            let lines = section(set, changesShown: shown)
            if Markdown.size(lines) <= budget { return lines }
            shown -= 1
        }
        return nil
    }

    /// `Tenants: ...` for a short list; a folded, capped list for a long one.
    func tenantLines(_ set: PlanFile.ChangeSet) -> [String] {
        let names = tenantNames(set.tenants)
        if names.count <= tenantsShown {
            return ["Tenants: " + names.map(Markdown.code).joined(separator: ", ")]
        }
        var list = names.prefix(markdownTenantsListed).map(Markdown.code).joined(separator: ", ")
        if names.count > markdownTenantsListed {
            list += " and \(Markdown.number(names.count - markdownTenantsListed)) more"
        }
        return ["<details><summary>\(Markdown.count(names.count, "tenant"))</summary>", "", list, "", "</details>"]
    }

    /// Tenant names in database order, as `db/tenant` when the plan has several databases.
    func tenantNames(_ tenants: [String: [String]]) -> [String] {
        let multi = plan.databases.count > 1
        return plan.databases.flatMap { db in (tenants[db.name] ?? []).map { multi ? "\(db.name)/\($0)" : $0 } }
    }

    /// Destructive changes first, then the other hazards, then what is held
    /// back; each distinct change once, with the sets it is in.
    func hazardSection(within budget: Int) -> [String] {
        struct Entry {
            var line: String
            var sets: [Int] = []
            var tenants = 0
            /// The change, for its locks, and the largest size of each table among the sets.
            var change: Change?
            var sizes: [String: PlanFile.TableSize] = [:]
        }
        var entries: [String: Entry] = [:]
        var order: [[String]] = [[], [], []]   // destructive, other hazards, held back
        func add(_ group: Int, key: String, line: String, set: PlanFile.ChangeSet) {
            if entries[key] == nil {
                entries[key] = Entry(line: line)
                order[group].append(key)
            }
            entries[key]!.sets.append(set.id)
            entries[key]!.tenants += set.tenantCount
        }
        func addSizes(_ key: String, _ change: Change, _ set: PlanFile.ChangeSet) {
            entries[key]!.change = change
            for (table, size) in set.tableSizes ?? [:] where size.bytes > entries[key]!.sizes[table]?.bytes ?? -1 {
                entries[key]!.sizes[table] = size
            }
        }
        for set in plan.changeSets {
            for change in set.changes where !change.hazards.isEmpty {
                let what = Markdown.code("\(change.action.rawValue) \(change.object)")
                let hazards = change.hazards.map(\.summary).joined(separator: "; ")
                let group = change.isDestructive ? 0 : 1
                let key = "\(group)\u{0}\(what)\u{0}\(hazards)"
                add(group, key: key, line: "- \(group == 0 ? "🛑" : "⚠️") \(what): \(hazards)", set: set)
                addSizes(key, change, set)
            }
            for held in set.held {
                let what = Markdown.code(held.object)
                add(2, key: "2\u{0}\(what)\u{0}\(held.reason)", line: "- ⏸ held back \(what): \(held.reason.printable)", set: set)
            }
        }
        let keys = order.flatMap { $0 }
        if keys.isEmpty { return [] }
        var out = ["#### Hazards", ""]
        var listed = 0
        for key in keys {
            let entry = entries[key]!
            // The locks again only to say how big what they scan is.
            let locks = entry.sizes.isEmpty ? nil
                : entry.change.flatMap { lockSummary($0, sizes: entry.sizes, tenants: entry.tenants) }
            let line = "\(entry.line)\(locks.map { "; " + $0.printable } ?? "") (\(setList(entry.sets)), \(Markdown.count(entry.tenants, "tenant")))"
            if listed == Self.hazardLinesListed || Markdown.size(out + [line]) > budget { break }
            out.append(line)
            listed += 1
        }
        if listed < keys.count {
            out.append("- … and \(Markdown.number(keys.count - listed)) more; `tenantplan show plan.json` lists every change")
        }
        out.append("")
        return out
    }

    /// `change set 2`, `change sets 1, 2, 3, 4, 5 and 7 more`.
    func setList(_ ids: [Int]) -> String {
        if ids.count == 1 { return "change set \(ids[0])" }
        var text = "change sets " + ids.prefix(Self.setIdsListed).map(String.init).joined(separator: ", ")
        if ids.count > Self.setIdsListed { text += " and \(Markdown.number(ids.count - Self.setIdsListed)) more" }
        return text
    }
}
