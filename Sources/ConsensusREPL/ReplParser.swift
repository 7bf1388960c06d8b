import Consensus
import Foundation

/// Turns a REPL line into a ``ReplCommand``, or into a one-line error that says what to type
/// instead (with a "did you mean" for a misspelt command). Pure: no I/O, nothing it is given can
/// make it trap.
public struct ReplParser: Sendable {
    /// Creates a parser.
    public init() {}

    /// Parses one line.
    /// - Parameter line: what was typed.
    /// - Returns: the command, `nil` for a blank line or a comment (`# ...`), or the error.
    public func parse(_ line: String) -> Result<ReplCommand?, ReplParseError> {
        let trimmed = line.drop { $0.isWhitespace }
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return .success(nil) }
        // A transaction is JSON, whose quotes the tokenizer would take: read it raw.
        if trimmed.lowercased().hasPrefix("txn ") || trimmed.lowercased() == "txn" { return transaction(String(trimmed.dropFirst(3))) }
        switch ReplTokenizer.words(line) {
        case .failure(let error):
            return .failure(error)
        case .success(let words):
            guard let name = words.first else { return .success(nil) }
            do {
                return .success(try command(name, Array(words.dropFirst())))
            } catch let error as ReplParseError {
                return .failure(error)
            } catch {
                return .failure(ReplParseError("\(error)"))
            }
        }
    }

    private func command(_ name: String, _ words: [String]) throws -> ReplCommand {
        guard let spec = CommandCatalog.spec(name.lowercased()) else {
            if let suggestion = EditDistance.suggestion(for: name.lowercased(), among: CommandCatalog.names) {
                throw ReplParseError("unknown command '\(name)': did you mean '\(suggestion)'? ('help' lists the commands)")
            }
            throw ReplParseError("unknown command '\(name)': type 'help' for the list of commands")
        }
        if spec.coming {
            return .notYet(command: spec.name, reason: Self.comingReason(spec.name))
        }
        var arguments = ParsedArguments(spec: spec, words: words)
        let command = try parse(spec, &arguments)
        try arguments.finish()
        return command
    }

    static func comingReason(_ name: String) -> String {
        switch name {
        default: return "'\(name)' is coming but not built yet (type 'help' for what works now)"
        }
    }

    private func parse(_ spec: CommandSpec, _ a: inout ParsedArguments) throws -> ReplCommand {
        switch spec.name {
        case "status": return .status
        case "nodes": return .nodes
        case "leader": return .leader
        case "add-node":
            let id = try a.next("member id")
            let address = a.remaining.isEmpty ? nil : try a.next("peer address host:port")
            return .addNode(id: id, address: address)
        case "remove-node": return .removeNode(MemberRef(try a.next("member")))
        case "transfer-leader": return .transferLeader(MemberRef(try a.next("member")))
        case "put":
            let on = try a.option("--on").map(MemberRef.init)
            let key = try a.next("key")
            return .request(.put(key: key, value: ValueArgument.parse(try a.next("value"))), on: on)
        case "get":
            let on = try a.option("--on").map(MemberRef.init)
            let local = a.flag("--local")
            return .request(.get(key: try a.next("key"), local: local), on: on)
        case "delete":
            let on = try a.option("--on").map(MemberRef.init)
            return .request(.delete(key: try a.next("key")), on: on)
        case "watch":
            let on = try a.option("--on").map(MemberRef.init)
            let prefix = a.flag("--prefix")
            return .watch(key: try a.next("key"), prefix: prefix, on: on)
        case "result":
            let on = try a.option("--on").map(MemberRef.init)
            let key = try a.next("key")
            return .request(.propose(key: key, value: ValueArgument.parse(try a.next("value"))), on: on)
        case "pending":
            return .request(.pending, on: try a.option("--on").map(MemberRef.init))
        case "vote":
            let on = try a.option("--on").map(MemberRef.init)
            let id = try a.next("proposal id")
            let answer = try a.next("yes or no")
            guard let accept = ["yes": true, "y": true, "no": false, "n": false][answer.lowercased()] else {
                throw a.usageError("the vote is yes or no, not '\(answer)'")
            }
            return .request(.vote(proposal: id, accept: accept), on: on)
        case "cas":
            let on = try a.option("--on").map(MemberRef.init)
            let key = try a.next("key")
            let expected = ValueArgument.parse(try a.next("expected value (null: absent)"))
            let new = ValueArgument.parse(try a.next("new value (null: delete)"))
            // (Not `v.isNull ? nil : v`: ConsensusValue is ExpressibleByNilLiteral, so that `nil` would be `.null`.)
            func absentIfNull(_ v: ConsensusValue) -> ConsensusValue? { v.isNull ? Optional.none : v }
            return .request(.compareAndSwap(key: key, expected: absentIfNull(expected), new: absentIfNull(new)), on: on)
        case "lock": return try lock(&a)
        case "counter": return try counter(&a)
        case "kill": return .fault(.kill(MemberRef(try a.next("member"))))
        case "restart": return .fault(.restart(MemberRef(try a.next("member"))))
        case "pause": return .fault(.pause(MemberRef(try a.next("member"))))
        case "resume": return .fault(.resume(MemberRef(try a.next("member"))))
        case "partition": return try partition(&a)
        case "heal": return .fault(.heal)
        case "trace":
            switch try a.next("on or off").lowercased() {
            case "on": return .trace(on: true)
            case "off": return .trace(on: false)
            case let other: throw a.usageError("trace takes on or off, not '\(other)'")
            }
        case "history": return .history
        case "check": return .check
        case "debug": return .debug
        case "why":
            guard !a.remaining.isEmpty else { return .why(term: nil) }
            var word = try a.next("term")
            if word == "term" { word = try a.next("term number") }
            guard let term = UInt64(word) else { throw a.usageError("why [term N]: N is a term number, not '\(word)'") }
            return .why(term: term)
        case "save": return .save(path: try a.next("file"))
        case "optimistic":
            let on = try a.option("--on").map(MemberRef.init)
            let sub = try a.subcommand()
            let key = try a.next("key")
            var delta: Int64 = sub == "decr" ? -1 : 1
            if sub == "add" {
                let text = try a.next("delta")
                guard let d = Int64(text) else { throw a.usageError("the delta is a whole number, not '\(text)'") }
                delta = d
            }
            return .optimisticAdd(key: key, delta: delta, on: on)
        case "elect": return try elect(&a)
        case "output":
            let word = try a.next("table or json")
            guard let format = OutputFormat(rawValue: word.lowercased()) else { throw a.usageError("output is table or json, not '\(word)'") }
            return .output(format)
        case "help": return .help(a.remaining.isEmpty ? nil : try a.next("command"))
        case "quit": return .quit
        default:
            throw ReplParseError("'\(spec.name)' has no parser yet (type 'help')")
        }
    }

    private func lock(_ a: inout ParsedArguments) throws -> ReplCommand {
        let on = try a.option("--on").map(MemberRef.init)
        let wait = try a.option("--wait")
        let sub = try a.subcommand()
        let name = try a.next("lock name")
        switch sub {
        case "acquire":
            let holder = try a.next("holder")
            let ttl = try a.remaining.isEmpty ? 10_000 : Self.milliseconds(try a.next("ttl"), a)
            let waitMs = try wait.map { try Self.milliseconds($0, a) }
            return .request(.lockAcquire(name: name, holder: holder, ttlMilliseconds: ttl, waitMilliseconds: waitMs), on: on)
        case "renew":
            let holder = try a.next("holder")
            let token = try Self.token(try a.next("token"), a)
            let ttl = try a.remaining.isEmpty ? 10_000 : Self.milliseconds(try a.next("ttl"), a)
            return .request(.lockRenew(name: name, holder: holder, token: token, ttlMilliseconds: ttl), on: on)
        case "release":
            let holder = try a.next("holder")
            return .request(.lockRelease(name: name, holder: holder, token: try Self.token(try a.next("token"), a)), on: on)
        default:
            return .request(.lockShow(name: name), on: on)
        }
    }

    /// `txn <json> [--on <member>]`: the JSON as typed (single quotes around it are taken off).
    private func transaction(_ rest: String) -> Result<ReplCommand?, ReplParseError> {
        var text = rest.trimmingCharacters(in: .whitespaces)
        var on: MemberRef?
        if let range = text.range(of: " --on ", options: .backwards) {
            on = MemberRef(text[range.upperBound...].trimmingCharacters(in: .whitespaces))
            text = String(text[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
        }
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") { text = String(text.dropFirst().dropLast()) }
        let usage = "usage: txn <json> [--on <member>], as txn {\"if\":[{\"type\":\"valueEquals\",\"key\":\"a\",\"value\":1}],\"then\":[{\"type\":\"put\",\"key\":\"b\",\"value\":2}]} ('help txn')"
        guard !text.isEmpty else { return .failure(ReplParseError("txn: give the transaction as JSON; " + usage)) }
        guard let data = text.data(using: .utf8), let body = try? JSONDecoder().decode(ConsensusValue.self, from: data),
              body.objectValue != nil else {
            return .failure(ReplParseError("txn: not a JSON object: \(text.prefix(60)); " + usage))
        }
        return .success(.request(.transaction(body), on: on))
    }

    private func elect(_ a: inout ParsedArguments) throws -> ReplCommand {
        let on = try a.option("--on").map(MemberRef.init)
        let ttl = try a.option("--ttl")
        let wait = try a.option("--wait")
        let sub = try a.subcommand()
        let election = try a.next("election name")
        switch sub {
        case "campaign":
            let candidate = try a.next("candidate")
            let value = a.remaining.isEmpty ? nil : ValueArgument.parse(try a.next("value"))
            let ttlMs = try ttl.map { try Self.milliseconds($0, a) } ?? 10_000
            return .request(.electCampaign(election: election, candidate: candidate, value: value, ttlMilliseconds: ttlMs,
                                           waitMilliseconds: try wait.map { try Self.milliseconds($0, a) }), on: on)
        case "resign":
            let candidate = try a.next("candidate")
            return .request(.electResign(election: election, candidate: candidate, token: try Self.token(try a.next("token"), a)), on: on)
        default:
            return .request(.electShow(election: election), on: on)
        }
    }

    private func counter(_ a: inout ParsedArguments) throws -> ReplCommand {
        let on = try a.option("--on").map(MemberRef.init)
        switch try a.subcommand() {
        case "incr": return .request(.counterAdd(name: try a.next("counter name"), delta: 1), on: on)
        case "decr": return .request(.counterAdd(name: try a.next("counter name"), delta: -1), on: on)
        case "add":
            let name = try a.next("counter name")
            let text = try a.next("delta")
            guard let delta = Int64(text) else { throw a.usageError("the delta is a whole number, not '\(text)'") }
            return .request(.counterAdd(name: name, delta: delta), on: on)
        case "get": return .request(.counterGet(name: try a.next("counter name")), on: on)
        default:
            var ops: [CounterDeltaArgument] = []
            while !a.remaining.isEmpty {
                let item = try a.next("name=delta")
                let parts = item.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, !parts[0].isEmpty, let delta = Int64(parts[1]) else {
                    throw a.usageError("each change is name=delta, as clicks=2, not '\(item)'")
                }
                ops.append(CounterDeltaArgument(name: String(parts[0]), delta: delta))
            }
            guard !ops.isEmpty else { throw a.usageError("name at least one change, as counter batch clicks=1 views=2") }
            return .request(.counterBatch(ops), on: on)
        }
    }

    private func partition(_ a: inout ParsedArguments) throws -> ReplCommand {
        let words = a.remaining.flatMap { $0.split(separator: ",").map(String.init) }
        a.remaining = []
        guard let bar = words.firstIndex(of: "|") else { throw a.usageError("separate the two groups with |, as partition n1 | n2 n3") }
        let left = words[..<bar].map(MemberRef.init), right = words[(bar + 1)...].map(MemberRef.init)
        guard !left.isEmpty, !right.isEmpty, !right.contains(.id("|")) else {
            throw a.usageError("two non-empty groups with one | between them, as partition n1 | n2 n3")
        }
        if let both = left.first(where: right.contains) { throw a.usageError("\(both) is in both groups") }
        return .fault(.partition(left, right))
    }

    /// A duration argument in milliseconds (at least 1).
    static func milliseconds(_ text: String, _ a: ParsedArguments) throws -> Int64 {
        let ms: Int64
        if let whole = Int64(text) {
            ms = whole
        } else if let duration = DurationArgument(text)?.duration {
            ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        } else {
            throw a.usageError("'\(text)' is not a duration such as 500ms, 10s or 1m")
        }
        guard ms >= 1 else { throw a.usageError("a duration of at least 1ms, not '\(text)'") }
        return ms
    }

    static func token(_ text: String, _ a: ParsedArguments) throws -> UInt64 {
        guard let token = UInt64(text) else { throw a.usageError("the token is the number 'lock acquire' printed, not '\(text)'") }
        return token
    }
}
