import Consensus
import ConsensusRecipes
import ConsensusTesting
import Testing

@Suite("Recipes: leader election")
struct LeaderElectionTests {
    /// A leader's term as it saw it (from its election to just before it resigned) is a lock
    /// tenure: the same record serves.
    typealias Term = DistributedLockTests.Tenure

    @Test("Several candidates on different members: one leader at a time, tokens strictly increase, leader() names it")
    func oneLeaderAtATime() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let terms = DistributedLockTests.Tenures()
            let clock = cluster.clock
            let history = HistoryClock(clock)
            let nodes = await cluster.nodes
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, node) in nodes.enumerated() {
                    group.addTask {
                        let election = LeaderElection("scheduler", candidate: "candidate-\(index)", on: node, ttl: .seconds(5))
                        for round in 0..<3 {
                            let term = try await election.campaign(value: .string("\(index)/\(round)"), wait: .seconds(60))
                            let start = history.now
                            #expect(try await election.leader() == term.leader)
                            try await clock.sleep(for: .milliseconds(20))   // leading
                            await terms.add(Term(holder: term.candidate, token: term.token, start: start, end: history.now))
                            #expect(try await term.resign())
                        }
                    }
                }
                try await group.waitForAll()
            }
            let ordered = await terms.all.sorted { $0.start < $1.start }
            #expect(ordered.count == 9)
            for (a, b) in zip(ordered, ordered.dropFirst()) {
                #expect(a.end < b.start, "\(a.holder) (token \(a.token)) and \(b.holder) (token \(b.token)) led at once")
                #expect(a.token < b.token, "tokens must strictly increase from term to term")
            }
            #expect(try await LeaderElection("scheduler", candidate: "reader", on: nodes[0]).leader() == nil)
        }
    }

    @Test("A second candidate is refused while the first leads, waits, and is elected as soon as the leader resigns")
    func secondCandidateElectedAfterResign() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let a = LeaderElection("primary", candidate: "a", on: followers[0], ttl: .seconds(60))
            let b = LeaderElection("primary", candidate: "b", on: followers[1], ttl: .seconds(60))
            let termA = try await a.campaign(value: "10.0.0.1")
            do {
                let stolen = try await b.campaign(value: "10.0.0.2")
                Issue.record("b was elected while a led: \(stolen.leader)")
            } catch RecipeError.notElected(election: "primary", waited: _) {
                // refused, as it should be
            }
            let clock = cluster.clock
            let termB = try await withThrowingTaskGroup(of: Leadership?.self) { group in
                group.addTask { try await b.campaign(value: "10.0.0.2", wait: .seconds(30)) }
                group.addTask {
                    try await clock.sleep(for: .milliseconds(500))
                    #expect(try await b.leader() == ElectionLeader(candidate: "a", value: "10.0.0.1", token: termA.token))
                    #expect(try await termA.resign())
                    return nil
                }
                var elected: Leadership?
                for try await term in group { elected = elected ?? term }
                return try #require(elected)
            }
            // Elected on the resignation, long before a's 60 s TTL.
            #expect(clock.now() < termA.validUntil)
            #expect(termB.token > termA.token)
            #expect(try await a.leader() == ElectionLeader(candidate: "b", value: "10.0.0.2", token: termB.token))
            try await termB.resign()
        }
    }

    @Test("A leader paused past its TTL is replaced with a larger token; a FencedResource refuses the old token; it cannot renew, proclaim or erase its successor")
    func pausedLeaderIsFenced() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let slow = LeaderElection("cron", candidate: "slow", on: followers[0], ttl: .milliseconds(300))
            let fast = LeaderElection("cron", candidate: "fast", on: followers[1], ttl: .seconds(10))
            let jobs = FencedResource<[String]>([])

            let old = try await slow.campaign(value: "slow", wait: .seconds(30))
            try await jobs.modify(token: old.token) { $0.append("slow: run") }

            // The slow leader "pauses": it stops renewing. The fast candidate is elected once the
            // slow term has lapsed (by the leader-stamped store time).
            let new = try await fast.campaign(value: "fast", wait: .seconds(30))
            #expect(new.token > old.token)
            #expect(!old.isValid)
            try await jobs.modify(token: new.token) { $0.append("fast: run") }

            // The slow leader wakes up, still believing it leads, and writes: refused.
            await #expect(throws: FencedResource<[String]>.StaleToken(token: old.token, highestSeen: new.token)) {
                try await jobs.modify(token: old.token) { $0.append("slow: stale run") }
            }
            #expect(await jobs.value == ["slow: run", "fast: run"])
            await #expect(throws: RecipeError.leadershipLost(election: "cron", token: old.token)) { try await old.renew() }
            await #expect(throws: RecipeError.leadershipLost(election: "cron", token: old.token)) { try await old.proclaim("slow again") }
            // Its resignation frees nothing and leaves the new leader's record alone.
            #expect(try await old.resign() == false)
            #expect(try await slow.leader() == ElectionLeader(candidate: "fast", value: "fast", token: new.token))
            try await new.resign()
        }
    }

    @Test("observe() shows the sequence of leaders: nobody, a, a's new value, nobody after a resigns, b, then c after b's term lapses")
    func observeShowsTheSequenceOfLeaders() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let watcher = LeaderElection("lobby", candidate: "watcher", on: followers[0])
            var leaders = try watcher.observe().makeAsyncIterator()
            #expect(await leaders.next() == .some(nil))

            let a = try await LeaderElection("lobby", candidate: "a", on: leader).campaign(value: "a1")
            #expect(await leaders.next() == ElectionLeader(candidate: "a", value: "a1", token: a.token))
            try await a.proclaim("a2")
            #expect(a.value == "a2")
            #expect(await leaders.next() == ElectionLeader(candidate: "a", value: "a2", token: a.token))
            try await a.resign()
            #expect(await leaders.next() == .some(nil))

            let b = try await LeaderElection("lobby", candidate: "b", on: followers[1], ttl: .milliseconds(300)).campaign(value: "b")
            #expect(await leaders.next() == ElectionLeader(candidate: "b", value: "b", token: b.token))
            // b stops renewing; c is elected once b's term lapses (no resignation in between).
            let c = try await LeaderElection("lobby", candidate: "c", on: followers[0]).campaign(value: "c", wait: .seconds(30))
            #expect(await leaders.next() == ElectionLeader(candidate: "c", value: "c", token: c.token))
            #expect(a.token < b.token && b.token < c.token)
            try await c.resign()
        }
    }

    /// The lesson's `startGame` refuses unless `consensus.isLeader()`: that is the Raft member's
    /// leadership, shared by every program on that member, and it can move at any time.
    @Test("Lesson game example: of six programs racing to start the game, exactly the elected one starts it")
    func onlyTheElectedProgramStartsTheGame() async throws {
        struct Game: Sendable {
            var state = "lobby"
            var startedBy: [String] = []
        }
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let game = FencedResource(Game())
            let nodes = await cluster.nodes
            let programs = (0..<6).map { ("program-\($0)", nodes[$0 % nodes.count]) }
            let lessonStarters = try await withThrowingTaskGroup(of: Int.self) { group in
                for (name, node) in programs {
                    group.addTask {
                        let lessonWouldStart = await node.isLeader ? 1 : 0
                        let election = LeaderElection("game-host", candidate: name, on: node, ttl: .seconds(30))
                        guard let term = try? await election.campaign(value: .string(name)) else { return lessonWouldStart }
                        try await game.modify(token: term.token) { game in
                            game.state = "playing"
                            game.startedBy.append(name)
                        }
                        return lessonWouldStart
                    }
                }
                return try await group.reduce(0, +)
            }
            let final = await game.value
            #expect(final.state == "playing")
            #expect(final.startedBy.count == 1, "started by \(final.startedBy)")
            let host = try #require(try await LeaderElection("game-host", candidate: "x", on: nodes[1]).leader())
            #expect(final.startedBy == [host.candidate] && host.value == .string(host.candidate))
            // The lesson's check lets every program on the Raft leader's member start it.
            #expect(lessonStarters == 2)
        }
    }

    @Test("withLeadership renews the term while a body three TTLs long runs (a rival stays out, the term stays valid), then resigns")
    func withLeadershipRenewsAndResigns() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let worker = LeaderElection("batch", candidate: "worker", on: followers[0], ttl: .milliseconds(1200))
            let rival = LeaderElection("batch", candidate: "rival", on: followers[1])
            let clock = cluster.clock
            let token = try await worker.withLeadership(value: "w") { term in
                let end = clock.now() + .milliseconds(3600)
                while clock.now() < end {
                    await #expect(throws: RecipeError.self) { try await rival.campaign(value: "r") }
                    try await clock.sleep(for: .milliseconds(100))
                }
                #expect(term.isValid, "the background renewals must move validUntil")
                return term.token
            }
            #expect(try await rival.leader() == nil)
            let next = try await rival.campaign(value: "r")
            #expect(next.token > token)
            try await next.resign()
        }
    }

    @Test("With simple_majority the election refuses with needsRaft")
    func simpleMajorityRefuses() async throws {
        let node = ConsensusTrait(nodeID: "solo", configuration: .simpleMajority())
        let election = LeaderElection("e", candidate: "me", on: node)
        await #expect(throws: RecipeError.needsRaft(recipe: "LeaderElection")) { try await election.campaign(value: 1) }
        await #expect(throws: RecipeError.needsRaft(recipe: "LeaderElection")) { try await election.leader() }
        #expect(throws: RecipeError.needsRaft(recipe: "LeaderElection")) { try election.observe() }
    }
}

@Suite("Recipes: leader election record writes (step machine)")
struct ElectionRecordWriteTests {
    let old = ElectionLeader(candidate: "old", value: "o", token: 4)
    let new = ElectionLeader(candidate: "new", value: "n", token: 5)

    @Test("Publishing over an older term's record is a compare-and-swap from that exact record")
    func publishReplacesOlderRecord() {
        var write = ElectionRecordWrite(key: "election/e", goal: .publish(new))
        #expect(write.start(current: old.record) == .write(.compareAndSwap(key: "election/e", expected: old.record, new: new.record)))
        #expect(write.answer(.applied(.compareAndSwap(succeeded: true, current: new.record), index: 9)) == .done)
    }

    @Test("A deposed leader never writes over a newer term's record, whether it reads it first or loses the comparison to it")
    func deposedLeaderNeverOverwrites() {
        var stale = ElectionRecordWrite(key: "election/e", goal: .publish(old))
        #expect(stale.start(current: new.record) == .deposed(by: new))
        #expect(stale.attempts == 0)

        var racing = ElectionRecordWrite(key: "election/e", goal: .publish(old))
        #expect(racing.start(current: nil) == .write(.compareAndSwap(key: "election/e", expected: nil, new: old.record)))
        #expect(racing.answer(.applied(.compareAndSwap(succeeded: false, current: new.record), index: 9)) == .deposed(by: new))
    }

    @Test("Withdrawing removes only this term's record; an unknown outcome is reported, not retried")
    func withdrawOnlyOwnRecord() {
        var mine = ElectionRecordWrite(key: "election/e", goal: .withdraw(old))
        #expect(mine.start(current: old.record) == .write(.compareAndSwap(key: "election/e", expected: old.record, new: nil)))
        #expect(mine.answer(.unknown("timeout")) == .failed(.outcomeUnknown(key: "election/e", reason: "timeout")))
        var successor = ElectionRecordWrite(key: "election/e", goal: .withdraw(old))
        #expect(successor.start(current: new.record) == .done)
        #expect(ElectionLeader(record: "not a record") == nil)
        #expect(ElectionLeader.current(record: old.record, grant: nil) == nil)
        #expect(ElectionLeader.current(record: old.record, grant: LockGrant(name: "election/e", holder: "new", token: 5, expiresAt: 10))
                == ElectionLeader(candidate: "new", value: nil, token: 5))
    }
}
