import Synchronization

/// The file operations ``FileStorage`` makes, behind a protocol so that its real WAL and
/// recovery code can run on a simulated disk with injected faults (`SimulatedFileSystem` in
/// ConsensusTesting) as well as on the real one (``RealFileSystem``).
///
/// The contract is POSIX's: what `writeAll` returns has reached the file but is durable only
/// after `sync`; a file created, renamed or removed is durable only after `syncDirectory` of its
/// directory. Every failure is a ``StorageError`` (``StorageError/io(operation:path:errno:)`` for
/// a failed call).
public protocol FileSystem: Sendable {
    /// Opens `path` with POSIX `flags` (`O_RDONLY`, `O_WRONLY`, `O_RDWR`, `O_CREAT`, `O_EXCL`,
    /// `O_TRUNC`, `O_APPEND`, `O_DIRECTORY`), creating it with mode 0644 when `O_CREAT` is among
    /// them. Returns a descriptor for the other calls.
    func open(_ path: String, _ flags: Int32) throws -> Int32
    func close(_ fd: Int32)
    /// Writes all of `bytes` (at the end of the file for an `O_APPEND` descriptor).
    func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws
    /// Makes what was written to `fd` durable (data and the size; `fdatasync`).
    func sync(_ fd: Int32, path: String) throws
    /// Makes the entries of a directory (created, renamed, removed files) durable.
    func syncDirectory(_ path: String) throws
    /// The whole file, or nil when it does not exist.
    func readFile(_ path: String) throws -> [UInt8]?
    /// Writes `bytes` to `path` atomically and durably: a temporary file, fsync, rename over
    /// `path`, fsync of `directory`. A crash leaves either the old file or the new one.
    func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws
    /// Cuts the file at `path` to `length` bytes, durably.
    func truncate(_ path: String, to length: Int) throws
    /// Removes a file; one that is already gone is fine.
    func remove(_ path: String) throws
    /// Creates a directory (and its parents); an existing one is fine.
    func makeDirectory(_ path: String) throws
    /// The names in a directory (without "." and "..").
    func list(_ path: String) throws -> [String]
    func exists(_ path: String) -> Bool
    /// Takes the exclusive lock on `directory` that a ``FileStorage`` holds while it is open;
    /// throws ``StorageError/locked(directory:)`` when it is already held.
    func lockDirectory(_ directory: String) throws -> FileSystemLock
}

/// A held directory lock (see ``FileSystem/lockDirectory(_:)``). Releasing it twice is fine.
public final class FileSystemLock: Sendable {
    private let body: Mutex<(@Sendable () -> Void)?>

    /// - Parameter release: called once, by the first ``release()``.
    public init(release: @escaping @Sendable () -> Void) {
        body = Mutex(release)
    }

    public func release() {
        let release = body.withLock { b -> (@Sendable () -> Void)? in
            defer { b = nil }
            return b
        }
        release?()
    }
}
