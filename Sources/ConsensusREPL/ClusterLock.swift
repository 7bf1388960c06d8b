import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Holds an exclusive lock on `D/.cluster.lock` while a command changes the cluster, so two
/// `cluster` commands on one directory do not interleave.
public final class ClusterLock {
    private let fd: Int32

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        fd = open(directory + "/.cluster.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ClusterError("cannot open \(directory)/.cluster.lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX) == 0 else { throw ClusterError("cannot lock \(directory)/.cluster.lock") }
    }

    deinit { close(fd) }  // closing releases the lock
}

