/// Identifies one proposal: the node that made it and that node's own sequence number.
///
/// The runtime uses it to match a committed entry with the caller waiting for it, and to
/// recognise a retried proposal.
public struct ProposalID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The proposing node's id.
    public var node: UInt64
    /// A number the proposing node increases for every proposal it makes.
    public var sequence: UInt64

    /// Creates a proposal id.
    /// - Parameters:
    ///   - node: the proposing node's id.
    ///   - sequence: that node's sequence number for this proposal.
    public init(node: UInt64, sequence: UInt64) {
        self.node = node
        self.sequence = sequence
    }

    /// The node id in hexadecimal, a dash, and the sequence in decimal: `3f2a-17`.
    public var description: String {
        "\(String(node, radix: 16))-\(sequence)"
    }
}
