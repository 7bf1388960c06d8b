/// Leader election (§5.2), pre-vote (§9.6 of the dissertation) and check-quorum (§6.2).
extension Raft {
    mutating func tickElection() {
        electionElapsed += 1
        if isPromotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            startCampaign(preVote: options.preVote, transfer: false)
        }
    }

    mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= options.electionTicksMin {
            electionElapsed = 0
            if options.checkQuorum && !checkQuorumActive() {
                // We cannot reach a majority: stop pretending to lead (§6.2).
                becomeFollower(term: term, leader: nil)
                return
            }
            // A transfer that did not finish within an election timeout is abandoned (§3.10).
            leadTransferee = nil
        }
        if heartbeatElapsed >= options.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat()
        }
    }

    /// Whether a majority was heard from since the last round; starts the next round.
    private mutating func checkQuorumActive() -> Bool {
        var active: [NodeID] = [id]
        for peer in peers where progress[peer]!.recentActive {
            active.append(peer)
            progress[peer]!.recentActive = false
        }
        return configuration.hasQuorum(active)
    }

    /// Starts a pre-vote round or a real election.
    mutating func startCampaign(preVote: Bool, transfer: Bool) {
        let voteTerm: Term
        if preVote {
            becomePreCandidate()
            voteTerm = term + 1
        } else {
            becomeCandidate()
            voteTerm = term
        }
        if poll(id, granted: true) != .pending { return }
        for voter in configuration.voters.sorted() where voter != id {
            if preVote {
                send(to: voter, term: voteTerm, .preVote(lastIndex: log.lastIndex, lastTerm: log.lastTerm))
            } else {
                send(to: voter, term: voteTerm,
                     .vote(lastIndex: log.lastIndex, lastTerm: log.lastTerm, leadershipTransfer: transfer))
            }
        }
    }

    /// Records an answer and acts on the result: a won pre-vote starts the real election, a won
    /// election makes us leader, a lost one makes us a follower again.
    @discardableResult
    mutating func poll(_ from: NodeID, granted: Bool) -> ElectionResult {
        if votes[from] == nil { votes[from] = granted }
        let result = configuration.tally(votes)
        switch result {
        case .won:
            if role == .preCandidate {
                startCampaign(preVote: false, transfer: false)
            } else {
                becomeLeader()
            }
        case .lost:
            becomeFollower(term: term, leader: nil)
        case .pending:
            break
        }
        return result
    }

    /// RequestVote and pre-vote, receiver side (§5.2, §5.4.1): one vote per term, and only for a
    /// candidate whose log is at least as up to date as ours.
    mutating func handleVoteRequest(_ m: Message, lastIndex: LogIndex, lastTerm: Term, preVote: Bool) {
        if voteRefusal(from: m.from, term: m.term, lastIndex: lastIndex, lastTerm: lastTerm, preVote: preVote) == nil {
            // A granted answer carries the request's term, so the candidate counts it.
            send(to: m.from, term: m.term, preVote ? .preVoteResponse(granted: true) : .voteResponse(granted: true))
            if !preVote {
                electionElapsed = 0
                vote = m.from
            }
        } else {
            send(to: m.from, preVote ? .preVoteResponse(granted: false) : .voteResponse(granted: false))
        }
    }

    /// Why this node would refuse a vote (or pre-vote) request of the current term from
    /// `candidate` whose log ends at `lastIndex`/`lastTerm`, or `nil` when it would grant it. The
    /// rule that ``step(_:)`` applies, as a question (a request from an older term, or one ignored
    /// under the leader lease, never gets this far).
    /// - Returns: the reason, in the order the rule checks: the vote is taken, a leader is known,
    ///   the candidate's log is behind.
    public func voteRefusal(from candidate: NodeID, term requestTerm: Term, lastIndex: LogIndex, lastTerm: Term,
                            preVote: Bool) -> VoteRefusal? {
        let canVote = vote == candidate || (vote == nil && leader == nil) || (preVote && requestTerm > term)
        if !canVote {
            if let vote { return .votedFor(vote) }
            if let leader { return .followsLeader(leader) }
        }
        if !log.isUpToDate(lastIndex: lastIndex, lastTerm: lastTerm) {
            return .logBehind(ours: .init(index: log.lastIndex, term: log.lastTerm), theirs: .init(index: lastIndex, term: lastTerm))
        }
        return nil
    }

    // MARK: - Leadership transfer (§3.10 of the dissertation)

    /// Hands leadership to `target`: the leader stops taking proposals, brings the target's log up
    /// to date, then tells it to start an election at once (TimeoutNow). The transfer is
    /// abandoned if it does not finish within the minimum election timeout.
    public mutating func transferLeadership(to target: NodeID) throws(RaftError) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        if target == id { return }
        guard configuration.voters.contains(target), progress[target] != nil else { throw .notAVoter(target) }
        if leadTransferee == target { return }
        leadTransferee = target
        electionElapsed = 0
        if progress[target]!.match == log.lastIndex {
            send(to: target, .timeoutNow)
        } else {
            sendAppend(to: target)
        }
    }
}
