@testable import Consensus
import ConsensusCore
import Testing

/// Exactly-once proposals: the window of applied sequence numbers per proposer session.
@Suite("Proposal window")
struct ProposalWindowTests {
    /// The window as it was first written: insert, then filter the whole set by the floor.
    private struct Reference {
        var highest: UInt64 = 0
        var recent: Set<UInt64> = []
        mutating func insert(_ sequence: UInt64) {
            recent.insert(sequence)
            if sequence > highest {
                highest = sequence
                if highest > ProposalWindow.capacity {
                    let floor = highest - ProposalWindow.capacity
                    recent = recent.filter { $0 > floor }
                }
            }
        }
    }

    @Test("dropping only what leaves the window keeps exactly what filtering the whole set kept",
          arguments: [1 as UInt64, 2, 3, 7])
    func sameAsFullFilter(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var window = ProposalWindow()
        var reference = Reference()
        var next: UInt64 = 0
        for _ in 0..<20_000 {
            // Mostly in order, sometimes a retry of a recent number, sometimes a big jump.
            let roll = rng.next() % 100
            let sequence: UInt64
            if roll < 5, next > 10 {
                sequence = next - rng.next() % 10
            } else if roll < 7 {
                next += rng.next() % 10_000
                sequence = next
            } else {
                next += 1 + rng.next() % 3
                sequence = next
            }
            // As the store does: only numbers not yet applied are inserted.
            guard !window.contains(sequence) else { continue }
            window.insert(sequence)
            reference.insert(sequence)
            #expect(window.recent == reference.recent && window.highest == reference.highest)
            if window.recent != reference.recent { return }
        }
    }
}
