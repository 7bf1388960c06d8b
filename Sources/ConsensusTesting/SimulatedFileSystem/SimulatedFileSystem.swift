import ConsensusCore
import ConsensusStorage
import Glibc
import Synchronization

/// An in-memory ``FileSystem`` that loses what was not made durable when it crashes, so that
/// `FileStorage`'s real WAL and recovery code can be tested under disk faults, by seed.
///
/// The model (POSIX's promises, and no more):
/// - each file has the bytes **written** (what reads see) and the bytes **durable** (as of its
///   last `sync`); `truncate` and `writeAtomically` sync what they write;
/// - a directory entry (a file created, renamed over or removed) is durable only after
///   `syncDirectory` of its directory; directories themselves are durable when made;
/// - ``crash(using:)``: every durable name gets its file's durable bytes back, plus, drawn from
///   the generator, a torn prefix of the bytes appended after them and not synced (possibly with
///   its last bytes zeroed: the size reached the disk, the data did not). Open descriptors and
///   directory locks are gone;
/// - ``failSync(after:)``: the power goes at a chosen sync; that sync and every call after it
///   throw until ``crash(using:)``;
/// - faults in durable data, drawn from a generator: ``flipBit(using:)`` (a latent sector error)
///   and ``misdirectWrite(using:)`` (a write that lands on another file or offset).
///
/// Everything is deterministic: files are visited in sorted path order, and every draw comes from
/// the `SplitMix64` the caller passes.
public final class SimulatedFileSystem: FileSystem {
    /// How a crash treats the bytes appended to a file and not synced.
    public struct CrashOptions: Sendable {
        /// The chance that a file keeps a torn prefix of its unsynced tail (otherwise none of it).
        public var tornWriteProbability: Double = 0.5
        /// The chance that the last 1-16 bytes of a torn prefix read as zeros (the file's size
        /// reached the disk before its data). Off by default: `FileStorage` cannot tell a record
        /// whose end was zeroed this way from a damaged acknowledged record, and refuses to start.
        public var zeroedTailProbability: Double = 0

        public init(tornWriteProbability: Double = 0.5, zeroedTailProbability: Double = 0) {
            self.tornWriteProbability = tornWriteProbability
            self.zeroedTailProbability = zeroedTailProbability
        }
    }

    private final class Inode {
        var written: [UInt8] = []
        var durable: [UInt8] = []
    }

    private struct Descriptor {
        var path: String
        var inode: Inode
        var append: Bool
        var offset = 0
    }

    private struct State {
        var directories: Set<String> = ["/", "."]
        /// What reads see.
        var names: [String: Inode] = [:]
        /// What a crash leaves.
        var durableNames: [String: Inode] = [:]
        var descriptors: [Int32: Descriptor] = [:]
        var nextDescriptor: Int32 = 3
        var locked: Set<String> = []
        /// Syncs (of files and directories) so far.
        var syncs = 0
        /// The sync at which the power goes.
        var failingSync: Int?
        var poweredOff = false
    }

    private let state = Mutex(State())
    public let crashOptions: CrashOptions

    public init(crashOptions: CrashOptions = CrashOptions()) {
        self.crashOptions = crashOptions
    }

    // MARK: - Faults

    /// The number of syncs (file and directory) performed so far.
    public var syncCount: Int { state.withLock { $0.syncs } }

    /// Whether the power went (a failing sync was reached) and ``crash(using:)`` is due.
    public var isPoweredOff: Bool { state.withLock { $0.poweredOff } }

    /// Makes the `n`-th sync from now (0 = the next one) lose power: it throws, and so does every
    /// later call until ``crash(using:)``. Nil disarms.
    public func failSync(after n: Int?) {
        precondition(n.map { $0 >= 0 } ?? true)
        state.withLock { s in s.failingSync = n.map { s.syncs + $0 } }
    }

    /// The power fails and comes back: every file reverts to what is durable (see the type's
    /// description), descriptors and locks are dropped. Returns what happened, for traces.
    @discardableResult
    public func crash(using rng: inout SplitMix64) -> [String] {
        state.withLock { s in
            var log: [String] = []
            var names: [String: Inode] = [:]
            for path in s.durableNames.keys.sorted() {
                let inode = s.durableNames[path]!
                var bytes = inode.durable
                if inode.written.count > bytes.count, rng.chance(crashOptions.tornWriteProbability) {
                    let tail = inode.written[bytes.count...]
                    let kept = rng.int(in: 0...tail.count)
                    bytes.append(contentsOf: tail.prefix(kept))
                    var note = "\(path): torn, kept \(kept) of \(tail.count) unsynced bytes"
                    if kept > 0, rng.chance(crashOptions.zeroedTailProbability) {
                        let zeroed = rng.int(in: 1...min(16, kept))
                        for i in (bytes.count - zeroed)..<bytes.count { bytes[i] = 0 }
                        note += ", last \(zeroed) zeroed"
                    }
                    log.append(note)
                }
                let fresh = Inode()
                fresh.written = bytes
                fresh.durable = bytes
                names[path] = fresh
            }
            for path in Set(s.names.keys).subtracting(names.keys).sorted() {
                log.append("\(path): lost (its directory entry was not synced)")
            }
            s.names = names
            s.durableNames = names
            s.descriptors = [:]
            s.locked = []
            s.failingSync = nil
            s.poweredOff = false
            return log
        }
    }

    /// Flips one bit of one durable file's durable bytes. Returns what was done, or nil when no
    /// file holds any byte. `pathContaining` limits the choice of file.
    @discardableResult
    public func flipBit(using rng: inout SplitMix64, pathContaining filter: String = "") -> String? {
        state.withLock { s in
            let candidates = s.durableNames.keys.sorted().filter { (filter.isEmpty || $0.contains(filter)) && !s.durableNames[$0]!.durable.isEmpty }
            guard !candidates.isEmpty else { return nil }
            let path = rng.pick(candidates)
            let inode = s.durableNames[path]!
            let offset = rng.int(in: 0...(inode.durable.count - 1))
            let bit = UInt8(1) << UInt8(rng.int(in: 0...7))
            inode.durable[offset] ^= bit
            if offset < inode.written.count { inode.written[offset] ^= bit }
            return "flipped bit \(bit) of byte \(offset) of \(path)"
        }
    }

    /// Flips bit `bit` of byte `offset` of the durable file at `path` (a targeted fault).
    public func flip(path: String, offset: Int, bit: Int) throws {
        try state.withLock { s in
            guard let inode = s.durableNames[path], offset < inode.durable.count else {
                throw StorageError.io(operation: "flip", path: path, errno: ENOENT)
            }
            inode.durable[offset] ^= UInt8(1) << UInt8(bit)
            if offset < inode.written.count { inode.written[offset] ^= UInt8(1) << UInt8(bit) }
        }
    }

    /// A write that landed in the wrong place: 1-64 bytes of one durable file are written over
    /// another offset of a (possibly different) durable file. Returns what was done, or nil when
    /// no file holds any byte.
    @discardableResult
    public func misdirectWrite(using rng: inout SplitMix64, pathContaining filter: String = "") -> String? {
        state.withLock { s in
            let candidates = s.durableNames.keys.sorted().filter { (filter.isEmpty || $0.contains(filter)) && !s.durableNames[$0]!.durable.isEmpty }
            guard !candidates.isEmpty else { return nil }
            let from = rng.pick(candidates), to = rng.pick(candidates)
            let source = s.durableNames[from]!.durable, target = s.durableNames[to]!
            let count = rng.int(in: 1...min(64, source.count, target.durable.count))
            let start = rng.int(in: 0...(source.count - count))
            let offset = rng.int(in: 0...(target.durable.count - count))
            let bytes = Array(source[start..<start + count])
            for i in 0..<count {
                target.durable[offset + i] = bytes[i]
                if offset + i < target.written.count { target.written[offset + i] = bytes[i] }
            }
            return "wrote \(count) bytes meant for \(from) at \(start) over \(to) at \(offset)"
        }
    }

    /// The current content of a file (what reads see), or nil.
    public func contents(_ path: String) -> [UInt8]? {
        state.withLock { $0.names[path]?.written }
    }

    // MARK: - FileSystem

    public func open(_ path: String, _ flags: Int32) throws -> Int32 {
        try state.withLock { s in
            try Self.powered(s, "open", path)
            if flags & O_DIRECTORY != 0 {
                guard s.directories.contains(path) else { throw StorageError.io(operation: "open", path: path, errno: ENOENT) }
                let fd = s.nextDescriptor
                s.nextDescriptor += 1
                s.descriptors[fd] = Descriptor(path: path, inode: Inode(), append: false)
                return fd
            }
            guard s.directories.contains(Self.parent(path)) else { throw StorageError.io(operation: "open", path: path, errno: ENOENT) }
            guard !s.directories.contains(path) else { throw StorageError.io(operation: "open", path: path, errno: EISDIR) }
            let inode: Inode
            if let existing = s.names[path] {
                if flags & O_CREAT != 0 && flags & O_EXCL != 0 { throw StorageError.io(operation: "open", path: path, errno: EEXIST) }
                inode = existing
                if flags & O_TRUNC != 0 { inode.written = [] }
            } else {
                guard flags & O_CREAT != 0 else { throw StorageError.io(operation: "open", path: path, errno: ENOENT) }
                inode = Inode()
                s.names[path] = inode
            }
            let fd = s.nextDescriptor
            s.nextDescriptor += 1
            s.descriptors[fd] = Descriptor(path: path, inode: inode, append: flags & O_APPEND != 0)
            return fd
        }
    }

    public func close(_ fd: Int32) {
        _ = state.withLock { $0.descriptors.removeValue(forKey: fd) }
    }

    public func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try state.withLock { s in
            try Self.powered(s, "write", path)
            guard var d = s.descriptors[fd] else { throw StorageError.io(operation: "write", path: path, errno: EBADF) }
            if d.append { d.offset = d.inode.written.count }
            if d.offset > d.inode.written.count {
                d.inode.written.append(contentsOf: repeatElement(0, count: d.offset - d.inode.written.count))
            }
            let overlap = min(bytes.count, d.inode.written.count - d.offset)
            d.inode.written.replaceSubrange(d.offset..<d.offset + overlap, with: bytes[0..<overlap])
            d.inode.written.append(contentsOf: bytes[overlap...])
            d.offset += bytes.count
            s.descriptors[fd] = d
        }
    }

    public func sync(_ fd: Int32, path: String) throws {
        try state.withLock { s in
            try Self.countSync(&s, "fdatasync", path)
            guard let d = s.descriptors[fd] else { throw StorageError.io(operation: "fdatasync", path: path, errno: EBADF) }
            d.inode.durable = d.inode.written
        }
    }

    public func syncDirectory(_ path: String) throws {
        try state.withLock { s in
            try Self.countSync(&s, "fsync", path)
            guard s.directories.contains(path) else { throw StorageError.io(operation: "open", path: path, errno: ENOENT) }
            Self.syncEntries(&s, of: path)
        }
    }

    public func readFile(_ path: String) throws -> [UInt8]? {
        try state.withLock { s in
            try Self.powered(s, "read", path)
            return s.names[path]?.written
        }
    }

    public func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
        // The same steps as the real one, so that the power can fail between any two of them.
        let temporary = path + ".tmp"
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try writeAll(fd, bytes, path: temporary)
            try sync(fd, path: temporary)
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        try state.withLock { s in
            try Self.powered(s, "rename", temporary)
            guard let inode = s.names.removeValue(forKey: temporary) else {
                throw StorageError.io(operation: "rename", path: temporary, errno: ENOENT)
            }
            s.names[path] = inode
        }
        try syncDirectory(directory)
    }

    public func truncate(_ path: String, to length: Int) throws {
        try state.withLock { s in
            try Self.countSync(&s, "ftruncate", path)
            guard let inode = s.names[path] else { throw StorageError.io(operation: "open", path: path, errno: ENOENT) }
            if inode.written.count > length { inode.written.removeSubrange(length...) }
            inode.durable = inode.written
        }
    }

    public func remove(_ path: String) throws {
        try state.withLock { s in
            try Self.powered(s, "unlink", path)
            s.names.removeValue(forKey: path)
        }
    }

    public func makeDirectory(_ path: String) throws {
        try state.withLock { s in
            try Self.powered(s, "mkdir", path)
            var prefix = path.hasPrefix("/") ? "" : "."
            for part in path.split(separator: "/") {
                prefix += "/" + part
                guard s.names[prefix] == nil else { throw StorageError.io(operation: "mkdir", path: prefix, errno: EEXIST) }
                s.directories.insert(prefix)
            }
        }
    }

    public func list(_ path: String) throws -> [String] {
        try state.withLock { s in
            try Self.powered(s, "opendir", path)
            let dir = Self.normalized(path)
            guard s.directories.contains(dir) else { throw StorageError.io(operation: "opendir", path: path, errno: ENOENT) }
            let files = s.names.keys.filter { Self.parent($0) == dir }
            let dirs = s.directories.filter { $0 != dir && Self.parent($0) == dir }
            return (files + dirs).map { String($0.dropFirst(dir.count + 1)) }.sorted()
        }
    }

    public func exists(_ path: String) -> Bool {
        state.withLock { s in
            let p = Self.normalized(path)
            return s.names[p] != nil || s.directories.contains(p)
        }
    }

    public func lockDirectory(_ directory: String) throws -> FileSystemLock {
        let key = Self.normalized(directory)
        try state.withLock { s in
            guard s.locked.insert(key).inserted else { throw StorageError.locked(directory: directory) }
        }
        return FileSystemLock { [weak self] in
            _ = self?.state.withLock { $0.locked.remove(key) }
        }
    }

    // MARK: - Internals

    private static func powered(_ s: borrowing State, _ operation: String, _ path: String) throws {
        if s.poweredOff { throw StorageError.io(operation: operation, path: path, errno: EIO) }
    }

    /// Counts a sync; the failing one turns the power off.
    private static func countSync(_ s: inout State, _ operation: String, _ path: String) throws {
        try powered(s, operation, path)
        defer { s.syncs += 1 }
        if s.failingSync == s.syncs {
            s.poweredOff = true
            throw StorageError.io(operation: operation, path: path, errno: EIO)
        }
    }

    private static func syncEntries(_ s: inout State, of dir: String) {
        let paths = Set(s.names.keys).union(s.durableNames.keys).filter { parent($0) == dir }
        for path in paths { s.durableNames[path] = s.names[path] }
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Paths are used as given; only a trailing slash is dropped.
    private static func normalized(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
