import Consensus
import Hummingbird

struct PartitionRequest: Decodable { var drop: [String] }
struct PartitionReply: ResponseEncodable { var dropped: [String] }

extension ConsensusAPI {
    func addAdminRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/admin/partition") { request, _ -> PartitionReply in
            guard let peerFilter else { throw APIError(.notImplemented, code: "unsupported", "this member has no admin partition (only consensus node does)") }
            let partition = try await body(PartitionRequest.self, request)
            let members = Set(await node.nodes.map(\.id))
            if let unknown = partition.drop.first(where: { !members.contains($0) }) {
                throw APIError.badRequest("field 'drop': '\(unknown)' is not a member (members: \(members.sorted().joined(separator: ", ")))")
            }
            peerFilter.drop(Set(partition.drop).subtracting([node.nodeID]))
            return PartitionReply(dropped: peerFilter.droppedPeers.sorted())
        }
        router.delete("/v1/admin/partition") { _, _ -> PartitionReply in
            guard let peerFilter else { throw APIError(.notImplemented, code: "unsupported", "this member has no admin partition (only consensus node does)") }
            peerFilter.heal()
            return PartitionReply(dropped: [])
        }
    }
}
