// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-consensus",
    products: [
        .library(name: "ConsensusCore", targets: ["ConsensusCore"]),
        .library(name: "ConsensusTesting", targets: ["ConsensusTesting"]),
        .executable(name: "consensus", targets: ["consensus"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The pure Raft state machine. Standard library only: no dependencies, on purpose.
        .target(name: "ConsensusCore"),
        // Deterministic simulator and checkers. No real I/O.
        .target(name: "ConsensusTesting", dependencies: ["ConsensusCore"]),
        // The command-line interface (`consensus sim`, `consensus bench`, ...).
        .target(
            name: "ConsensusCLI",
            dependencies: [
                "ConsensusCore",
                "ConsensusTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "consensus", dependencies: ["ConsensusCLI"]),
        .testTarget(name: "ConsensusCoreTests", dependencies: ["ConsensusCore", "ConsensusTesting"]),
        .testTarget(name: "ConsensusTestingTests", dependencies: ["ConsensusCore", "ConsensusTesting"]),
    ]
)
