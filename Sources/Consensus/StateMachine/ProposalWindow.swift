/// Which proposals of one proposer session were applied, so that a proposal retried after a
/// leader change (and so in the log twice) takes effect once.
///
/// Sequence numbers of a session only grow. The window remembers the last `capacity` sequence
/// numbers; anything older than that counts as already applied (a retry is never that late: it
/// happens within one proposal timeout).
struct ProposalWindow: Sendable, Hashable, Codable {
    static let capacity: UInt64 = 4096

    var highest: UInt64 = 0
    var recent: Set<UInt64> = []

    func contains(_ sequence: UInt64) -> Bool {
        recent.contains(sequence) || (highest >= Self.capacity && sequence <= highest - Self.capacity)
    }

    init() {}

    // Encoded with the sequence numbers sorted, so that snapshots are byte-for-byte deterministic.
    private enum CodingKeys: String, CodingKey { case highest, recent }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        highest = try c.decode(UInt64.self, forKey: .highest)
        recent = Set(try c.decode([UInt64].self, forKey: .recent))
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(highest, forKey: .highest)
        try c.encode(recent.sorted(), forKey: .recent)
    }

    /// Records an applied sequence number; the window then keeps the numbers above
    /// `highest - capacity`.
    ///
    /// Only numbers that are not ``contains(_:)`` yet are inserted (the store checks first), so
    /// every number in `recent` is above the previous floor, and moving the floor only has to
    /// drop the numbers between the old floor and the new one: a few per insert, where
    /// filtering the whole set cost 4,096 hashes per applied entry (13% of a leader's CPU
    /// under load). After a jump wider than the set, one filter pass is cheaper.
    mutating func insert(_ sequence: UInt64) {
        recent.insert(sequence)
        guard sequence > highest else { return }
        // The smallest number the window may still hold before the move.
        let lowest = highest > Self.capacity ? highest - Self.capacity + 1 : 0
        highest = sequence
        guard highest > Self.capacity else { return }
        let floor = highest - Self.capacity
        guard floor >= lowest else { return }
        if floor - lowest >= UInt64(recent.count) {
            recent = recent.filter { $0 > floor }
        } else {
            for dropped in lowest...floor { recent.remove(dropped) }
        }
    }
}

extension KeyValueStore {
    /// Whether a command with this id was already applied (or is too old to be applied now).
    public func hasApplied(_ id: ProposalID) -> Bool {
        proposals[id.node]?.contains(id.sequence) ?? false
    }
}
