import ConsensusCore

/// The compact binary form of a ``Command``, the body of a ``CommandCodec/Format/binary`` payload.
///
/// Log entries are written by one member and read by every member, once each: JSON there cost an
/// encoder on the leader and a decoder (which tries each JSON type in turn for every value) on
/// each follower, per entry. This form is read and written in one pass, with no intermediate
/// objects. It is little-endian and self-delimiting:
///
/// - command: node `u64`, sequence `u64`, time `i64`, then the operation;
/// - operation: one tag byte (``OperationTag``), then its fields in declaration order;
/// - string: length `u32`, then UTF-8 (checked when read);
/// - optional value (`expected`/`new` of a compare-and-swap, `value` of a condition): `0` when
///   absent, `1` and the value when present;
/// - value: one tag byte (``ValueTag``), then `i64` for an integer, the IEEE-754 bits as `u64` for
///   a double, a string, or a count `u32` and the elements (an object's members sorted by key, so
///   one command has one encoding);
/// - list (conditions, operations, counter deltas): count `u32`, then the elements.
///
/// Values nest at most ``nestingMax`` deep, as in JSON decoders; the encoder refuses deeper values
/// and non-finite doubles (which JSON clients could not read back), so a payload it writes always
/// decodes, and a decoder on a peer cannot be driven into unbounded recursion.
enum CommandBinary {
    /// The deepest nesting of arrays, objects and transactions a command may hold.
    static let nestingMax = 512

    enum ValueTag: UInt8 {
        case null = 0, `false`, `true`, int, double, string, array, object
    }

    enum OperationTag: UInt8 {
        case put = 1, delete, compareAndSwap, transaction, lockAcquire, lockRenew, lockRelease, counterAdd, counterBatch
    }

    enum ConditionTag: UInt8 {
        case valueEquals = 1, revisionEquals, exists, absent
    }

    /// Why a command cannot be written: a non-finite double or too deep a nesting.
    struct Unencodable: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: Writing

    /// Appends the binary form of `command` to `writer`.
    static func write(_ command: Command, to writer: inout LittleEndian.Writer) throws(Unencodable) {
        writer.u64(command.id.node)
        writer.u64(command.id.sequence)
        writer.u64(UInt64(bitPattern: command.time))
        try write(command.operation, to: &writer, depth: 0)
    }

    private static func write(_ operation: StoreOperation, to w: inout LittleEndian.Writer, depth: Int) throws(Unencodable) {
        guard depth < nestingMax else { throw Unencodable(description: "too deep: nested over \(nestingMax) levels") }
        switch operation {
        case .put(let key, let value):
            w.u8(OperationTag.put.rawValue)
            string(key, to: &w)
            try write(value, to: &w, depth: depth + 1)
        case .delete(let key):
            w.u8(OperationTag.delete.rawValue)
            string(key, to: &w)
        case .compareAndSwap(let key, let expected, let new):
            w.u8(OperationTag.compareAndSwap.rawValue)
            string(key, to: &w)
            try writeOptional(expected, to: &w, depth: depth + 1)
            try writeOptional(new, to: &w, depth: depth + 1)
        case .transaction(let transaction):
            w.u8(OperationTag.transaction.rawValue)
            count(transaction.conditions.count, to: &w)
            for condition in transaction.conditions { try write(condition, to: &w, depth: depth + 1) }
            for branch in [transaction.success, transaction.failure] {
                count(branch.count, to: &w)
                for operation in branch { try write(operation, to: &w, depth: depth + 1) }
            }
        case .lockAcquire(let name, let holder, let ttl):
            w.u8(OperationTag.lockAcquire.rawValue)
            string(name, to: &w)
            string(holder, to: &w)
            w.u64(UInt64(bitPattern: ttl))
        case .lockRenew(let name, let holder, let token, let ttl):
            w.u8(OperationTag.lockRenew.rawValue)
            string(name, to: &w)
            string(holder, to: &w)
            w.u64(token)
            w.u64(UInt64(bitPattern: ttl))
        case .lockRelease(let name, let holder, let token):
            w.u8(OperationTag.lockRelease.rawValue)
            string(name, to: &w)
            string(holder, to: &w)
            w.u64(token)
        case .counterAdd(let name, let delta):
            w.u8(OperationTag.counterAdd.rawValue)
            string(name, to: &w)
            w.u64(UInt64(bitPattern: delta))
        case .counterBatch(let deltas):
            w.u8(OperationTag.counterBatch.rawValue)
            count(deltas.count, to: &w)
            for d in deltas {
                string(d.name, to: &w)
                w.u64(UInt64(bitPattern: d.delta))
            }
        }
    }

    private static func write(_ condition: Condition, to w: inout LittleEndian.Writer, depth: Int) throws(Unencodable) {
        switch condition {
        case .valueEquals(let key, let value):
            w.u8(ConditionTag.valueEquals.rawValue)
            string(key, to: &w)
            try writeOptional(value, to: &w, depth: depth + 1)
        case .revisionEquals(let key, let revision):
            w.u8(ConditionTag.revisionEquals.rawValue)
            string(key, to: &w)
            w.u64(revision)
        case .exists(let key):
            w.u8(ConditionTag.exists.rawValue)
            string(key, to: &w)
        case .absent(let key):
            w.u8(ConditionTag.absent.rawValue)
            string(key, to: &w)
        }
    }

    private static func writeOptional(_ value: ConsensusValue?, to w: inout LittleEndian.Writer, depth: Int) throws(Unencodable) {
        guard let value else { return w.u8(0) }
        w.u8(1)
        try write(value, to: &w, depth: depth)
    }

    private static func write(_ value: ConsensusValue, to w: inout LittleEndian.Writer, depth: Int) throws(Unencodable) {
        guard depth < nestingMax else { throw Unencodable(description: "too deep: nested over \(nestingMax) levels") }
        switch value {
        case .null: w.u8(ValueTag.null.rawValue)
        case .bool(let b): w.u8(b ? ValueTag.true.rawValue : ValueTag.false.rawValue)
        case .int(let i):
            w.u8(ValueTag.int.rawValue)
            w.u64(UInt64(bitPattern: i))
        case .double(let d):
            guard d.isFinite else { throw Unencodable(description: "\(d) is not a finite number (JSON cannot carry it)") }
            w.u8(ValueTag.double.rawValue)
            w.u64(d.bitPattern)
        case .string(let s):
            w.u8(ValueTag.string.rawValue)
            string(s, to: &w)
        case .array(let elements):
            w.u8(ValueTag.array.rawValue)
            count(elements.count, to: &w)
            for e in elements { try write(e, to: &w, depth: depth + 1) }
        case .object(let members):
            w.u8(ValueTag.object.rawValue)
            count(members.count, to: &w)
            for key in members.keys.sorted() {
                string(key, to: &w)
                try write(members[key]!, to: &w, depth: depth + 1)
            }
        }
    }

    private static func string(_ s: String, to w: inout LittleEndian.Writer) {
        var s = s
        s.withUTF8 { utf8 in
            w.u32(UInt32(utf8.count))
            w.bytes.append(contentsOf: utf8)
        }
    }

    private static func count(_ n: Int, to w: inout LittleEndian.Writer) {
        w.u32(UInt32(n))
    }

    // MARK: Reading

    /// Reads a command written by ``write(_:to:)``; every byte must belong to it.
    static func read(_ bytes: ArraySlice<UInt8>) throws(LittleEndian.Malformed) -> Command {
        var r = LittleEndian.Reader(bytes)
        let node = try r.u64()
        let sequence = try r.u64()
        let time = Int64(bitPattern: try r.u64())
        let operation = try readOperation(&r, depth: 0)
        guard r.isAtEnd else { throw malformed("\(r.remaining) bytes after the command") }
        return Command(id: ProposalID(node: node, sequence: sequence), time: time, operation: operation)
    }

    private static func readOperation(_ r: inout LittleEndian.Reader, depth: Int) throws(LittleEndian.Malformed) -> StoreOperation {
        guard depth < nestingMax else { throw malformed("nested over \(nestingMax) levels") }
        let byte = try r.u8()
        guard let tag = OperationTag(rawValue: byte) else { throw malformed("unknown operation tag \(byte)") }
        switch tag {
        case .put:
            return .put(key: try readString(&r), value: try readValue(&r, depth: depth + 1))
        case .delete:
            return .delete(key: try readString(&r))
        case .compareAndSwap:
            return .compareAndSwap(
                key: try readString(&r), expected: try readOptional(&r, depth: depth + 1), new: try readOptional(&r, depth: depth + 1))
        case .transaction:
            var conditions: [Condition] = []
            for _ in 0..<(try readCount(&r, bytesEach: 5)) { conditions.append(try readCondition(&r, depth: depth + 1)) }
            var branches: [[StoreOperation]] = [[], []]
            for b in 0..<2 {
                for _ in 0..<(try readCount(&r, bytesEach: 5)) { branches[b].append(try readOperation(&r, depth: depth + 1)) }
            }
            return .transaction(Transaction(conditions: conditions, success: branches[0], failure: branches[1]))
        case .lockAcquire:
            return .lockAcquire(name: try readString(&r), holder: try readString(&r), ttlMilliseconds: Int64(bitPattern: try r.u64()))
        case .lockRenew:
            return .lockRenew(
                name: try readString(&r), holder: try readString(&r), token: try r.u64(), ttlMilliseconds: Int64(bitPattern: try r.u64()))
        case .lockRelease:
            return .lockRelease(name: try readString(&r), holder: try readString(&r), token: try r.u64())
        case .counterAdd:
            return .counterAdd(name: try readString(&r), delta: Int64(bitPattern: try r.u64()))
        case .counterBatch:
            var deltas: [CounterDelta] = []
            for _ in 0..<(try readCount(&r, bytesEach: 12)) {
                deltas.append(CounterDelta(name: try readString(&r), delta: Int64(bitPattern: try r.u64())))
            }
            return .counterBatch(deltas)
        }
    }

    private static func readCondition(_ r: inout LittleEndian.Reader, depth: Int) throws(LittleEndian.Malformed) -> Condition {
        let byte = try r.u8()
        guard let tag = ConditionTag(rawValue: byte) else { throw malformed("unknown condition tag \(byte)") }
        switch tag {
        case .valueEquals: return .valueEquals(key: try readString(&r), value: try readOptional(&r, depth: depth + 1))
        case .revisionEquals: return .revisionEquals(key: try readString(&r), revision: try r.u64())
        case .exists: return .exists(key: try readString(&r))
        case .absent: return .absent(key: try readString(&r))
        }
    }

    private static func readOptional(_ r: inout LittleEndian.Reader, depth: Int) throws(LittleEndian.Malformed) -> ConsensusValue? {
        switch try r.u8() {
        case 0: return nil
        case 1: return try readValue(&r, depth: depth)
        case let byte: throw malformed("optional value marker \(byte), expected 0 or 1")
        }
    }

    private static func readValue(_ r: inout LittleEndian.Reader, depth: Int) throws(LittleEndian.Malformed) -> ConsensusValue {
        guard depth < nestingMax else { throw malformed("a value nested over \(nestingMax) levels") }
        let byte = try r.u8()
        guard let tag = ValueTag(rawValue: byte) else { throw malformed("unknown value tag \(byte)") }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int: return .int(Int64(bitPattern: try r.u64()))
        case .double:
            let d = Double(bitPattern: try r.u64())
            guard d.isFinite else { throw malformed("a non-finite double") }
            return .double(d)
        case .string: return .string(try readString(&r))
        case .array:
            let n = try readCount(&r)
            var elements: [ConsensusValue] = []
            elements.reserveCapacity(min(n, reservedElementsMax))
            for _ in 0..<n { elements.append(try readValue(&r, depth: depth + 1)) }
            return .array(elements)
        case .object:
            // A member takes at least 5 bytes: its key's length and its value's tag.
            let n = try readCount(&r, bytesEach: 5)
            var members: [String: ConsensusValue] = [:]
            members.reserveCapacity(min(n, reservedElementsMax))
            for _ in 0..<n {
                let key = try readString(&r)
                members[key] = try readValue(&r, depth: depth + 1)
            }
            guard members.count == n else { throw malformed("an object with a repeated key") }
            return .object(members)
        }
    }

    private static func readString(_ r: inout LittleEndian.Reader) throws(LittleEndian.Malformed) -> String {
        let length = Int(try r.u32())
        let utf8 = try r.take(length)
        guard let s = String(validating: utf8, as: UTF8.self) else { throw malformed("a string that is not UTF-8") }
        return s
    }

    /// The most elements reserved up front for an array or object: past it, they grow as they
    /// are read, so memory follows the elements actually there, not a count a payload claims.
    private static let reservedElementsMax = 1_024

    /// A count of elements, each of which takes at least `bytesEach` bytes: a count the bytes left
    /// cannot hold is corrupt, and is refused before anything is reserved for it.
    private static func readCount(_ r: inout LittleEndian.Reader, bytesEach: Int = 1) throws(LittleEndian.Malformed) -> Int {
        let n = Int(try r.u32())
        guard n <= r.remaining / bytesEach else { throw malformed("a count of \(n) with \(r.remaining) bytes left") }
        return n
    }

    private static func malformed(_ text: String) -> LittleEndian.Malformed {
        LittleEndian.Malformed(description: text)
    }
}
