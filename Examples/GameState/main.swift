// The lesson's multiplayer game ("Complete Example: Distributed Game State"), written the way an
// application would use swift-consensus: three members in this process, players that join and
// score through any member, and one host program, elected, that starts the game.
// tutorials/07-game-state.md walks through it. Exits with status 1 if an invariant breaks: a
// lost join, a lost point, two hosts, or members that end up disagreeing.

import Consensus
import ConsensusRecipes
import Foundation

/// Adds `player` to the list under "players". A compare-and-swap loop: when two players join at
/// once, the slower swap fails, re-reads the list and tries again, so both are kept.
func join(_ player: String, through node: ConsensusTrait) async throws {
    try await CompareAndSwap(on: node, retry: RetryPolicy(maxAttempts: 100)).update("players") { old in
        let players = old?.arrayValue ?? []
        return players.contains(.string(player)) ? old : .array(players + [.string(player)])
    }
}

/// Adds `points` to `player`'s entry in the "scores" object, with the same loop.
func addScore(_ player: String, _ points: Int64, through node: ConsensusTrait) async throws {
    try await CompareAndSwap(on: node, retry: RetryPolicy(maxAttempts: 100)).update("scores") { old in
        var scores = old?.objectValue ?? [:]
        scores[player] = .int((scores[player]?.intValue ?? 0) + points)
        return .object(scores)
    }
}

/// One host program: campaigns once; if elected, starts the game and returns its term.
func host(_ name: String, through node: ConsensusTrait, server: FencedResource<String>) async throws -> Leadership? {
    let election = LeaderElection("game-host", candidate: name, on: node, ttl: .seconds(10))
    let term: Leadership
    do throws(RecipeError) {
        term = try await election.campaign(value: .string(name))
    } catch .notElected {
        print("\(name): another host leads; I stay in the lobby")
        return nil
    }
    // Only the elected host gets here. Its token goes with every write to the game server, so a
    // host deposed while paused cannot write over its successor.
    try await CompareAndSwap(on: node).swap("game_state", expected: "lobby", new: "playing")
    try await CompareAndSwap(on: node).swap("current_round", expected: nil, new: 1)
    try await server.write("round 1 started by \(name)", token: term.token)
    print("\(name): elected host (token \(term.token)); the game is playing")
    return term
}

func run() async throws -> [String] {
    var violations: [String] = []
    // In-process timing: 50 ms heartbeats, elections after 300-600 ms of silence, and a generous
    // proposal timeout for a busy machine.
    let configuration = ConsensusConfiguration.raft(
        timeout: .seconds(30), heartbeatInterval: .milliseconds(50),
        electionTimeout: .milliseconds(300)...(.milliseconds(600)))
    let cluster = LocalCluster(size: 3, configuration: configuration)
    try await cluster.start()
    let leader = try await cluster.waitForLeader()
    let members = await cluster.nodes
    print("members \(await cluster.names.joined(separator: " ")); \(leader.nodeID) leads the log")
    try await CompareAndSwap(on: members[0]).create("game_state", "lobby")

    // Six players join at once, two through each member.
    let players = ["alice", "bob", "carol", "dave", "erin", "frank"]
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (i, player) in players.enumerated() {
            group.addTask { try await join(player, through: members[i % members.count]) }
        }
        try await group.waitForAll()
    }
    let joined = try await members[1].value("players", consistency: .linearizable)?.arrayValue ?? []
    print("players: \(joined.compactMap(\.stringValue).joined(separator: ", "))")
    if Set(joined) != Set(players.map { ConsensusValue.string($0) }) { violations.append("a join was lost: \(joined)") }

    // Two host programs on different members campaign; exactly one starts the game.
    let server = FencedResource<String>("lobby")
    async let first = host("host-a", through: members[0], server: server)
    async let second = host("host-b", through: members[2], server: server)
    let terms = try await [first, second].compactMap { $0 }
    if terms.count != 1 { violations.append("\(terms.count) hosts were elected") }

    // Three rounds of scoring, every player at once, each through "its" member.
    for round in 1...3 {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, player) in players.enumerated() {
                group.addTask { try await addScore(player, Int64(10 * round + i), through: members[i % members.count]) }
            }
            try await group.waitForAll()
        }
    }
    let scores = try await members[2].value("scores", consistency: .linearizable)?.objectValue ?? [:]
    for (i, player) in players.enumerated() {
        let expected = Int64((10 + i) + (20 + i) + (30 + i))
        let got = scores[player]?.intValue ?? 0
        print("\(player): \(got) points")
        if got != expected { violations.append("\(player) has \(got) points, not \(expected): an update was lost") }
    }

    // Every member applies the same log: once caught up, all hold the same scores.
    let agreed = await cluster.waitUntil(timeout: .seconds(30)) {
        var values: [ConsensusValue?] = []
        for member in members { values.append(await member.localRead("scores").value) }
        return values.allSatisfy { $0 == .object(scores) }
    }
    if !agreed { violations.append("the members do not hold the same scores") }
    try await terms.first?.resign()
    await cluster.stop()
    return violations
}

let violations = try await run()
for violation in violations { print("VIOLATED: \(violation)") }
print(violations.isEmpty ? "game-state: ok, no update lost, one host, every member agrees" : "game-state: FAILED")
exit(violations.isEmpty ? 0 : 1)
