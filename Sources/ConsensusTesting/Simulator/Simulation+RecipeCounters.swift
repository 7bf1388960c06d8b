// Atomic counters (AtomicCounter's operations) as simulated clients run them.

import Consensus
import ConsensusCore
import ConsensusRecipes

extension Simulation {
    mutating func nextCount(_ c: Int, at l: Int) {
        let deltas: [String: Int64] = rng.chance(0.6)
            ? [rng.pick(Self.counters): Int64(rng.int(in: -2...5))]
            : [Self.counters[0]: Int64(rng.int(in: -2...5)), Self.counters[1]: Int64(rng.int(in: -2...5))]
        recipeClients[c].deltas = deltas
        let action: ModelAction = deltas.count == 1 ? .counterAdd(key: deltas.first!.key, delta: deltas.first!.value) : .counterBatch(deltas)
        send(client: c, AtomicCounter.operation(deltas), recording: action, to: l)
    }

    mutating func countAnswered(_ c: Int, _ outcome: ProposalOutcome) {
        guard let deltas = recipeClients[c].deltas else { return }
        recipeClients[c].deltas = nil
        do {
            _ = try AtomicCounter.values(in: outcome, deltas: deltas)
            recordChange(deltas, acknowledged: true)
            recipeLedger.stats.counterChanges += 1
        } catch {
            if case .outcomeUnknown = error { recordChange(deltas, acknowledged: false) }
        }
    }
}
