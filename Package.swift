// swift-tools-version:6.0
import PackageDescription

// The layers, each depending only on those above it in this list:
//
//   CZlib           zlib, as a system library
//   MregStore       objects, refs, locks, config: a content-addressed store that knows nothing of models
//   MregSupport     small shared pieces: JSON values, the TOML reader, parallel work, digests
//   MregFilter      the one filter language of search and promotion gates: lexer, parser, evaluator
//   MregRegistry    the registry core: models, manifests, events, chains, revisions, ingest, lifecycle
//   MregIndex       services over a registry: the index and search
//   MregGovernance  services over a registry: policy, signatures, hooks, verify
//   MregRemote      services over a registry: remote storage (filesystem, S3), push, fetch, pull, clone
//   MregWeb         services over a registry: the read-only web view (`mreg serve`) and HTML reports
//   MregCLI         the command line: parse, call a service, render
//   mreg            main
let package = Package(
    name: "mreg",
    platforms: [.macOS(.v15)],  // Synchronization's Mutex and Atomic
    products: [
        .executable(name: "mreg", targets: ["mreg"]),
        .library(name: "MregStore", targets: ["MregStore"]),
        .library(name: "MregRegistry", targets: ["MregFilter", "MregRegistry", "MregIndex", "MregGovernance", "MregRemote"]),
        // The fuzz targets, for the libFuzzer package in FuzzTesting/ (not an API).
        .library(name: "MregFuzzTargets", targets: ["MregFuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // The web view (MregWeb): an HTTP server, templates, and Markdown for model cards.
        .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/JohnSundell/Ink", exact: "0.6.0"),
        // `mreg import mlflow` reads MLflow's SQLite tracking store (the system SQLite underneath).
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "MregStore", dependencies: [
            "CZlib",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "MregSupport", dependencies: [
            "MregStore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "MregFilter", dependencies: ["MregSupport"]),
        .target(name: "MregRegistry", dependencies: [
            "MregStore", "MregSupport",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "SystemPackage", package: "swift-system"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "MregIndex", dependencies: [
            "MregStore", "MregSupport", "MregFilter", "MregRegistry",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "MregGovernance", dependencies: [
            "MregStore", "MregSupport", "MregFilter", "MregRegistry",
        ]),
        .target(name: "MregRemote", dependencies: [
            "MregStore", "MregSupport", "MregRegistry", "MregIndex", "MregGovernance",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "MregWeb", dependencies: [
            "MregStore", "MregSupport", "MregFilter", "MregRegistry", "MregIndex", "MregGovernance", "MregRemote",
            .product(name: "FlyingFox", package: "FlyingFox"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Ink", package: "Ink"),
        ]),
        .target(name: "MregCLI", dependencies: [
            "MregStore", "MregSupport", "MregFilter", "MregRegistry", "MregIndex", "MregGovernance", "MregRemote", "MregWeb",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mreg", dependencies: ["MregCLI"]),
        // Tests: one target per layer, sharing MregTestSupport (temporary folders, file snapshots, zlib repair).
        .target(name: "MregTestSupport", path: "Tests/MregTestSupport"),
        // Fuzz targets (bytes in, parsers exercised through their package API), shared by the
        // MregFuzzTests replay and the libFuzzer binary in FuzzTesting/ (`make fuzz`).
        .target(name: "MregFuzzTargets", dependencies: [
            "MregStore", "MregSupport", "MregFilter", "MregRegistry", "MregIndex", "MregGovernance", "MregRemote",
        ], path: "Tests/MregFuzzTargets"),
        .testTarget(name: "MregStoreTests", dependencies: [
            "MregStore", "MregTestSupport",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .testTarget(name: "MregRegistryTests", dependencies: ["MregFilter", "MregRegistry", "MregIndex", "MregGovernance", "MregRemote", "MregTestSupport"]),
        .testTarget(name: "MregCLITests", dependencies: ["MregCLI", "MregTestSupport"]),
        .testTarget(name: "MregWebTests", dependencies: ["MregWeb", "MregRegistry", "MregIndex", "MregRemote", "MregStore", "MregSupport", "MregTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["MregStore", "MregTestSupport"]),
        .testTarget(name: "MregFuzzTests", dependencies: ["MregFuzzTargets", "MregTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
