import State

/// Enums: created, or their new labels added in place; their comments set by
/// `COMMENT ON TYPE`.
extension Differ.Run {
    mutating func diffEnums() {
        for e in declaration.enums {
            let wantComment = desired.enumType(named: e.name).map(\.comment) ?? e.comment
            guard let current = actual.enumType(named: e.name) else {
                add(.createEnum(e), .enums)
                if wantComment != nil { add(.commentOnEnum(e.name, comment: wantComment), .comments) }
                continue
            }
            // A comment is set whatever happens to the labels.
            if current.comment != wantComment { add(.commentOnEnum(e.name, comment: wantComment), .comments) }
            let want = desired.enumType(named: e.name)?.labels ?? e.values
            if current.labels == want { continue }
            // Labels can be added in place; removing or reordering them needs a
            // type rebuild that rewrites every column using it: not done automatically.
            guard isSubsequence(current.labels, of: want) else {
                held.append(HeldChange(
                    object: "enum \(e.name)",
                    reason: "removing or reordering enum labels (\(current.labels.joined(separator: ", ")) → \(want.joined(separator: ", "))) is not supported; migrate the type by hand"))
                var kept = current
                kept.comment = wantComment
                setEnum(kept, in: &expected)
                continue
            }
            let present = Set(current.labels)
            for (i, label) in want.enumerated() where !present.contains(label) {
                let before = want[(i + 1)...].first { present.contains($0) }
                add(.addEnumValue(type: e.name, value: label, before: before), .enums)
            }
        }
    }

    func setEnum(_ e: EnumState, in state: inout SchemaState) {
        state.enums.removeAll { $0.name == e.name }
        state.enums.append(e)
    }
}
