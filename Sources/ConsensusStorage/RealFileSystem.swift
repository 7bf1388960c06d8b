import Glibc

import Synchronization

/// The real disk: the few POSIX file calls the file store makes, each turning a failure into
/// ``StorageError/io(operation:path:errno:)``. No buffering: what `write` returns has reached the
/// kernel, and only `sync` makes it durable.
public struct RealFileSystem: FileSystem {
    public init() {}

    /// Opens `path` with `flags` (creating it with mode 0644 when `O_CREAT` is among them).
    public func open(_ path: String, _ flags: Int32) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, 0o644)
            if fd >= 0 { return fd }
            if errno != EINTR { throw StorageError.io(operation: "open", path: path, errno: errno) }
        }
    }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Writes all of `bytes`, retrying short writes and interrupted calls.
    public func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StorageError.io(operation: "write", path: path, errno: errno)
                }
                done += n
            }
        }
    }

    /// Makes what was written to `fd` durable (data and the size; `fdatasync`).
    public func sync(_ fd: Int32, path: String) throws {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw StorageError.io(operation: "fdatasync", path: path, errno: errno) }
        }
    }

    /// Makes the entries of a directory (created, renamed, removed files) durable.
    public func syncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        while fsync(fd) != 0 {
            if errno != EINTR { throw StorageError.io(operation: "fsync", path: path, errno: errno) }
        }
    }

    /// The whole file, or nil when it does not exist.
    public func readFile(_ path: String) throws -> [UInt8]? {
        let fd: Int32
        do {
            fd = try open(path, O_RDONLY)
        } catch StorageError.io(_, _, ENOENT) {
            return nil
        }
        defer { close(fd) }
        var result: [UInt8] = []
        // Room for the whole file at once: growing by doubling would hold up to twice its size.
        var info = stat()
        if fstat(fd, &info) == 0, info.st_size > 0 { result.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Writes `bytes` to `path` atomically and durably: a temporary file, fsync, rename over
    /// `path`, fsync of the directory. A crash leaves either the old file or the new one.
    public func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
        let temporary = path + ".tmp"
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try writeAll(fd, bytes, path: temporary)
            while fsync(fd) != 0 {
                if errno != EINTR { throw StorageError.io(operation: "fsync", path: temporary, errno: errno) }
            }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            throw StorageError.io(operation: "rename", path: temporary, errno: errno)
        }
        try syncDirectory(directory)
    }

    /// Cuts the file at `path` to `length` bytes, durably.
    public func truncate(_ path: String, to length: Int) throws {
        let fd = try open(path, O_WRONLY)
        defer { close(fd) }
        guard ftruncate(fd, off_t(length)) == 0 else {
            throw StorageError.io(operation: "ftruncate", path: path, errno: errno)
        }
        try sync(fd, path: path)
    }

    /// Removes a file; one that is already gone is fine.
    public func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw StorageError.io(operation: "unlink", path: path, errno: errno)
        }
    }

    /// Creates a directory (and its parents); an existing one is fine.
    public func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StorageError.io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// The names in a directory (without "." and "..").
    public func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            throw StorageError.io(operation: "opendir", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// A `fcntl` record lock on `<directory>/LOCK` plus an in-process registry (see
    /// ``DirectoryLock``).
    public func lockDirectory(_ directory: String) throws -> FileSystemLock {
        let lock = Mutex<DirectoryLock?>(try DirectoryLock(directory: directory))
        return FileSystemLock {
            lock.withLock { held in
                held?.release()
                held = nil
            }
        }
    }
}

/// The system's text for an errno value.
func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}
