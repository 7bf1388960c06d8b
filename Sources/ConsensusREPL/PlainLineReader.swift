#if canImport(Glibc)
import Glibc
#endif

/// Lines from a file descriptor that is not a terminal, read as bytes arrive (so the shell can
/// watch for signals while it waits); a last line without a newline still counts.
struct PlainLineReader {
    private var buffer: [UInt8] = []
    /// Whether the input ended (everything after it was returned).
    private(set) var ended = false

    /// The next complete line, if one is buffered (at the end, whatever is left).
    mutating func nextLine() -> String? {
        if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: buffer[..<newline], as: UTF8.self)
            buffer.removeSubrange(...newline)
            return line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        if ended && !buffer.isEmpty {
            defer { buffer = [] }
            return String(decoding: buffer, as: UTF8.self)
        }
        return nil
    }

    /// Reads what is available on `fd` (one read); marks the end of input.
    mutating func readAvailable(from fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &chunk, chunk.count)
        if n > 0 {
            buffer += chunk[0..<n]
        } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
            ended = true
        }
    }
}
