import Foundation
import Hummingbird
import NIOCore

/// Reading a JSON request body: bounded in size, and a decoding failure becomes a
/// `bad_request` that names the field.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "payload_too_large", "the body is over \(limit) bytes")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: "payload_too_large", "the body is over \(limit) bytes")
        } catch {
            throw APIError.badRequest("the body could not be read: \(error)")
        }
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("a JSON body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badRequest(describe(error))
        } catch {
            throw APIError.badRequest("the body is not valid JSON: \(error)")
        }
    }

    /// "missing field 'value'", "field 'ttlMs': expected an integer", ...
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            // then[0].type, not then.[0].type (nor then.Index 0.type)
            keys.reduce(into: "") { text, key in
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context.codingPath + [key])
            return "missing field '\(at)'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))': expected \(kind(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))': expected \(kind(type)), got null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            return "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "the body could not be read: \(error)"
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Double.Type: return "a number"
        default: return "\(type)"
        }
    }
}
