// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "HWGen",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "HWGen", targets: ["HWGen"]),
        .executable(name: "hwgen", targets: ["hwgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing", from: "1.19.7"),
        .package(url: "https://github.com/ordo-one/TextTable", from: "0.0.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .target(name: "Templates", dependencies: [
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        // Layers the compiler enforces: Golden sees Types only, never the generator.
        .target(name: "HWGenTypes"),
        .target(name: "HWGenCore", dependencies: ["HWGenTypes"]),
        .target(name: "HWGenGolden", dependencies: ["HWGenTypes"]),
        .target(name: "HWGenLibrary", dependencies: ["HWGenTypes", "HWGenCore", "HWGenGolden"]),
        .target(name: "HWGen", dependencies: [
            "HWGenLibrary", "Templates",
            .product(name: "Yams", package: "Yams"),
            .product(name: "TextTable", package: "TextTable"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .executableTarget(name: "hwgen", dependencies: [
            "HWGen",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "HWGenTests", dependencies: [
            "HWGen", "hwgen", "HWGenTypes", "HWGenCore", "HWGenGolden", "HWGenLibrary",
            .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            .product(name: "PropertyBased", package: "swift-property-based"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["__Snapshots__"]),
    ]
)
