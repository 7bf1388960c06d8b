/// Splits a `text/event-stream` into the `data:` payloads of its events, fed in chunks as they
/// arrive (a chunk may end mid-line). Comment lines (`: ping`) are skipped.
public struct ServerSentEventDecoder: Sendable {
    var partialLine: [UInt8] = []
    var data: [String] = []

    public init() {}

    /// Feeds the next bytes; returns the payloads of the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                partialLine.append(byte)
                continue
            }
            var line = String(decoding: partialLine, as: UTF8.self)
            partialLine.removeAll(keepingCapacity: true)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
            } else if line.hasPrefix("data:") {
                let payload = line.dropFirst(5)
                data.append(String(payload.hasPrefix(" ") ? payload.dropFirst() : payload))
            }
        }
        return events
    }
}
