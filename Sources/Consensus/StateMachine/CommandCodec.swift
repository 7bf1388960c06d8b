import CompressNIO
import Foundation
import NIOCore

/// Log entry payloads and state machine snapshots as bytes, with optional compression.
///
/// Every payload starts with one format byte: ``Format/json`` (0) for plain JSON or
/// ``Format/deflate`` (1) for deflate-compressed JSON. Compression is used only when asked for
/// (`compressAbove` not `nil`), when the JSON is larger than `compressAbove` bytes, and when it
/// actually makes the payload smaller.
public enum CommandCodec {
    /// The first byte of an encoded payload.
    public enum Format: UInt8, Sendable {
        /// Plain JSON follows.
        case json = 0
        /// Raw deflate-compressed JSON follows.
        case deflate = 1
    }

    /// The largest payload ``decompress(_:limit:)`` inflates by default (64 MiB): a bound, so a
    /// damaged or hostile payload cannot exhaust memory.
    public static let decompressedBytesMax = 64 * 1024 * 1024

    /// JSON, prefixed with one format byte: 0 = plain JSON, 1 = deflate-compressed JSON (only when compressAbove != nil and the JSON is larger than compressAbove bytes AND compression actually shrinks it).
    ///
    /// - Parameters:
    ///   - command: the command to encode.
    ///   - compressAbove: the size in bytes above which to try compression; `nil` never compresses.
    /// - Returns: the payload bytes.
    /// - Throws: `EncodingError` if the command holds a value JSON cannot carry (NaN, infinity).
    public static func encode(_ command: Command, compressAbove: Int?) throws -> [UInt8] {
        try frame(Array(ConsensusValue.jsonEncoder().encode(command)), compressAbove: compressAbove)
    }

    /// Decodes a payload written by ``encode(_:compressAbove:)``.
    ///
    /// - Parameter bytes: the payload.
    /// - Returns: the command.
    /// - Throws: ``CommandCodecError`` on an empty payload, an unknown format byte or corrupt data.
    public static func decode(_ bytes: [UInt8]) throws -> Command {
        let json = try unframe(bytes)
        do {
            return try JSONDecoder().decode(Command.self, from: Data(json))
        } catch {
            throw CommandCodecError.corrupt("command JSON does not decode: \(error)")
        }
    }

    /// Snapshot bytes with the same one-byte format prefix.
    ///
    /// - Parameters:
    ///   - store: the state machine to snapshot.
    ///   - compressAbove: the size in bytes above which to try compression; `nil` never compresses.
    /// - Returns: the payload bytes.
    public static func encodeSnapshot(_ store: KeyValueStore, compressAbove: Int?) throws -> [UInt8] {
        try frame(store.snapshot(), compressAbove: compressAbove)
    }

    /// Restores a state machine from a payload written by ``encodeSnapshot(_:compressAbove:)``.
    ///
    /// - Parameter bytes: the payload.
    /// - Returns: the restored store.
    /// - Throws: ``CommandCodecError`` on an empty payload, an unknown format byte or corrupt data.
    public static func decodeSnapshot(_ bytes: [UInt8]) throws -> KeyValueStore {
        try KeyValueStore(snapshot: unframe(bytes))
    }

    /// Deflate-compresses `bytes` (raw deflate, no header).
    ///
    /// - Parameter bytes: the data to compress.
    /// - Returns: the compressed data.
    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        let output = try input.compress(with: .deflate())
        return Array(output.readableBytesView)
    }

    /// Inflates data written by ``compress(_:)``.
    ///
    /// - Parameters:
    ///   - bytes: the compressed data.
    ///   - limit: the most bytes the result may have.
    /// - Returns: the original data.
    /// - Throws: ``CommandCodecError/corrupt(_:)`` if the data does not inflate,
    ///   ``CommandCodecError/decompressedTooLarge(limit:)`` past `limit`.
    public static func decompress(_ bytes: [UInt8], limit: Int = decompressedBytesMax) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.decompress(with: .deflate(), maxSize: limit)
            return Array(output.readableBytesView)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw CommandCodecError.decompressedTooLarge(limit: limit)
        } catch {
            throw CommandCodecError.corrupt("deflate data does not inflate: \(error)")
        }
    }

    /// Prefixes `json` with its format byte, compressing it when asked and worthwhile.
    private static func frame(_ json: [UInt8], compressAbove: Int?) throws -> [UInt8] {
        if let compressAbove, json.count > compressAbove {
            let compressed = try compress(json)
            if compressed.count < json.count {
                return [Format.deflate.rawValue] + compressed
            }
        }
        return [Format.json.rawValue] + json
    }

    /// Checks the format byte and returns the JSON it introduces, inflated if needed.
    private static func unframe(_ bytes: [UInt8]) throws -> [UInt8] {
        guard let first = bytes.first else { throw CommandCodecError.empty }
        guard let format = Format(rawValue: first) else { throw CommandCodecError.unknownFormat(first) }
        let body = Array(bytes.dropFirst())
        switch format {
        case .json: return body
        case .deflate: return try decompress(body)
        }
    }
}
