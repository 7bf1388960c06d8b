import ConsensusREPL
import Foundation
import Testing

/// What a local cluster's members are started with (`consensus cluster up`, `consensus repl`,
/// and a `# mode: cluster` script header).
@Suite("Cluster plans")
struct ClusterPlanTests {
    @Test("a cluster secret file is passed to every member; a relative or unreadable path is refused")
    func clusterSecretFile() throws {
        let file = NSTemporaryDirectory() + "plan-secret-\(UUID().uuidString.prefix(8))"
        try Data("s3cret".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        var plan = ClusterPlan()
        plan.clusterSecretFile = file
        #expect(plan.problem == nil)
        let state = try plan.newCluster(directory: "/tmp/plan-test", executable: "/bin/true")
        for member in state.members {
            #expect(member.arguments.contains("--cluster-secret-file"))
            #expect(member.arguments.contains(file))
            #expect(!member.arguments.contains("s3cret"), "the secret itself never appears on a command line")
        }
        plan.clusterSecretFile = "secret.txt"
        #expect(plan.problem?.contains("an absolute path") == true)
        plan.clusterSecretFile = "/nonexistent/secret"
        #expect(plan.problem?.contains("cannot read") == true)
    }

    @Test("a plan's script header settings read back as the same plan")
    func headerRoundTrip() throws {
        var plan = ClusterPlan()
        plan.nodes = 5
        plan.mechanism = "simple_majority"
        plan.quorum = 0.6
        plan.heartbeat = "200ms"
        plan.electionTimeout = "1000ms-2000ms"
        plan.batchWindow = "5ms"
        plan.compression = true
        plan.snapshotInterval = 20
        plan.votePolicy = "manual"
        #expect(ClusterPlan().scriptSettings == ["nodes=3"])
        let settings = Dictionary(uniqueKeysWithValues: plan.scriptSettings.map {
            let parts = $0.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1])
        })
        let back = try ClusterPlan.from(settings: settings)
        #expect(back.scriptSettings == plan.scriptSettings)
        #expect(back.nodes == 5 && back.quorum == 0.6 && back.votePolicy == "manual" && back.compression)
    }
}
