import Consensus
import Hummingbird
import NIOCore

extension ConsensusAPI {
    func addStatusRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/status") { _, _ -> MemberStatus in
            let state = await node.debugState
            let members = await node.nodes.map { m in
                MemberStatus.Member(id: m.id, address: m.address, role: m.isLeader ? "leader" : m.membership.rawValue,
                                   reachable: m.isSelf || m.connected)
            }
            return MemberStatus(id: state.nodeID, role: state.role.rawValue, term: state.currentTerm, leader: state.leaderID,
                               commitIndex: state.commitIndex, appliedIndex: state.appliedIndex,
                               logLength: state.logLength, members: members)
        }
        router.get("/metrics") { _, _ -> Response in
            let text = await metrics.scrape(node)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    func addMemberRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/members") { request, _ -> OKReply in
            let add = try await body(AddMemberRequest.self, request)
            try await call { () async throws(ConsensusError) in try await node.addNode(NodeInfo(id: add.id, address: add.address)) }
            return OKReply()
        }
        router.delete("/v1/members/:id") { _, context -> OKReply in
            guard let id = context.parameters.get("id") else { throw APIError.badRequest("missing member id in the path") }
            try await call { () async throws(ConsensusError) in try await node.removeNode(id) }
            return OKReply()
        }
        router.post("/v1/leader/transfer") { request, _ -> OKReply in
            let transfer = try await body(TransferRequest.self, request)
            try await call { () async throws(ConsensusError) in try await node.transferLeadership(to: transfer.to) }
            return OKReply()
        }
    }
}
