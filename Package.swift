// swift-tools-version:5.10
import PackageDescription

// Layout and dependencies: see ../shared/DESIGN.md §1 (mirrored in docs/ARCHITECTURE.md).
let package = Package(
    name: "HSAE",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hsae", targets: ["HSAEMain"]),
        .library(name: "HSAE", targets: ["HSAE"]),
        .library(name: "Dist", targets: ["Dist"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Dist", dependencies: ["CMPI"], exclude: ["README.md"]),
        // Vector kernels with a portable and an AVX-512 body, chosen at run time (CKernels.h). No
        // fused multiply-adds but the ones written out: kernels.c turns contraction off by pragma.
        .target(name: "CKernels"),
        // No unsafe flags anywhere (a package with them cannot be a dependency): the hot classes'
        // stored properties are @exclusivity(unchecked) instead of -enforce-exclusivity=unchecked.
        .target(name: "HSAE", dependencies: ["Dist", "COpenBLAS", "CKernels"], exclude: ["README.md"]),
        // The commands are a library so that tests parse them in-process (HSAECommand.parse);
        // the executable is only their entry point.
        .target(
            name: "Launcher",
            dependencies: ["HSAE", "Dist", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["README.md"]),
        .executableTarget(name: "HSAEMain", dependencies: ["Launcher"]),
        .testTarget(name: "DistTests", dependencies: ["Dist"]),
        .testTarget(name: "HSAETests", dependencies: ["HSAE", "Dist"]),
        .testTarget(name: "MultiRankTests", dependencies: ["HSAEMain", "HSAE"]),
        .testTarget(name: "LauncherTests", dependencies: ["Launcher", "HSAE"]),
    ]
)
