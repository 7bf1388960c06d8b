import Glibc

/// An exclusive `flock` on `<directory>/LOCK`, held while a ``FileStorage`` is open. A second
/// open of the same directory (in this process or another one) fails with
/// ``StorageError/locked(directory:)``. The kernel releases it when the process dies.
struct DirectoryLock {
    private(set) var fd: Int32

    init(directory: String) throws {
        let path = directory + "/LOCK"
        fd = try FileIO.open(path, O_RDWR | O_CREAT)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            FileIO.close(fd)
            if code == EWOULDBLOCK { throw StorageError.locked(directory: directory) }
            throw StorageError.io(operation: "flock", path: path, errno: code)
        }
    }

    /// Releases the lock (closing the descriptor drops it).
    mutating func release() {
        guard fd >= 0 else { return }
        FileIO.close(fd)
        fd = -1
    }
}
