import ConsensusNetwork
import Synchronization

/// Peers whose traffic this member drops, both ways: the admin partition of the HTTP API
/// (`POST /v1/admin/partition`), for lessons and tests. A send to a dropped peer is refused as
/// unreachable (the member sees a cut link); a message from one is ignored.
public final class PeerFilter: Sendable {
    private let dropped = Mutex<Set<String>>([])

    public init() {}

    /// Drops traffic to and from `peers` (replacing the previous set).
    public func drop(_ peers: Set<String>) { dropped.withLock { $0 = peers } }

    /// Lets all traffic through again.
    public func heal() { dropped.withLock { $0 = [] } }

    /// The peers dropped now.
    public var droppedPeers: Set<String> { dropped.withLock { $0 } }

    /// Whether traffic with `peer` is dropped.
    public func isDropped(_ peer: String) -> Bool { dropped.withLock { $0.contains(peer) } }
}

/// A transport that refuses sends to the peers a ``PeerFilter`` drops.
struct FilteredTransport: PeerTransport {
    let base: any PeerTransport
    let filter: PeerFilter

    func send(from: String, to: String, _ message: PeerMessage) -> PeerSendResult {
        filter.isDropped(to) ? .unreachable : base.send(from: from, to: to, message)
    }
}
