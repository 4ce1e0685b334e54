// swift-tools-version: 6.0
import PackageDescription

// The target graph is the architecture; dependencies point one way:
//
//   SQLSyntax  <-  State  <-  Plan  ----------------+
//                                  \                 |
//   CLibPQ  <-  Postgres  <-------- Catalog  <-  Planning  <-  tenantplan
//                                        \                     /
//                                         +---  Apply  <------+
//
// `SQLSyntax`, `State` and `Plan` are pure: no libpq, no I/O beyond reading
// files. `State` is the model (declaration, YAML loading and validation, schema
// states, fingerprints); `Plan` diffs, renders SQL, names hazards and writes the
// plan file and its reports. `Catalog` is everything that reads a live database
// (reflection, stamps, the scratch schema, fleet reflection, import, connection
// resolution). `Planning` and `Apply` are the shells that run a plan or an apply.
// `Workers` (Foundation only) is the thread pool and progress meter that both
// `Catalog` (fleet reflection) and `Apply` fan out on.
let package = Package(
    name: "tenantplan",
    platforms: [.macOS(.v15)],  // Synchronization.Mutex
    products: [
        .executable(name: "tenantplan", targets: ["tenantplan"]),
    ],
    dependencies: [
        // Exact versions: a release is built from known sources, and a fresh clone
        // resolves the same ones (Package.resolved is not committed).
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "SQLSyntax"),
        .target(name: "State", dependencies: ["SQLSyntax", "Yams"]),
        .target(name: "Plan", dependencies: ["State", "SQLSyntax"]),
        .target(name: "Workers"),
        .target(name: "Catalog", dependencies: ["Plan", "State", "SQLSyntax", "Postgres", "Workers"]),
        .target(name: "Planning", dependencies: ["Catalog", "Plan", "State", "Postgres"]),
        .target(name: "Apply", dependencies: ["Catalog", "Plan", "State", "SQLSyntax", "Postgres", "Workers"]),
        .executableTarget(
            name: "tenantplan",
            dependencies: [
                "Apply", "Planning", "Catalog", "Plan", "State", "Postgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["Postgres", "SQLSyntax"], path: "Tests/TestSupport"),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "SQLSyntax", "TestSupport"]),
        .testTarget(name: "StateTests", dependencies: ["State", "TestSupport"]),
        .testTarget(name: "PlanTests", dependencies: ["Plan", "State", "SQLSyntax", "TestSupport"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "State"]),
        .testTarget(name: "ApplyTests", dependencies: ["Apply", "Planning", "Catalog", "Plan", "State", "SQLSyntax", "Postgres", "TestSupport"]),
        .testTarget(name: "WorkersTests", dependencies: ["Workers"]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["Apply", "Planning", "Catalog", "Plan", "State", "Postgres", "SQLSyntax", "TestSupport", "Yams"]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Postgres", "SQLSyntax", "Yams"]),
    ]
)
