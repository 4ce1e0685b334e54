extension SchemaState {
    enum CodingKeys: String, CodingKey {
        case enums, tables, sequences, others, functions, dependents, views, creationOrder
    }

    /// Plan files written before views were modelled have no `views` nor
    /// `creationOrder`: they decode as none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            enums: try c.decode([EnumState].self, forKey: .enums),
            tables: try c.decode([TableState].self, forKey: .tables),
            sequences: try c.decode([SequenceState].self, forKey: .sequences),
            others: try c.decode([String].self, forKey: .others),
            functions: try c.decode([FunctionState].self, forKey: .functions),
            dependents: try c.decode([DependentState].self, forKey: .dependents),
            views: try c.decodeIfPresent([ViewState].self, forKey: .views) ?? [],
            creationOrder: try c.decodeIfPresent([String].self, forKey: .creationOrder) ?? [])
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enums, forKey: .enums)
        try c.encode(tables, forKey: .tables)
        try c.encode(sequences, forKey: .sequences)
        try c.encode(others, forKey: .others)
        try c.encode(functions, forKey: .functions)
        try c.encode(dependents, forKey: .dependents)
        if !views.isEmpty { try c.encode(views, forKey: .views) }
        if !creationOrder.isEmpty { try c.encode(creationOrder, forKey: .creationOrder) }
    }
}
