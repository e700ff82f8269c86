// swift-tools-version: 6.0
// libFuzzer targets for Strata (see docs/reliability.md). NOT part of the root build: run
// `scripts/fuzz.sh TARGET SECONDS`, which builds this package with
// `-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library` into Fuzz/.build.
import Foundation
import PackageDescription

// The repository root is a path dependency; SwiftPM names a path dependency after its
// directory, which differs between clones (strata, main, a worktree's name), so the name is
// read from the path rather than written here.
let rootDir = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let root = rootDir.lastPathComponent
func strata(_ product: String) -> Target.Dependency { .product(name: product, package: root) }

let targets = ["segment", "manifest", "csv", "ndjson", "ingest", "sql", "parquet", "values"]

let package = Package(
    name: "StrataFuzz",
    dependencies: [.package(path: rootDir.path)],
    targets: [
        .target(name: "CFuzzDriver", path: "Sources/CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", strata("StrataCore")], path: "Sources/FuzzSupport"),
    ] + targets.map { t in
        .executableTarget(name: "fuzz-\(t)",
                          dependencies: ["FuzzSupport", strata("StrataCore"), strata("StrataFormat"), strata("StrataText"),
                                         strata("StrataStore"), strata("StrataIngest"), strata("StrataQuery"), strata("StrataParquet")],
                          path: "Sources/\(t)")
    },
    // Swift 5 mode: the harnesses keep process-wide fixtures in globals
    swiftLanguageModes: [.v5]
)
