import ConsensusCore
import ConsensusStorage

/// A node's disk in the simulator, modelled as a write-ahead log of records (like the WAL of
/// `FileStorage`): a batch of work is written as records and then synced.
///
/// Faults, all drawn from the simulation's seed:
/// - **lost unsynced writes / torn writes**: a crash in the middle of a batch keeps only a prefix
///   of its records (possibly none); the record being written when the power went is torn and
///   dropped by recovery, as `FileStorage` drops a torn tail;
/// - **bit flips**: a synced record's bytes change (a latent sector error);
/// - **misdirected writes**: a record lands on another record's place.
///
/// Every record's checksum covers its position as well as its content (as TigerBeetle's do), so a
/// flip or a misdirected write is found at recovery, and the node refuses to start, naming the
/// record, instead of running with a damaged log. The simulator then treats the node as lost.
struct SimulatedDisk: Sendable {
    enum Record: Sendable {
        case hardState(HardState)
        case entry(Entry)
        /// A snapshot from the leader: replaces the whole log.
        case installSnapshot(Snapshot)
        /// A snapshot the node took: drops the entries it covers.
        case compaction(Snapshot)
    }

    struct Stored: Sendable {
        var record: Record
        /// What the record's checksum was computed for; a damaged record no longer matches.
        var position: Int
        var intact = true
    }

    struct Corruption: Error, CustomStringConvertible {
        var position: Int
        var reason: String
        var description: String {
            position < 0 ? reason : "record \(position): \(reason); refusing to start rather than lose committed data"
        }
    }

    private(set) var records: [Stored] = []
    /// The state the records describe, kept up to date for cheap restarts.
    private(set) var image: MemoryRaftStorage

    init(_ initial: PersistentState) {
        image = MemoryRaftStorage(initial)
        rewrite()
    }

    /// Writes a batch of work and syncs it. With `keep`, the power fails after that many records
    /// reached the disk: the rest of the batch is lost.
    mutating func persist(_ rd: Ready, keep: Int? = nil) {
        var batch: [Record] = []
        if let s = rd.snapshot { batch.append(.installSnapshot(s)) }
        for e in rd.entries { batch.append(.entry(e)) }
        if let hs = rd.hardState { batch.append(.hardState(hs)) }
        let written = min(keep ?? batch.count, batch.count)
        for r in batch.prefix(written) {
            records.append(Stored(record: r, position: records.count))
        }
        if written == batch.count {
            image.persist(rd)
        } else {
            image = (try? replay()) ?? image
        }
    }

    /// Stores a snapshot the node took, then (like deleting old WAL segments) rewrites the log
    /// as the snapshot, the entries after it and the hard state.
    mutating func compact(_ s: Snapshot) {
        records.append(Stored(record: .compaction(s), position: records.count))
        image.compact(s)
        rewrite()
    }

    private mutating func rewrite() {
        var fresh: [Record] = [.compaction(image.snapshot)]
        fresh += image.entries.map { .entry($0) }
        fresh.append(.hardState(image.hardState))
        records = fresh.enumerated().map { Stored(record: $1, position: $0) }
    }

    /// Flips a bit in a random synced record.
    mutating func flipBit(_ rng: inout SplitMix64) -> Int? {
        guard !records.isEmpty else { return nil }
        let i = rng.int(in: 0...(records.count - 1))
        records[i].intact = false
        return i
    }

    /// The next record lands on an earlier record's place (that record is lost, and the one
    /// there no longer matches its position).
    mutating func misdirect(_ rng: inout SplitMix64) -> Int? {
        guard records.count >= 2 else { return nil }
        let target = rng.int(in: 0...(records.count - 2))
        let last = records.removeLast()
        records[target] = Stored(record: last.record, position: last.position)
        return target
    }

    /// Replays the records: the state a restarting node reads, or the corruption that stops it.
    func replay() throws -> MemoryRaftStorage {
        var state = MemoryRaftStorage(.empty)
        for (i, stored) in records.enumerated() {
            guard stored.intact else { throw Corruption(position: i, reason: "checksum mismatch") }
            guard stored.position == i else {
                throw Corruption(position: i, reason: "holds the record written for position \(stored.position) (a misdirected write)")
            }
            switch stored.record {
            case .hardState(let hs):
                state.persist(hardState: hs, entries: [], snapshot: nil)
            case .entry(let e):
                guard e.index > state.snapshot.metadata.index, e.index <= state.lastIndex + 1 else {
                    throw Corruption(position: i, reason: "entry \(e.index) leaves a gap after \(state.lastIndex)")
                }
                state.persist(hardState: nil, entries: [e], snapshot: nil)
            case .installSnapshot(let s):
                state.persist(hardState: nil, entries: [], snapshot: s)
            case .compaction(let s):
                if s.metadata.index > state.snapshot.metadata.index && s.metadata.index <= state.lastIndex {
                    state.compact(s)
                } else if i == 0 {
                    // The first record of a rewritten log: its base snapshot.
                    state = MemoryRaftStorage(PersistentState(hardState: state.hardState, snapshot: s, entries: []))
                }
            }
        }
        return state
    }
}
