import CompressNIO
import ConsensusCore
import Foundation
import NIOCore

/// Log entry payloads and state machine snapshots as bytes, with optional compression.
///
/// Every payload starts with one format byte. Commands are written in the compact binary form of
/// ``CommandBinary`` (``Format/binary``, 2, or ``Format/deflateBinary``, 3); snapshots, and the
/// commands of data directories written before that form existed, are JSON (``Format/json``, 0,
/// or ``Format/deflate``, 1). Compression is used only when asked for (`compressAbove` not
/// `nil`), when the body is larger than `compressAbove` bytes, and when it actually makes the
/// payload smaller.
public enum CommandCodec {
    /// The first byte of an encoded payload.
    public enum Format: UInt8, Sendable {
        /// Plain JSON follows.
        case json = 0
        /// Raw deflate-compressed JSON follows.
        case deflate = 1
        /// A command in ``CommandBinary``'s form follows.
        case binary = 2
        /// A command in ``CommandBinary``'s form, raw deflate-compressed, follows.
        case deflateBinary = 3
    }

    /// The largest payload ``decompress(_:limit:)`` inflates by default (64 MiB): a bound, so a
    /// damaged or hostile payload cannot exhaust memory.
    public static let decompressedBytesMax = 64 * 1024 * 1024

    /// The binary form of `command`, prefixed with its format byte: 2 = binary, 3 = deflate-compressed
    /// binary (only when `compressAbove` is not `nil`, the body is larger than `compressAbove` bytes
    /// and compression actually shrinks it).
    ///
    /// - Parameters:
    ///   - command: the command to encode.
    ///   - compressAbove: the size in bytes above which to try compression; `nil` never compresses.
    /// - Returns: the payload bytes.
    /// - Throws: if the command holds a value JSON clients could not read back (NaN, infinity) or
    ///   nests deeper than ``CommandBinary/nestingMax``.
    public static func encode(_ command: Command, compressAbove: Int?) throws -> [UInt8] {
        var writer = LittleEndian.Writer(bytes: [Format.binary.rawValue])
        writer.bytes.reserveCapacity(64)
        try CommandBinary.write(command, to: &writer)
        if let compressAbove, writer.bytes.count - 1 > compressAbove {
            let compressed = try compress(Array(writer.bytes.dropFirst()))
            if compressed.count + 1 < writer.bytes.count {
                return [Format.deflateBinary.rawValue] + compressed
            }
        }
        return writer.bytes
    }

    /// Decodes a payload written by ``encode(_:compressAbove:)``, or a JSON one written by earlier
    /// versions.
    ///
    /// - Parameter bytes: the payload.
    /// - Returns: the command.
    /// - Throws: ``CommandCodecError`` on an empty payload, an unknown format byte or corrupt data.
    public static func decode(_ bytes: [UInt8]) throws -> Command {
        guard let first = bytes.first else { throw CommandCodecError.empty }
        switch Format(rawValue: first) {
        case .binary?:
            return try readBinary(bytes[1...])
        case .deflateBinary?:
            return try readBinary(decompress(Array(bytes.dropFirst()))[...])
        case .json?, .deflate?:
            let json = try unframe(bytes)
            do {
                return try JSONDecoder().decode(Command.self, from: Data(json))
            } catch {
                throw CommandCodecError.corrupt("command JSON does not decode: \(error)")
            }
        case nil:
            throw CommandCodecError.unknownFormat(first)
        }
    }

    private static func readBinary(_ body: ArraySlice<UInt8>) throws(CommandCodecError) -> Command {
        do {
            return try CommandBinary.read(body)
        } catch {
            throw CommandCodecError.corrupt("binary command does not decode: \(error.description)")
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
        case .binary, .deflateBinary: throw CommandCodecError.corrupt("format \(first) holds a command, not JSON")
        }
    }
}
