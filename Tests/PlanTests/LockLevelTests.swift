import Plan
import Testing

/// Lock modes and their conflicts, as PostgreSQL's table of conflicting lock
/// modes has them (https://www.postgresql.org/docs/15/explicit-locking.html).
@Suite struct LockLevelConflictTests {
    /// Each mode and the modes it conflicts with, copied from the documentation's table.
    static let table: [LockLevel: Set<LockLevel>] = [
        .accessShare: [.accessExclusive],
        .rowShare: [.exclusive, .accessExclusive],
        .rowExclusive: [.share, .shareRowExclusive, .exclusive, .accessExclusive],
        .shareUpdateExclusive: [.shareUpdateExclusive, .share, .shareRowExclusive, .exclusive, .accessExclusive],
        .share: [.rowExclusive, .shareUpdateExclusive, .shareRowExclusive, .exclusive, .accessExclusive],
        .shareRowExclusive: [.rowExclusive, .shareUpdateExclusive, .share, .shareRowExclusive, .exclusive, .accessExclusive],
        .exclusive: [.rowShare, .rowExclusive, .shareUpdateExclusive, .share, .shareRowExclusive, .exclusive,
                     .accessExclusive],
        .accessExclusive: Set(LockLevel.allCases),
    ]

    @Test("conflicts(with:) is PostgreSQL's table of conflicting lock modes, both ways")
    func conflicts() {
        for a in LockLevel.allCases {
            for b in LockLevel.allCases {
                #expect(a.conflicts(with: b) == Self.table[a]!.contains(b), "\(a) against \(b)")
                #expect(a.conflicts(with: b) == b.conflicts(with: a))
            }
        }
    }
}
