// swift-tools-version: 6.0
// Strata: an embedded columnar event store for click analytics.
// Dependency arrows point one way (see README "Architecture"):
//   C shims -> StrataCore -> StrataFormat -> StrataStore -> StrataIngest / StrataQuery -> StrataCLI -> strata
//   StrataCore holds the shared kernels with no knowledge of files or SQL (in-memory columns and
//   dictionaries, gather/concatenate, radix sort, byte interner and compare, order-preserving key
//   words, the parallel work loop).
//   StrataText (value parsing/formatting, compressed input), StrataSQL (lexer/parser) and
//   StrataGen (the synthetic click-log generator behind `strata gen`, used by StrataCLI) are leaves.
import PackageDescription

// Release builds link the Swift runtime and Foundation statically: the dynamic loader's symbol
// binding across a dozen Swift libraries was half of `strata query "SELECT 1"`'s start-up
// (18 ms CPU dynamic, 9 ms static; Benchmarks/results/startup.md). Debug builds (the tests)
// stay dynamic. Every Swift target gets the flag so that the modules' autolink entries agree.
let staticStdlib: [SwiftSetting] = [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]

// Hot loops mutate class-held buffers; dynamic exclusivity checks cost more than the work.
// Functions start on 64-byte boundaries, so a hot loop keeps its place in the cache lines
// when unrelated code changes size (with 16-byte starts, moving code into StrataCore shifted
// the unchanged group-by loop of q05 by 48 bytes and cost it 15-20%).
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-Xllvm", "-align-all-functions=6"])] + staticStdlib

let package = Package(
    name: "Strata",
    products: [
        .executable(name: "strata", targets: ["strata"]),
        .library(name: "StrataCore", targets: ["StrataCore"]),
        .library(name: "StrataFormat", targets: ["StrataFormat"]),
        .library(name: "StrataText", targets: ["StrataText"]),
        .library(name: "StrataStore", targets: ["StrataStore"]),
        .library(name: "StrataIngest", targets: ["StrataIngest"]),
        .library(name: "StrataGen", targets: ["StrataGen"]),
        .library(name: "StrataQuery", targets: ["StrataQuery"]),
        .library(name: "StrataParquet", targets: ["StrataParquet"]),
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
        // Parquet codecs: snappy (Debian libsnappy-dev) and brotli (libbrotli-dev)
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CBrotli", path: "Sources/CBrotli", pkgConfig: "libbrotlidec",
                       providers: [.apt(["libbrotli-dev"])]),
        // grapheme clusters and their display width (Debian libutf8proc-dev): terminal tables
        .systemLibrary(name: "CUTF8Proc", path: "Sources/CUTF8Proc", pkgConfig: "libutf8proc",
                       providers: [.apt(["libutf8proc-dev"])]),
        // line editing and history of the interactive shell (Debian libedit-dev, BSD licence)
        .target(name: "CLineEdit", path: "Sources/CLineEdit", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CStrataKernels", path: "Sources/CStrataKernels",
                cSettings: [.unsafeFlags(["-O3"])]),
        // RE2 (Debian libre2-dev) behind a small C interface: the regular-expression functions
        .target(name: "CRE2Shim", path: "Sources/CRE2Shim",
                cxxSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("re2")]),
        .target(name: "StrataCore", swiftSettings: fast),
        .target(name: "StrataFormat", dependencies: ["StrataCore", "CZstd", "CLZ4", "CStrataKernels"], swiftSettings: fast),
        .target(name: "StrataParquet", dependencies: ["StrataCore", "StrataFormat", "StrataText", "CZstd", "CLZ4", "CZlib", "CSnappy", "CBrotli"], swiftSettings: fast),
        .target(name: "StrataText", dependencies: ["CZlib", "CZstd"], swiftSettings: fast),
        .target(name: "StrataSQL", swiftSettings: staticStdlib),
        .target(name: "StrataStore", dependencies: ["StrataCore", "StrataFormat", "StrataText"], swiftSettings: fast),
        .target(name: "StrataIngest", dependencies: ["StrataCore", "StrataStore", "StrataFormat", "StrataText", "StrataParquet"], swiftSettings: fast),
        .target(name: "StrataGen", swiftSettings: fast),
        .target(name: "StrataQuery", dependencies: ["StrataCore", "StrataStore", "StrataFormat", "StrataText", "StrataSQL", "CStrataKernels", "CRE2Shim",
                                              "StrataIngest", "CZlib", "CZstd", "StrataParquet"], swiftSettings: fast),
        .target(name: "StrataCLI", dependencies: [
            "StrataCore", "StrataStore", "StrataFormat", "CStrataKernels", "StrataText", "StrataIngest", "StrataGen", "StrataQuery", "StrataSQL", "CUTF8Proc", "CLineEdit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: staticStdlib),
        .executableTarget(name: "strata", dependencies: ["StrataCLI"], swiftSettings: staticStdlib,
                          linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]),
        .target(name: "StrataTestSupport", dependencies: ["StrataCore"], path: "Sources/StrataTestSupport", swiftSettings: staticStdlib),
        .testTarget(name: "StrataCoreTests", dependencies: ["StrataTestSupport", "StrataCore", "StrataGen"]),
        .testTarget(name: "StrataFormatTests", dependencies: ["StrataTestSupport", "StrataFormat", "StrataCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StrataParquetTests", dependencies: ["StrataTestSupport", "StrataParquet", "StrataFormat", "StrataCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StrataTextTests", dependencies: ["StrataTestSupport", "StrataText"]),
        .testTarget(name: "StrataSQLTests", dependencies: ["StrataTestSupport", "StrataSQL"]),
        .testTarget(name: "StrataStoreTests", dependencies: ["StrataTestSupport", "StrataStore", "StrataFormat", "StrataCore"]),
        .testTarget(name: "StrataIngestTests", dependencies: ["StrataTestSupport", "StrataIngest", "StrataStore", "StrataCore", "StrataText", "StrataGen", "StrataParquet"]),
        .testTarget(name: "StrataGenTests", dependencies: ["StrataTestSupport", "StrataGen"]),
        .testTarget(name: "StrataQueryTests", dependencies: ["StrataTestSupport", "StrataQuery", "StrataIngest", "StrataStore", "StrataCore", "StrataGen", "StrataParquet"],
                    resources: [.copy("SQLTests")]),
        .testTarget(name: "StrataCLITests", dependencies: ["StrataTestSupport", "StrataCLI", "StrataGen", "StrataCore"]),
    ]
)
