import ConsensusNetwork
import NIOCore

/// What a ``PeerConnectionHandler`` tells its owner (the transport for an inbound connection,
/// an ``OutboundPeer`` for an outbound one). Called on the channel's event loop.
struct ConnectionEvents: Sendable {
    /// The opening exchange finished: `peer` is identified.
    var established: @Sendable (_ peer: String, _ channel: any Channel) -> Void
    /// A message arrived from the identified peer.
    var received: @Sendable (_ peer: String, _ message: PeerMessage) -> Void
    /// The channel can take more writes.
    var writable: @Sendable () -> Void
    /// The channel closed; `reason` says why when it is known.
    var closed: @Sendable (_ channel: any Channel, _ reason: String) -> Void
}
