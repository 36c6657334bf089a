// swift-tools-version:6.1
import PackageDescription

/// Where this manifest is: the linker runs elsewhere and needs the symbol order file's full path.
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

/// How the release executable is linked on Linux, for memory (each measured with
/// `/proc/PID/smaps` during a million-row load; README, "Performance"):
/// - lld with packed relative relocations: the dynamic loader no longer reads 2.1 MiB of
///   relocation entries at start-up (-3.3 MiB resident);
/// - no dynamic export of every symbol, which nothing looks up at run time (-1 MiB);
/// - the code a run executes laid out side by side (`scripts/symbol-order` writes the list):
///   the kernel maps code 64 KiB or more at a time around each page touched, and scattered over
///   20 MiB of text that came to 15 MiB resident (-6 MiB).
let releaseLinking: [LinkerSetting] = [
    .unsafeFlags([
        "-use-ld=lld",
        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/Sources/enthuse/symbol-order.txt",
        "-Xlinker", "--no-warn-symbol-ordering",
    ], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "enthuse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "enthuse", targets: ["enthuse"]),
        .library(name: "EnthuseCore", targets: ["EnthuseCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "EnthuseCore",
            dependencies: [
                "CLibXML2",
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: [
                // Release builds do not check exclusive access to class properties at run time:
                // the readers keep their parsing state in classes (libxml2 calls back into them),
                // and swift_beginAccess/endAccess were 5% of a SpreadsheetML register's parsing
                // thread (perf). Debug builds, which `swift test` runs, still check every access.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
            ]
        ),
        .executableTarget(
            name: "enthuse",
            dependencies: [
                "EnthuseCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["symbol-order.txt"],
            linkerSettings: releaseLinking
        ),
        .testTarget(
            name: "EnthuseCoreTests",
            dependencies: ["EnthuseCore", "enthuse", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
