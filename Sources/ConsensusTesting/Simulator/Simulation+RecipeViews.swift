// Optimistic views (OptimisticView) as simulated clients run them, checked after every answer.

import Consensus
import ConsensusCore
import ConsensusRecipes

extension Simulation {
    mutating func nextChange(_ c: Int, at l: Int) {
        if recipeClients[c].view == nil {
            let start = nodes[l].store.get(Self.viewKey)?.value
            recipeClients[c].view = OptimisticView(key: Self.viewKey, agreed: start, at: nodes[l].appliedIndex)
        }
        observeView(c, at: l)
        if recipeClients[c].queued.isEmpty {
            // Sometimes two changes at once, as two quick `OptimisticValue.set`s: the second is
            // built on the first's value and proposed after it.
            for n in 0..<(rng.chance(0.3) ? 2 : 1) {
                let value = ConsensusValue.string("v\(c)-\(clients.nextSequence)-\(n)")
                recipeClients[c].queued.append(recipeClients[c].view!.begin(value))
            }
        }
        let change = recipeClients[c].queued.removeFirst()
        recipeClients[c].change = change
        send(client: c, change.operation,
             recording: .compareAndSwap(key: change.key, expected: change.base?.description, new: change.value?.description), to: l)
    }

    mutating func observeView(_ c: Int, at l: Int) {
        guard nodes[l].isUp, recipeClients[c].view != nil else { return }
        recipeClients[c].view!.observe(nodes[l].store.get(Self.viewKey)?.value, at: nodes[l].appliedIndex)
    }

    mutating func changeAnswered(_ c: Int, _ outcome: ProposalOutcome, from node: Int?) {
        guard let change = recipeClients[c].change else { return }
        // Like the actor: read the member's applied value before deciding what a rollback restores.
        if let node { observeView(c, at: node) }
        let expected: ConsensusValue?
        switch recipeClients[c].view!.finish(change, OptimisticView.reason(of: outcome, key: change.key)) {
        case .kept:
            recipeLedger.stats.kept += 1
            // The changes waiting their turn were built on this one: the latest is on top.
            expected = recipeClients[c].queued.last.map { $0.value } ?? recipeClients[c].view!.agreed
        case .rolledBack:
            recipeLedger.stats.rollbacks += 1
            // Everything waiting was built on the withdrawn value: the view shows the agreed one.
            expected = recipeClients[c].view!.agreed
        }
        let view = recipeClients[c].view!
        if view.optimistic != expected && recipeLedger.violation == nil {
            recipeLedger.violation = "client \(c)'s view shows \(view.optimistic?.description ?? "absent") after change \(change.sequence); "
                + "expected \(expected?.description ?? "absent") (agreed \(view.agreed?.description ?? "absent"), \(recipeClients[c].queued.count) waiting)"
        }
        recipeClients[c].change = nil
    }
}
