// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mreg",
    platforms: [.macOS(.v15)],  // Synchronization's Mutex and Atomic
    products: [
        .executable(name: "mreg", targets: ["mreg"]),
        .library(name: "MregStore", targets: ["MregStore"]),
        .library(name: "MregRegistry", targets: ["MregRegistry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "MregStore", dependencies: [
            "CZlib",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "MregRegistry", dependencies: [
            "MregStore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(name: "MregCLI", dependencies: [
            "MregStore", "MregRegistry",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mreg", dependencies: ["MregCLI"]),
        .testTarget(name: "MregStoreTests", dependencies: ["MregStore"]),
        .testTarget(name: "MregRegistryTests", dependencies: ["MregRegistry"]),
        .testTarget(name: "MregCLITests", dependencies: ["MregCLI"]),
        .testTarget(name: "EndToEndTests", dependencies: ["MregStore"]),
    ],
    swiftLanguageModes: [.v6]
)
