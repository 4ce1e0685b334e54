import Foundation

extension Change {
    enum CodingKeys: String, CodingKey { case op, action, object, sql, transactional, hazards, locks, lockFirst = "lock_first", backfill }

    /// A decoder `userInfo` key: when true, an `op` this version does not know is
    /// kept in `unknownOperation` instead of failing the decoding.
    ///
    /// `PlanFile.decode` sets it so that an edited plan is refused for its digest,
    /// as any other edit is, and only an intact plan naming an unknown operation
    /// (made by another version of tenantplan) is refused for that.
    static let keepsUnknownOperations = CodingUserInfoKey(rawValue: "tenantplan.keepsUnknownOperations")!

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .op)
        if let op = Operation(rawValue: name) {
            self.op = op
        } else if decoder.userInfo[Self.keepsUnknownOperations] as? Bool == true {
            self.op = .createSchema
            self.unknownOperation = name
        } else {
            throw DecodingError.dataCorruptedError(forKey: .op, in: c,
                                                   debugDescription: "unknown operation '\(name)'")
        }
        action = try c.decode(Action.self, forKey: .action)
        object = try c.decode(String.self, forKey: .object)
        sql = try c.decode(String.self, forKey: .sql)
        transactional = try c.decode(Bool.self, forKey: .transactional)
        hazards = try c.decode([Hazard].self, forKey: .hazards)
        locks = try c.decodeIfPresent([RelationLock].self, forKey: .locks) ?? []
        lockFirst = try c.decodeIfPresent([String].self, forKey: .lockFirst) ?? []
        backfill = try c.decodeIfPresent(ColumnBackfill.self, forKey: .backfill)
    }

    /// The fields in declaration order; `op` as its plan-file name.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(unknownOperation ?? op.rawValue, forKey: .op)
        try c.encode(action, forKey: .action)
        try c.encode(object, forKey: .object)
        try c.encode(sql, forKey: .sql)
        try c.encode(transactional, forKey: .transactional)
        try c.encode(hazards, forKey: .hazards)
        if !locks.isEmpty { try c.encode(locks, forKey: .locks) }
        // Only when there are locks to take: other changes encode as before.
        if !lockFirst.isEmpty { try c.encode(lockFirst, forKey: .lockFirst) }
        try c.encodeIfPresent(backfill, forKey: .backfill)
    }
}
