// swift-tools-version:6.1
// A user package that builds its own processing element with HWGen.
import PackageDescription

let package = Package(
    name: "CustomPE",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "HWGen", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "custom-pe", dependencies: [
            .product(name: "HWGen", package: "HWGen"),
        ]),
    ]
)
