// swift-tools-version: 6.0
import PackageDescription

// The target graph is the architecture; dependencies point one way:
//   CLibPQ  <-  Postgres  <-  State  <-  Plan  <-  Planning  <-  Apply  <-  tenantplan
// `Plan` is pure (no libpq calls): diffing, SQL rendering, hazards, the plan file
// and its reports. `Planning` and `Apply` are the shells that talk to databases.
let package = Package(
    name: "tenantplan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tenantplan", targets: ["tenantplan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "State", dependencies: ["Postgres", "Yams"]),
        .target(name: "Plan", dependencies: ["State"]),
        .target(name: "Planning", dependencies: ["Plan", "State", "Postgres"]),
        .target(name: "Apply", dependencies: ["Planning", "Plan", "State", "Postgres"]),
        .executableTarget(
            name: "tenantplan",
            dependencies: [
                "Apply", "Planning", "Plan", "State",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["Postgres"], path: "Tests/TestSupport"),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "StateTests", dependencies: ["State", "TestSupport"]),
        .testTarget(name: "PlanTests", dependencies: ["Plan", "State", "TestSupport"]),
        .testTarget(name: "ApplyTests", dependencies: ["Apply", "Planning", "Plan", "State", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Postgres"]),
    ]
)
