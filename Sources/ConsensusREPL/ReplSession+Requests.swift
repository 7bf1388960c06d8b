import Consensus

extension ReplSession {
    /// Resolves `leader` to the current leader's id, and checks that an id names a member.
    func resolve(_ ref: MemberRef) async -> Result<String, ReplError> {
        switch ref {
        case .id(let id):
            if members.isEmpty || members.contains(id) { return .success(id) }
            let hint = EditDistance.suggestion(for: id, among: members).map { "did you mean '\($0)'? " } ?? ""
            return .failure(ReplError("no member '\(id)': \(hint)the members are \(members.joined(separator: ", "))"))
        case .leader:
            guard let leader = await awaitLeader() else {
                return .failure(ReplError("no leader right now (an election may be under way): try again in a moment, or name a member"))
            }
            return .success(leader)
        }
    }

    /// The current leader. When this cluster has had one (so it is not leaderless) and has none
    /// now, an election is under way: waits for it, up to `leaderWait` (Ctrl-C stops waiting).
    /// Nothing is sent to the cluster meanwhile, so waiting never duplicates a request.
    func awaitLeader() async -> String? {
        if let leader = StatusView.leader(await reports())?.id { return leader }
        guard sawLeader else { return nil }
        emit(format == .json ? #"{"waiting":"leader"}"# : "no leader right now: waiting for the election (Ctrl-C stops waiting)")
        let deadline = ContinuousClock.now + leaderWait
        while ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            if let leader = StatusView.leader(await reports())?.id { return leader }
        }
        return nil
    }

    /// Sends a client request to the named member, or (none named) to the last known leader
    /// and then every other member in turn while the connection is refused (a request that was
    /// never sent is safe to send elsewhere). Records it in the history.
    func request(_ request: ClientRequest, on ref: MemberRef?) async -> ReplOutput {
        var targets: [String]
        if let ref {
            switch await resolve(ref) {
            case .success(let id): targets = [id]
            case .failure(let error): return .failure(error.message)
            }
        } else {
            let leader = await awaitLeader()
            targets = (leader.map { [$0] } ?? []) + members.filter { $0 != leader }
        }
        if let key = Self.key(of: request) { keys.insert(key) }

        var lastError = ReplError("no member to send it to")
        var member = targets.first ?? "?"
        let start = now()
        for target in targets {
            member = target
            do {
                let reply = try await backend.send(request, to: target)
                record(request, member: target, start: start, outcome: Self.outcome(request, reply))
                return ReplOutput(text: ReplyText.describe(request, reply), json: reply)
            } catch {
                lastError = error
                if ref == nil, error.code == "not_sent" { continue }
                break
            }
        }
        record(request, member: member, start: start,
               outcome: lastError.outcome == .unknown ? .unknown(lastError.message) : .failed(lastError.message))
        if lastError.code == "not_sent" && ref == nil {
            lastError.message = "no member answers (\(lastError.message)): 'status' shows who is up; 'restart <member>' brings one back"
        }
        return .failure(lastError.message, outcome: lastError.outcome)
    }

    /// A proposal that was not accepted with a definite code failed; the other replies are ok.
    static func outcome(_ request: ClientRequest, _ reply: ConsensusValue) -> SessionHistory.Outcome {
        if case .propose = request, reply["accepted"]?.boolValue == false {
            let code = reply["code"]?.stringValue
            let error = reply["error"]?.stringValue ?? "not accepted"
            return code == nil || code == "timeout" ? .unknown(error) : .failed(error)
        }
        return .ok(reply)
    }

    func record(_ request: ClientRequest, member: String, start: Int64, outcome: SessionHistory.Outcome) {
        guard SessionHistory.isRecorded(request) else { return }
        history.record(request, member: member, start: start, end: now(), outcome: outcome)
    }

    /// The key (or lock or counter name) a request names, for completion.
    static func key(of request: ClientRequest) -> String? {
        switch request {
        case .put(let key, _), .get(let key, _), .delete(let key), .compareAndSwap(let key, _, _), .propose(let key, _):
            return key
        case .lockAcquire(let name, _, _, _), .lockRenew(let name, _, _, _), .lockRelease(let name, _, _), .lockShow(let name),
             .counterAdd(let name, _), .counterGet(let name):
            return name
        default:
            return nil
        }
    }

    /// Performs a fault after resolving its members.
    func perform(_ fault: FaultCommand) async -> ReplOutput {
        func one(_ ref: MemberRef, _ make: (String) -> ResolvedFault) async -> Result<ResolvedFault, ReplError> {
            await resolve(ref).map(make)
        }
        let resolved: Result<ResolvedFault, ReplError>
        switch fault {
        case .kill(let ref): resolved = await one(ref, ResolvedFault.kill)
        case .restart(let ref): resolved = await one(ref, ResolvedFault.restart)
        case .pause(let ref): resolved = await one(ref, ResolvedFault.pause)
        case .resume(let ref): resolved = await one(ref, ResolvedFault.resume)
        case .heal: resolved = .success(.heal)
        case .partition(let left, let right):
            var groups: [[String]] = [[], []]
            for (side, refs) in [left, right].enumerated() {
                for ref in refs {
                    switch await resolve(ref) {
                    case .success(let id): groups[side].append(id)
                    case .failure(let error): return .failure(error.message)
                    }
                }
            }
            if let both = groups[0].first(where: groups[1].contains) { return .failure("partition: \(both) is in both groups") }
            resolved = .success(.partition(groups[0], groups[1]))
        }
        switch resolved {
        case .failure(let error):
            return .failure(error.message)
        case .success(let fault):
            do {
                let text = try await backend.perform(fault)
                if case .kill(let id) = fault, id == lastLeader { lastLeader = nil }
                return .message(text)
            } catch {
                return .failure(error.message)
            }
        }
    }
}
