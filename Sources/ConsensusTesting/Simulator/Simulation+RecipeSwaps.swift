// The compare-and-swap loop recipe (UpdateLoop) as simulated clients run it, and the lesson's
// racy version (read, compare on the client, unconditional put).

import Consensus
import ConsensusCore
import ConsensusRecipes

extension Simulation {
    mutating func nextSwap(_ c: Int, at l: Int) {
        if recipeClients[c].update == nil {
            // The loop starts from some member's local value, possibly stale: a stale start only
            // costs a lost swap (the lesson's version loses the update instead).
            let key = rng.pick(Self.updateKeys)
            let up = nodes.indices.filter { nodes[$0].isUp }
            let observed = nodes[rng.pick(up)].store.get(key)?.value
            recipeClients[c].update = UpdateLoop(key: key, observed: observed, maxAttempts: 4)
        }
        var loop = recipeClients[c].update!
        let old = loop.old
        let new = ConsensusValue.int((old?.intValue ?? 0) + 1)
        var operation = loop.propose(new)
        if options.recipes == .racyCAS {
            // "compareAndSwap": get, compare on the client (it matches: it is what was read), put.
            operation = .put(key: loop.key, value: new)
        }
        recipeClients[c].update = loop
        send(client: c, operation, recording: .compareAndSwap(key: loop.key, expected: old?.description, new: new.description), to: l)
    }

    mutating func swapAnswered(_ c: Int, _ outcome: ProposalOutcome) {
        guard var loop = recipeClients[c].update else { return }
        let key = loop.key
        if options.recipes == .racyCAS {
            recipeClients[c].update = nil
            switch outcome {
            case .applied(.put, _): recordChange([key: 1], acknowledged: true); recipeLedger.stats.swapsWon += 1
            case .unknown: recordChange([key: 1], acknowledged: false)
            default: break
            }
            return
        }
        switch outcome {
        case .applied(.compareAndSwap(true, _), _): recordChange([key: 1], acknowledged: true); recipeLedger.stats.swapsWon += 1
        case .applied(.compareAndSwap(false, _), _): recipeLedger.stats.swapsLost += 1
        case .unknown: recordChange([key: 1], acknowledged: false)
        default: break
        }
        switch loop.answer(outcome) {
        case .finished:
            recipeLedger.stats.updatesFinished += 1
            recipeClients[c].update = nil
        case .again(let attempt):
            recipeClients[c].update = loop
            recipeClients[c].wakeAt = now + UInt64(rng.int(in: 0...(1 << min(attempt, 5))))
        case .failed:
            recipeClients[c].update = nil
        }
    }
}
