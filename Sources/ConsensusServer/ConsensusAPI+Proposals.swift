import Consensus
import Hummingbird

extension ConsensusAPI {
    func addProposalRoutes(to router: Router<BasicRequestContext>) {
        // The lesson's proposeWithResult: the whole result, refusals included, with 200.
        router.post("/v1/proposals") { request, _ -> ProposalReply in
            let proposal = try await body(ProposalRequest.self, request)
            let result = try await call { () async throws(ConsensusError) in try await node.proposeWithResult(proposal.key, proposal.value) }
            return ProposalReply(result)
        }
        router.get("/v1/proposals") { _, _ -> PendingReply in
            PendingReply(pending: await node.pendingProposals.map {
                PendingReply.Pending(proposalId: $0.proposalID, key: $0.key, value: $0.value, proposer: $0.proposer)
            })
        }
        router.post("/v1/proposals/:id/vote") { request, context -> OKReply in
            guard let id = context.parameters.get("id") else { throw APIError.badRequest("missing proposal id in the path") }
            let vote = try await body(VoteRequest.self, request)
            try await call { () async throws(ConsensusError) in try await node.vote(id, accept: vote.accept) }
            return OKReply()
        }
    }
}
