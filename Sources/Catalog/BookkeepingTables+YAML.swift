import State

extension Importer {
    /// The `ignore:` section `import` writes (the bookkeeping tables of migration
    /// tools it left out), with a comment that says why; empty without rules.
    static func ignoreSection(_ rules: IgnoreRules) -> String {
        guard !rules.isEmpty else { return "" }
        var out = "# Left alone by tenantplan: never created, changed, dropped or shown. Bookkeeping tables of\n"
            + "# migration tools are listed here: stop running those tools once tenantplan manages the tenants.\n"
            + "ignore:\n"
        for kind in IgnoreRules.Kind.allCases {
            guard let globs = rules.globs[kind] else { continue }
            out += "  \(kind.rawValue): [\(globs.map { yamlScalar($0.pattern) }.joined(separator: ", "))]\n"
        }
        return out
    }
}
