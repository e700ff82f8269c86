// swift-tools-version: 6.0
// Strata: an embedded columnar event store for click analytics.
// Dependency arrows point one way (see README "Architecture"):
//   C shims -> StrataFormat -> StrataStore -> StrataIngest / StrataQuery -> StrataCLI -> strata
//   StrataText (value parsing/formatting, compressed input), StrataSQL (lexer/parser) and
//   StrataGen (the synthetic click-log generator behind `strata gen`, used by StrataCLI) are leaves.
import PackageDescription

// Hot loops mutate class-held buffers; dynamic exclusivity checks cost more than the work.
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "Strata",
    products: [
        .executable(name: "strata", targets: ["strata"]),
        .library(name: "StrataFormat", targets: ["StrataFormat"]),
        .library(name: "StrataText", targets: ["StrataText"]),
        .library(name: "StrataStore", targets: ["StrataStore"]),
        .library(name: "StrataIngest", targets: ["StrataIngest"]),
        .library(name: "StrataGen", targets: ["StrataGen"]),
        .library(name: "StrataQuery", targets: ["StrataQuery"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CStrataKernels", path: "Sources/CStrataKernels",
                cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "StrataFormat", dependencies: ["CZstd", "CLZ4", "CStrataKernels"], swiftSettings: fast),
        .target(name: "StrataText", dependencies: ["CZlib", "CZstd"], swiftSettings: fast),
        .target(name: "StrataSQL"),
        .target(name: "StrataStore", dependencies: ["StrataFormat", "StrataText"], swiftSettings: fast),
        .target(name: "StrataIngest", dependencies: ["StrataStore", "StrataFormat", "StrataText"], swiftSettings: fast),
        .target(name: "StrataGen", swiftSettings: fast),
        .target(name: "StrataQuery", dependencies: ["StrataStore", "StrataFormat", "StrataText", "StrataSQL", "CStrataKernels"], swiftSettings: fast),
        .target(name: "StrataCLI", dependencies: [
            "StrataStore", "StrataFormat", "CStrataKernels", "StrataText", "StrataIngest", "StrataGen", "StrataQuery", "StrataSQL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "strata", dependencies: ["StrataCLI"]),
        .testTarget(name: "StrataFormatTests", dependencies: ["StrataFormat"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StrataTextTests", dependencies: ["StrataText"]),
        .testTarget(name: "StrataSQLTests", dependencies: ["StrataSQL"]),
        .testTarget(name: "StrataStoreTests", dependencies: ["StrataStore", "StrataFormat"]),
        .testTarget(name: "StrataIngestTests", dependencies: ["StrataIngest", "StrataStore", "StrataText", "StrataGen"]),
        .testTarget(name: "StrataGenTests", dependencies: ["StrataGen"]),
        .testTarget(name: "StrataQueryTests", dependencies: ["StrataQuery", "StrataIngest", "StrataStore"],
                    resources: [.copy("SQLTests")]),
        .testTarget(name: "StrataCLITests", dependencies: ["StrataCLI", "StrataGen"]),
    ]
)
