// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-consensus",
    products: [
        .library(name: "ConsensusCore", targets: ["ConsensusCore"]),
        .library(name: "Consensus", targets: ["Consensus"]),
        .library(name: "ConsensusTesting", targets: ["ConsensusTesting"]),
        .library(name: "ConsensusRecipes", targets: ["ConsensusRecipes"]),
        // PeerMessage and its wire encoding, for embedders that carry messages between processes
        // with setMessageSender / handleMessage over a transport of their own.
        .library(name: "ConsensusNetwork", targets: ["ConsensusNetwork"]),
        .library(name: "ConsensusWire", targets: ["ConsensusWire"]),
        .library(name: "ConsensusServer", targets: ["ConsensusServer"]),
        .library(name: "ConsensusTCP", targets: ["ConsensusTCP"]),
        .executable(name: "consensus", targets: ["consensus"]),
        // The tutorials' worked examples (tutorials/07-game-state.md, 11-counter-exercise.md).
        .executable(name: "game-state", targets: ["game-state"]),
        .executable(name: "distributed-counter", targets: ["distributed-counter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // The pure Raft state machine. Standard library only: no dependencies, on purpose.
        .target(name: "ConsensusCore"),
        // Durable state behind a protocol; an in-memory store for tests and embedded demos.
        .target(name: "ConsensusStorage", dependencies: ["ConsensusCore"]),
        // The peer messages and an in-memory network with fault injection.
        .target(name: "ConsensusNetwork", dependencies: ["ConsensusCore"]),
        // The peer wire format: versioned, length-prefixed frames for every peer message, the
        // handshake, chunked snapshots. Bytes in, values out: no sockets.
        .target(
            name: "ConsensusWire",
            dependencies: [
                "ConsensusCore", "ConsensusNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Peers over TCP: a PeerTransport on SwiftNIO with a handshake (cluster id, node id,
        // optional HMAC secret), reconnects with backoff and a bounded queue per peer.
        .target(
            name: "ConsensusTCP",
            dependencies: [
                "ConsensusCore", "ConsensusWire", "ConsensusNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The runtime: replicated key-value state machine, node actor, ConsensusTrait facade.
        .target(
            name: "Consensus",
            dependencies: [
                "ConsensusCore", "ConsensusStorage", "ConsensusNetwork",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Optimistic update, compare-and-swap, lock with expiry and fencing, atomic counter:
        // worked examples built only on the public API of Consensus.
        .target(name: "ConsensusRecipes", dependencies: ["Consensus", "ConsensusNetwork"]),
        // The member as a service: the HTTP/JSON client API (Hummingbird).
        .target(
            name: "ConsensusServer",
            dependencies: [
                "Consensus", "ConsensusRecipes", "ConsensusTCP", "ConsensusStorage", "ConsensusNetwork",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["openapi.yaml"]
        ),
        // Deterministic simulator and checkers. No real I/O.
        .target(name: "ConsensusTesting", dependencies: ["ConsensusCore", "ConsensusStorage", "Consensus", "ConsensusRecipes"]),
        // The HTTP load generator's pure parts (`consensus bench http`): option checks, the
        // workloads' keys and bodies, latency statistics (HdrHistogram) and the report. No I/O.
        .target(
            name: "ConsensusBench",
            dependencies: [
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // GNU readline (Debian: libreadline-dev) as a system library, for the REPL's line editor.
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        // The REPL: the command parser, help, completion and formatting (pure), the session that
        // runs commands against a backend (process mode: node processes over HTTP), the
        // line-editor shell, and the local cluster of node processes that `consensus cluster`
        // shares.
        .target(
            name: "ConsensusREPL",
            dependencies: [
                "CReadline", "Consensus", "ConsensusServer", "ConsensusTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The command-line interface (`consensus sim`, `consensus bench`, ...).
        .target(
            name: "ConsensusCLI",
            dependencies: [
                "ConsensusREPL",
                "Consensus",
                "ConsensusCore",
                "ConsensusStorage",
                "ConsensusTesting",
                "ConsensusServer",
                "ConsensusBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "consensus", dependencies: ["ConsensusCLI"]),
        // Examples: programs that use the libraries as an application would (`swift run game-state`).
        .executableTarget(name: "game-state", dependencies: ["Consensus", "ConsensusRecipes"], path: "Examples/GameState"),
        .executableTarget(name: "distributed-counter", dependencies: ["Consensus", "ConsensusRecipes"], path: "Examples/DistributedCounter"),
        .testTarget(name: "ConsensusREPLTests", dependencies: ["ConsensusREPL", "Consensus", "ConsensusTesting"]),
        .testTarget(name: "ConsensusCoreTests", dependencies: ["ConsensusCore", "ConsensusTesting"]),
        .testTarget(name: "ConsensusTestingTests", dependencies: ["ConsensusCore", "ConsensusTesting"]),
        .testTarget(name: "ConsensusStorageTests", dependencies: ["ConsensusCore", "ConsensusStorage"]),
        .testTarget(name: "ConsensusNetworkTests", dependencies: ["ConsensusCore", "ConsensusNetwork"]),
        .testTarget(
            name: "ConsensusWireTests",
            dependencies: [
                "ConsensusWire", "ConsensusCore", "ConsensusNetwork", "ConsensusTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ConsensusServerTests",
            dependencies: [
                "ConsensusServer", "Consensus", "ConsensusTesting", "ConsensusREPL",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ConsensusTCPTests",
            dependencies: [
                "ConsensusTCP", "ConsensusWire", "ConsensusCore", "ConsensusNetwork", "Consensus", "ConsensusTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ConsensusBenchTests", dependencies: ["ConsensusBench"]),
        .testTarget(name: "ConsensusRecipesTests", dependencies: ["ConsensusRecipes", "Consensus", "ConsensusTesting"]),
        .testTarget(name: "ConsensusTests", dependencies: ["Consensus", "ConsensusCore", "ConsensusNetwork", "ConsensusStorage", "ConsensusTesting", .product(name: "CoreMetrics", package: "swift-metrics")]),
    ]
)
