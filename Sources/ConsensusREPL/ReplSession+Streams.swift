import Consensus

extension ReplSession {
    /// Prints each change of the key until the task running it is cancelled (Ctrl-C).
    func watch(key: String, prefix: Bool, on ref: MemberRef?) async -> ReplOutput {
        keys.insert(key)
        let member: String
        switch ref {
        case .some(let ref):
            switch await resolve(ref) {
            case .success(let id): member = id
            case .failure(let error): return .failure(error.message)
            }
        case nil:
            let reports = await reports()
            guard let up = StatusView.leader(reports)?.id ?? reports.first(where: { $0.status != nil })?.id else {
                return .failure("no member answers: 'status' shows who is up")
            }
            member = up
        }
        emit(format == .json ? (["watching": .string(key), "member": .string(member)] as ConsensusValue).description
                             : "watching \(key)\(prefix ? " (prefix)" : "") on \(member); Ctrl-C stops")
        var count = 0
        do {
            for try await change in backend.watch(key: key, prefix: prefix, on: member) {
                count += 1
                if format == .json {
                    emit(change.description)
                } else {
                    let revision = change["revision"]?.intValue.map { " (revision \($0))" } ?? ""
                    let what = change["deleted"]?.boolValue == true ? "deleted" : "= \(change["value"] ?? .null)"
                    emit("\(change["key"]?.stringValue ?? key) \(what)\(revision)")
                }
            }
        } catch {
            if !Task.isCancelled {
                return .failure("watch on \(member) ended: \(error) ('status' shows whether \(member) is up)", outcome: .failed)
            }
        }
        if Task.isCancelled {
            return ReplOutput(text: "watch stopped (\(count) change\(count == 1 ? "" : "s"))", json: ["watchStopped": .string(key), "changes": .int(Int64(count))])
        }
        return .failure("watch on \(member) ended: the member closed the stream ('status' shows whether it is up)")
    }

    /// Starts or stops printing every member's events, one line each: `[n2 t3] leader_elected n2`.
    func setTrace(_ on: Bool) async -> ReplOutput {
        guard on else {
            guard let trace else { return .message("trace is already off") }
            trace.cancel()
            self.trace = nil
            return .message("trace off")
        }
        guard trace == nil else { return .message("trace is already on") }
        var terms: [String: UInt64] = [:]
        for r in await reports() { if let s = r.status { terms[r.id] = s.term } }
        let events = backend.events()
        let emit = self.emit
        let json = format == .json
        trace = Task.detached { [terms] in
            var terms = terms
            for await event in events {
                guard !Task.isCancelled else { break }
                let member = event["member"]?.stringValue ?? "?"
                if let term = event["term"]?.intValue { terms[member] = UInt64(clamping: term) }
                emit(json ? event.description : TraceLine.text(event, term: terms[member]))
            }
        }
        return .message("trace on: every member's events as they happen ('trace off' stops)")
    }
}

/// One event of `GET /v1/events` as a trace line: `[n2 t3] leader_elected n2`.
public enum TraceLine {
    /// The line for `event`, tagged with its member and `term` (the member's last known term).
    public static func text(_ event: ConsensusValue, term: UInt64?) -> String {
        let member = event["member"]?.stringValue ?? "?"
        let tag = "[\(member) t\(term.map(String.init) ?? "?")]"
        let type = event["type"]?.stringValue ?? "event"
        var details: [String] = []
        switch type {
        case "leader_elected": details = [event["leader"]?.stringValue ?? "?"]
        case "vote_requested": details = ["by", event["peer"]?.stringValue ?? "?"]
        case "vote_granted": details = ["to", event["peer"]?.stringValue ?? "?"]
        case "vote_refused":
            details = ["to", event["peer"]?.stringValue ?? "?"] + (event["reason"]?.stringValue.map { ["(\($0))"] } ?? [])
        case "log_appended":
            details = ["index", event["index"]?.description ?? "?"] + (event["key"]?.stringValue.map { ["key", $0] } ?? [])
        case "state_changed":
            details = [event["key"]?.stringValue ?? "?", "=", (event["newValue"] ?? .null).description]
        case "node_unreachable", "node_reconnected": details = [event["peer"]?.stringValue ?? "?"]
        case "partition_detected":
            details = ["side", event["side"]?.stringValue ?? "?", "unreachable", (event["unreachable"] ?? .null).description]
        case "consensus_accepted": details = [event["key"]?.stringValue ?? "?"]
        default: break
        }
        return ([tag, type] + details).joined(separator: " ")
    }
}
