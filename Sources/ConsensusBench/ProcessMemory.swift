/// Reading a process's memory figures from the text of Linux's `/proc/<pid>/status`.
public enum ProcessMemory {
    /// The peak resident set size (`VmHWM`) in KiB, or `nil` when the text has no such line.
    public static func peakResidentKiB(status text: String) -> Int? { field("VmHWM", in: text) }

    /// The current resident set size (`VmRSS`) in KiB, or `nil`.
    public static func residentKiB(status text: String) -> Int? { field("VmRSS", in: text) }

    private static func field(_ name: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let parts = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, parts[1] == "kB" else { return nil }
            return Int(parts[0])
        }
        return nil
    }
}
