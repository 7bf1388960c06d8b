import Foundation

// Snapshots: the whole store as deterministic JSON (sorted keys), restored exactly.

extension KeyValueStore {
    /// The layout of a snapshot. `format` lets a later version change it.
    private struct Image: Codable {
        static let currentFormat = 1

        var format: Int
        var appliedIndex: UInt64
        var clock: Int64
        var entries: [String: Versioned]
        var locks: [String: LockRecord]
        /// Absent in snapshots written before exactly-once retries existed.
        /// Keyed by the proposer session in decimal (string keys keep the JSON sorted).
        var proposals: [String: ProposalWindow]?
    }

    /// The store as bytes: the same state always gives the same bytes (JSON with sorted keys).
    ///
    /// Includes the applied index, the clock, every key with its revision, and every lock with its
    /// fencing-token counter (released locks too, so tokens keep increasing after a restore).
    ///
    /// - Returns: the snapshot bytes (without the codec's format byte: see ``CommandCodec/encodeSnapshot(_:compressAbove:)``).
    /// - Throws: `EncodingError` only if a value cannot be written as JSON, which ``apply(_:at:)`` never lets in.
    public func snapshot() throws -> [UInt8] {
        let image = Image(format: Image.currentFormat, appliedIndex: appliedIndex, clock: clock, entries: entries, locks: locks,
                          proposals: proposals.isEmpty ? nil : Dictionary(uniqueKeysWithValues: proposals.map { (String($0.key), $0.value) }))
        return Array(try ConsensusValue.jsonEncoder().encode(image))
    }

    /// Restores a store exactly as ``snapshot()`` recorded it (applied index, clock, keys,
    /// revisions, locks and token counters).
    ///
    /// - Parameter snapshot: bytes from ``snapshot()``.
    /// - Throws: ``CommandCodecError`` if the bytes are not a snapshot of a known format or are
    ///   inconsistent (a revision after the applied index).
    public init(snapshot: [UInt8]) throws {
        let image: Image
        do {
            image = try JSONDecoder().decode(Image.self, from: Data(snapshot))
        } catch {
            throw CommandCodecError.corrupt("state machine snapshot does not decode: \(error)")
        }
        guard image.format == Image.currentFormat else {
            throw CommandCodecError.corrupt("state machine snapshot has format \(image.format); this version reads format \(Image.currentFormat)")
        }
        if let (key, versioned) = image.entries.first(where: { $0.value.revision > image.appliedIndex }) {
            throw CommandCodecError.corrupt(
                "state machine snapshot at index \(image.appliedIndex) has key \"\(key)\" at later revision \(versioned.revision)")
        }
        self.init(appliedIndex: image.appliedIndex, clock: image.clock, entries: image.entries, locks: image.locks)
        for (session, window) in image.proposals ?? [:] {
            guard let id = UInt64(session) else {
                throw CommandCodecError.corrupt("state machine snapshot has a bad proposer session \"\(session)\"")
            }
            self.proposals[id] = window
        }
    }
}
