import Glibc
import Synchronization

/// An exclusive lock on `<directory>/LOCK`, held while a ``FileStorage`` is open. A second open
/// of the same directory, in this process or another one, fails with
/// ``StorageError/locked(directory:)``. The kernel releases it when the process dies.
///
/// Two mechanisms, because no single one does both jobs:
/// - across processes, a POSIX record lock (`fcntl(F_SETLK)`). Not `flock`: an `flock` belongs
///   to the open file description, which a child being spawned shares between `fork` and
///   `exec`, so closing the storage would not release it until the child execs; a record lock
///   belongs to the process and is never inherited;
/// - within the process (where record locks never conflict), a registry of locked directories,
///   checked before the LOCK file is even opened (closing any descriptor of a file drops the
///   process's record locks on it, so the file is opened once per process).
struct DirectoryLock {
    /// The directories this process holds, by real path.
    private static let held = Mutex<Set<String>>([])

    private var fd: Int32 = -1
    private var key = ""

    init(directory: String) throws {
        guard let resolved = realpath(directory, nil) else {
            throw StorageError.io(operation: "realpath", path: directory, errno: errno)
        }
        key = String(cString: resolved)
        free(resolved)
        let inserted = Self.held.withLock { $0.insert(key).inserted }
        guard inserted else { throw StorageError.locked(directory: directory) }
        let path = directory + "/LOCK"
        do {
            fd = try RealFileSystem().open(path, O_RDWR | O_CREAT)
            var lock = flock()
            lock.l_type = Int16(F_WRLCK)
            lock.l_whence = Int16(SEEK_SET)
            lock.l_start = 0
            lock.l_len = 0
            while fcntl(fd, F_SETLK, &lock) != 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EACCES || code == EAGAIN { throw StorageError.locked(directory: directory) }
                throw StorageError.io(operation: "fcntl(F_SETLK)", path: path, errno: code)
            }
        } catch {
            release()
            throw error
        }
    }

    /// Releases the lock (closing the descriptor drops it).
    mutating func release() {
        if fd >= 0 { RealFileSystem().close(fd) }
        fd = -1
        if !key.isEmpty {
            let key = self.key
            _ = Self.held.withLock { $0.remove(key) }
        }
        key = ""
    }
}
