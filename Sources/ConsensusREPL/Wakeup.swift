import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A pipe that wakes the shell thread's `poll`: anything may ``signal()`` it; the shell
/// watches ``readFD`` and ``drain()``s it.
final class Wakeup: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        for fd in fds where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Reads everything pending; returns the bytes (the signal pipe carries signal numbers).
    @discardableResult
    func drain() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(readFD, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }
}

/// SIGINT, SIGTERM and SIGHUP, turned into bytes on a pipe (the only thing a signal handler
/// does), so that the shell handles them in its loop: Ctrl-C cancels the current command,
/// SIGTERM and SIGHUP end the session cleanly.
enum SignalPipe {
    nonisolated(unsafe) static var writeFD: Int32 = -1
    nonisolated(unsafe) static var wakeup: Wakeup?

    /// Installs the handlers (once) and returns the pipe to watch.
    static func install() -> Wakeup {
        if let wakeup { return wakeup }
        let pipe = Wakeup()
        wakeup = pipe
        writeFD = pipe.writeFD
        signal(SIGPIPE, SIG_IGN)
        for number in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalPipe.writeFD, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        return pipe
    }
}
