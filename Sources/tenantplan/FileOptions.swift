import ArgumentParser

/// The two input files.
struct FileOptions: ParsableArguments {
    @Option(name: .long, help: "The desired tenant schema.", completion: .yamlFile)
    var schema = "schema.yaml"

    @Option(name: .long, help: "The fleet: databases and tenants.", completion: .yamlFile)
    var tenants = "tenants.yaml"
}

extension CompletionKind {
    /// `schema.yaml`, `tenants.yaml`.
    static var yamlFile: CompletionKind { .file(extensions: ["yaml", "yml"]) }
    /// `plan.json`.
    static var planFile: CompletionKind { .file(extensions: ["json"]) }
}
