import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Processes of members: started detached, recognised by their command line, signalled by PID.
public enum MemberProcess {
    /// The running `consensus` binary.
    public static func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Whether `pid` is alive (not a zombie) and is still the `consensus node` process of the
    /// member whose data directory is `dataDir`: a recycled PID is never taken for a member.
    public static func isNode(_ pid: Int32, dataDir: String) -> Bool {
        guard pid > 1, isAlive(pid),
              let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.joined(separator: " ").contains("consensus") && arguments.contains("node")
            && arguments.contains(dataDir)
    }

    /// Alive and not a zombie (a zombie has exited; it only waits for its parent to reap it).
    public static func isAlive(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return false }  // our own child, just exited: reaped
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Starts `executable arguments` in a new session (it survives this process and its
    /// terminal), stdin from /dev/null, stdout and stderr appended to `log`.
    public static func spawn(executable: String, arguments: [String], log: String) throws -> Int32 {
        // Only 0, 1 and 2 go to the child: mark everything else close-on-exec.
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            for fd in fds.compactMap({ Int32($0) }) where fd > 2 {
                let flags = fcntl(fd, F_GETFD)
                if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let setsid: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc >= 2.26)
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw ClusterError("cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }

    /// Waits up to `timeout` for every pid to be gone; returns those still alive.
    public static func waitGone(_ pids: [Int32], timeout: Duration) -> [Int32] {
        let deadline = ContinuousClock.now + timeout
        var left = pids.filter(isAlive)
        while !left.isEmpty && ContinuousClock.now < deadline {
            usleep(50_000)
            left = left.filter(isAlive)
        }
        return left
    }

    /// Stops a member: SIGTERM (or SIGKILL right away), then SIGKILL whoever is still there
    /// after `grace`. Signals only a PID that is still this member's node. True when it is gone.
    public static func stop(_ members: [ClusterState.Member], graceful: Bool, grace: Duration = .seconds(10)) -> [ClusterState.Member] {
        let targets = members.filter { m in m.pid.map { isNode($0, dataDir: m.dataDir) } ?? false }
        for m in targets {
            kill(m.pid!, graceful ? SIGTERM : SIGKILL)
            if graceful { kill(m.pid!, SIGCONT) }  // a paused member (SIGSTOP) would never see the SIGTERM
        }
        var left = Set(waitGone(targets.map { $0.pid! }, timeout: graceful ? grace : .seconds(5)))
        if !left.isEmpty {
            for m in targets where left.contains(m.pid!) && isNode(m.pid!, dataDir: m.dataDir) { kill(m.pid!, SIGKILL) }
            left = Set(waitGone(Array(left), timeout: .seconds(5)))
        }
        return targets.filter { left.contains($0.pid!) }
    }

    /// `count` distinct loopback ports, free at the moment of asking (all bound to port 0
    /// together, so none is handed out twice, then released).
    public static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ClusterError("socket() failed: \(String(cString: strerror(errno)))") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw ClusterError("cannot bind a loopback port: \(String(cString: strerror(errno)))") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}

