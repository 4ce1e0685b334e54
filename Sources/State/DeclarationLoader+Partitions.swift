import Foundation
import Yams

/// `unlogged:`, `partition_by:` and `partitions:` of a table.
///
/// The partition key and bounds are SQL, kept as written: the server's own
/// rendering of them is what gets compared (see `DesiredState`).
extension DeclarationLoader.Parser {
    func parsePartitioning(_ fields: YAMLFields, into table: inout TableDeclaration) {
        let owner = "table '\(table.name)'"
        if let entry = fields["unlogged"], let unlogged = reader.bool(entry, of: owner) {
            table.unlogged = unlogged
        }
        if let entry = fields["partition_by"], let key = reader.string(entry, of: owner) {
            table.partitionBy = key
            table.partitionByLocation = entry.value.location(in: file)
            if table.unlogged, let unloggedEntry = fields["unlogged"] {
                reader.error("\(owner) is partitioned and cannot be unlogged", at: unloggedEntry.value,
                             hint: "PostgreSQL keeps no rows in a partitioned table itself; remove unlogged: true")
            }
        }
        guard let entry = fields["partitions"] else { return }
        guard table.partitionBy != nil else {
            reader.error("\(owner) has partitions: but no partition_by:", at: entry.keyNode,
                         hint: "add partition_by: \"RANGE (column)\" (or LIST or HASH), or remove partitions:")
            return
        }
        let shape = "a mapping of partition names to bounds, e.g. t_2026: \"FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')\""
        guard let entries = reader.entries(of: entry.value, what: "'partitions' of \(owner)", shape: shape) else { return }
        for item in entries {
            let name = item.key
            let what = "partition '\(name)' of \(owner)"
            guard reader.checkName(name, kind: "partition name", at: item.keyNode),
                  let bound = reader.string(item, of: owner) else { continue }
            let words = bound.uppercased().split(whereSeparator: \.isWhitespace)
            guard words == ["DEFAULT"] || words.starts(with: ["FOR", "VALUES"]) else {
                reader.error("the bound of \(what) is neither FOR VALUES ... nor DEFAULT", at: item.value,
                             hint: "write \"FOR VALUES FROM (...) TO (...)\", \"FOR VALUES IN (...)\", "
                                 + "\"FOR VALUES WITH (MODULUS m, REMAINDER r)\" or DEFAULT")
                continue
            }
            let location = item.keyNode.location(in: file)
            claim(name, .table, what, at: location)
            table.partitions.append(PartitionDeclaration(name: name, bound: bound, location: location))
        }
    }
}
