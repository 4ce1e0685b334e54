import ArgumentParser

/// The two input files.
struct FileOptions: ParsableArguments {
    @Option(name: .long, help: "The desired tenant schema.")
    var schema = "schema.yaml"

    @Option(name: .long, help: "The fleet: databases and tenants.")
    var tenants = "tenants.yaml"
}
