import State

/// Standalone sequences: created before the tables whose defaults take their
/// values, owned (`OWNED BY`) once their column exists, changed in place by
/// `ALTER SEQUENCE`, and dropped like other undeclared objects
/// (`Differ+Undeclared.swift`). Their current value is data: never compared,
/// never reset.
extension Differ.Run {
    mutating func diffSequences() {
        for s in declaration.sequences {
            guard let want = desired.sequence(named: s.name) else { continue }
            guard let current = actual.sequence(named: s.name) ?? Self.serialSequence(s.name, in: actual) else {
                add(.createStandaloneSequence(s), .sequences)
                if let ownedBy = want.ownedBy { add(.sequenceOwnedBy(name: s.name, ownedBy: ownedBy), .sequenceOwners) }
                if want.comment != nil { add(.commentOnSequence(s.name, comment: want.comment), .comments) }
                continue
            }
            var options = current
            options.ownedBy = want.ownedBy
            options.comment = want.comment
            if options != want {
                // Narrower bounds or type fail while the sequence has handed out values beyond them.
                let narrows = want.minValue > current.minValue || want.maxValue < current.maxValue
                add(.alterSequence(from: current, to: want), .sequences, hazards: narrows ? [.mayFailOnExistingData] : [])
            }
            if current.ownedBy != want.ownedBy {
                // Released before the plan drops the old owner (which would drop the sequence too).
                if current.ownedBy != nil { add(.sequenceOwnedBy(name: s.name, ownedBy: nil), .sequences) }
                if let ownedBy = want.ownedBy { add(.sequenceOwnedBy(name: s.name, ownedBy: ownedBy), .sequenceOwners) }
            }
            if current.comment != want.comment {
                add(.commentOnSequence(s.name, comment: want.comment), .comments)
            }
        }
    }

    /// The sequence `name` of a serial column of `state`, as a standalone
    /// sequence: a declared sequence that a serial's was (the column keeps its
    /// values and default). A serial's sequence has serial's options, and its
    /// column's owned-sequence type.
    static func serialSequence(_ name: String, in state: SchemaState) -> SequenceState? {
        for t in state.tables {
            for c in t.columns where c.ownedSequence == name {
                let type = c.ownedSequenceType ?? "integer"
                return SequenceState(name: name, type: type, maxValue: SequenceState.typeMaximum(type) ?? Int64.max,
                                     ownedBy: "\(t.name).\(c.name)")
            }
        }
        return nil
    }
}
