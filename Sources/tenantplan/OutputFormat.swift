import ArgumentParser

/// `--format` of `plan` and `show`.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

/// `--format` of `apply`, whose report has no markdown form.
enum ApplyFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
