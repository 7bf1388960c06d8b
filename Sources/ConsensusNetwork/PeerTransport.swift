import ConsensusCore

/// How one member's messages reach its peers: the in-memory network, TCP, a game engine's
/// channel. A transport never blocks its caller: each peer has a bounded outbound queue, and a
/// send that cannot be queued (peer unknown or down, queue full) says so, so that the member can
/// be told (etcd's `ReportUnreachable`). Raft tolerates the loss; the report only makes the
/// failure detector's picture sharper.
public protocol PeerTransport: Sendable {
    /// Queues `message` from `from` to `to` (member names).
    func send(from: String, to: String, _ message: PeerMessage) -> PeerSendResult
}

/// What became of one ``PeerTransport/send(from:to:_:)``.
public enum PeerSendResult: Sendable, Hashable {
    /// Queued for delivery (which may still fail later: the network can lose it).
    case queued
    /// Not queued: the peer is unknown, down or disconnected.
    case unreachable
    /// Not queued: the peer's outbound queue is full (it is too slow or gone).
    case queueFull
}

/// The core's id for a member name: a stable 64-bit hash (FNV-1a), never 0. Every layer that
/// maps names to ids uses this one function.
public func memberID(_ name: String) -> NodeID {
    let h = fnv1a(Array(name.utf8))
    return h == 0 ? 1 : h
}
