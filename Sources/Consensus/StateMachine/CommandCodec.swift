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
        return try frame(writer.bytes, compressAbove: compressAbove, plain: .binary, deflated: .deflateBinary)
    }

    /// Decodes a payload written by ``encode(_:compressAbove:)``, or a JSON one written by earlier
    /// versions.
    ///
    /// - Parameter bytes: the payload.
    /// - Returns: the command.
    /// - Throws: ``CommandCodecError`` on an empty payload, an unknown format byte or corrupt data.
    public static func decode(_ bytes: [UInt8]) throws -> Command {
        let (isBinary, body) = try unframe(bytes)
        if isBinary { return try readBinary(body) }
        do {
            return try JSONDecoder().decode(Command.self, from: Data(body))
        } catch {
            throw CommandCodecError.corrupt("command JSON does not decode: \(error)")
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
        try frame([Format.json.rawValue] + store.snapshot(), compressAbove: compressAbove, plain: .json, deflated: .deflate)
    }

    /// Restores a state machine from a payload written by ``encodeSnapshot(_:compressAbove:)``.
    ///
    /// - Parameter bytes: the payload.
    /// - Returns: the restored store.
    /// - Throws: ``CommandCodecError`` on an empty payload, an unknown format byte or corrupt data.
    public static func decodeSnapshot(_ bytes: [UInt8]) throws -> KeyValueStore {
        let (isBinary, body) = try unframe(bytes)
        guard !isBinary else { throw CommandCodecError.corrupt("format \(bytes[0]) holds a command, not JSON") }
        return try KeyValueStore(snapshot: Array(body))
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

    /// The payload to store: `payload` (its first byte the `plain` format, the body after it), or
    /// the `deflated` format and the compressed body, when compression is asked for, the body is
    /// over `compressAbove` bytes and compressing it makes it smaller.
    private static func frame(_ payload: [UInt8], compressAbove: Int?, plain: Format, deflated: Format) throws -> [UInt8] {
        let bodyCount = payload.count - 1
        if let compressAbove, bodyCount > compressAbove {
            let compressed = try compress(Array(payload.dropFirst()))
            if compressed.count < bodyCount {
                return [deflated.rawValue] + compressed
            }
        }
        return payload
    }

    /// Checks the format byte; returns whether the body is a binary command, and the body,
    /// inflated if it was compressed.
    private static func unframe(_ bytes: [UInt8]) throws -> (isBinary: Bool, body: ArraySlice<UInt8>) {
        guard let first = bytes.first else { throw CommandCodecError.empty }
        guard let format = Format(rawValue: first) else { throw CommandCodecError.unknownFormat(first) }
        switch format {
        case .json: return (false, bytes[1...])
        case .deflate: return (false, try decompress(Array(bytes.dropFirst()))[...])
        case .binary: return (true, bytes[1...])
        case .deflateBinary: return (true, try decompress(Array(bytes.dropFirst()))[...])
        }
    }
}
