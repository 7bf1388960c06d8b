import ConsensusCore

/// The wire format's composite values, built from ConsensusCore's integers and byte strings (see
/// ``PeerWire`` for their layout). Reading checks every count against the bytes left before it
/// reads or allocates anything, and checks values the core would trap on (a node id of 0, a
/// member both voter and learner).
extension LittleEndian.Writer {
    mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    mutating func string(_ value: String) { blob(Array(value.utf8)) }

    /// An `Int` as the `u64` of its two's complement.
    mutating func int(_ value: Int) { u64(UInt64(bitPattern: Int64(value))) }

    /// A `u32` count, then each item.
    mutating func list<T>(_ items: [T], _ write: (inout Self, T) -> Void) {
        u32(UInt32(items.count))
        for item in items { write(&self, item) }
    }

    mutating func configuration(_ value: Configuration) {
        list(value.voters.sorted()) { $0.u64($1) }
        list(value.learners.sorted()) { $0.u64($1) }
    }

    mutating func snapshotMetadata(_ value: SnapshotMetadata) {
        u64(value.index)
        u64(value.term)
        configuration(value.configuration)
    }
}

extension LittleEndian.Reader {
    typealias Malformed = LittleEndian.Malformed

    mutating func bool() throws(Malformed) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw Malformed(description: "\(other) is not a boolean (0 or 1)")
        }
    }

    mutating func string() throws(Malformed) -> String {
        let bytes = try blob()
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw Malformed(description: "a string that is not UTF-8")
        }
        return value
    }

    mutating func int() throws(Malformed) -> Int { Int(Int64(bitPattern: try u64())) }

    /// A list written by ``LittleEndian/Writer/list(_:_:)``. `itemBytesMin` is the fewest bytes
    /// one item takes: a count the bytes left cannot hold throws before any item is read.
    mutating func list<T>(
        itemBytesMin: Int, _ read: (inout Self) throws(Malformed) -> T
    ) throws(Malformed) -> [T] {
        let count = Int(try u32())
        guard count <= remaining / max(itemBytesMin, 1) else {
            throw Malformed(description: "a list of \(count) items in \(remaining) bytes")
        }
        var items: [T] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try read(&self)) }
        return items
    }

    mutating func configuration() throws(Malformed) -> Configuration {
        let voters = try nodeIDs(), learners = try nodeIDs()
        guard voters.isDisjoint(with: learners) else {
            throw Malformed(description: "a member that is both voter and learner")
        }
        return Configuration(voters: voters, learners: learners)
    }

    mutating func snapshotMetadata() throws(Malformed) -> SnapshotMetadata {
        let index = try u64(), term = try u64()
        return SnapshotMetadata(index: index, term: term, configuration: try configuration())
    }

    private mutating func nodeIDs() throws(Malformed) -> Set<NodeID> {
        let ids = try list(itemBytesMin: 8) { r throws(Malformed) in try r.u64() }
        guard !ids.contains(0) else { throw Malformed(description: "node id 0 in a membership") }
        let set = Set(ids)
        guard set.count == ids.count else { throw Malformed(description: "a member listed twice") }
        return set
    }
}
