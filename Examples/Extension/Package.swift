// swift-tools-version:6.1
// A package outside HWGen that adds an engine kind and a MAC kind, registers them, and runs them
// through HWGen's own flow: spec, emit, golden model, generated testbench, both simulators.
import PackageDescription

let package = Package(
    name: "Extension",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "HWGen", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "hwgen-extension", dependencies: [
            .product(name: "HWGen", package: "HWGen"),
        ]),
    ]
)
