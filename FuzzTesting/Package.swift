// swift-tools-version:6.0
import PackageDescription

// The libFuzzer build of mreg's fuzz targets (Tests/MregFuzzTargets in the main package):
// one binary, `MregFuzz TARGET [libFuzzer options] [corpus folders]`. Kept out of the main
// package so that its build stays untouched; `make fuzz` builds it with
//   swift build --package-path FuzzTesting --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library ...
// and runs every target (Scripts/fuzz.sh). It does not link without -sanitize=fuzzer.

// A path dependency's identity is its folder's name (`mreg`, or a worktree's name).
let mainPackage = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "mreg"

let package = Package(
    name: "MregFuzzTesting",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver (the library comes with -sanitize=fuzzer).
        .target(name: "CLibFuzzer"),
        .executableTarget(name: "MregFuzz", dependencies: [
            "CLibFuzzer",
            .product(name: "MregFuzzTargets", package: mainPackage),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
