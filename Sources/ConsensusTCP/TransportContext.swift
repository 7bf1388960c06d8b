import ConsensusNetwork
import ConsensusWire
import Logging
import NIOCore
import Synchronization

/// What a ``TCPTransport`` shares with its connections: the configuration, the logger, the
/// jitter source, and where received messages and lost peers go.
final class TransportContext: Sendable {
    let configuration: TCPTransportConfiguration
    let logger: Logger
    let inbox: Inbox
    private let random: Mutex<any RandomNumberGenerator & Sendable>

    init(configuration: TCPTransportConfiguration, logger: Logger, inbox: Inbox, random: any RandomNumberGenerator & Sendable) {
        self.configuration = configuration
        self.logger = logger
        self.inbox = inbox
        self.random = Mutex(random)
    }

    /// The wait before the next attempt after `failures` failures in a row.
    func reconnectDelay(afterFailures failures: Int) -> Duration {
        random.withLock { random in configuration.backoff.delay(afterFailures: failures, using: &random) }
    }

    /// Adds the handlers of a peer connection to `channel`'s pipeline.
    func addHandlers(
        to channel: any Channel, role: OpeningStateMachine.Role, knownPeers: Set<String>, events: ConnectionEvents
    ) throws {
        let identity = OpeningStateMachine.Identity(
            clusterID: configuration.clusterID, nodeName: configuration.nodeName,
            secret: configuration.secret, knownPeers: knownPeers)
        let machine = OpeningStateMachine(role: role, identity: identity, nonce: PeerProof.makeNonce())
        let handler = PeerConnectionHandler(
            machine: machine, snapshotBytesMax: configuration.snapshotBytesMax,
            openingTimeout: configuration.openingTimeout, events: events, logger: logger)
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(ConnectionFrameDecoder(frameBytesMax: configuration.frameBytesMax)),
            handler,
        ])
    }
}
