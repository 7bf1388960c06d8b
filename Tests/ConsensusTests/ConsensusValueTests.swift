import Foundation
import Testing

@testable import Consensus

@Suite("ConsensusValue")
struct ConsensusValueTests {
    struct GameConfig: Codable, Equatable {
        var maxPlayers: Int
        var name: String
        var tags: [String]
        var ratio: Double
        var owner: String?
    }

    @Test func literalsBuildEveryCase() {
        let value: ConsensusValue = ["maxPlayers": 10, "name": "x", "tags": ["a"], "ok": true, "none": nil, "ratio": 0.5]
        #expect(value == .object([
            "maxPlayers": .int(10), "name": .string("x"), "tags": .array([.string("a")]),
            "ok": .bool(true), "none": .null, "ratio": .double(0.5),
        ]))
    }

    @Test func accessorsReadTheMatchingCaseOnly() {
        let value: ConsensusValue = ["n": 10, "s": "x", "b": false, "d": 2.5, "a": [1, 2], "o": ["k": "v"]]
        #expect(value["n"]?.intValue == 10)
        #expect(value["n"]?.doubleValue == 10)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["d"]?.intValue == nil)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["s"]?.intValue == nil)
        #expect(value["b"]?.boolValue == false)
        #expect(value["a"]?.arrayValue == [1, 2])
        #expect(value["a"]?[1] == 2)
        #expect(value["a"]?[5] == nil)
        #expect(value["o"]?.objectValue == ["k": "v"])
        #expect(value["missing"] == nil)
        #expect(ConsensusValue.string("x")["k"] == nil)
        #expect(ConsensusValue.null.isNull)
    }

    @Test func jsonEncodingIsNaturalJSON() throws {
        let value: ConsensusValue = ["maxPlayers": 10, "name": "x", "tags": ["a"], "ok": true, "none": nil]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(json == #"{"maxPlayers":10,"name":"x","none":null,"ok":true,"tags":["a"]}"#)
    }

    @Test func jsonDecodingGivesTheNaturalCases() throws {
        let json = #"{"i": 3, "d": 0.25, "big": 1e300, "s": "t", "b": true, "n": null, "a": [1, "x"], "o": {}}"#
        let value = try JSONDecoder().decode(ConsensusValue.self, from: Data(json.utf8))
        #expect(value == ["i": 3, "d": 0.25, "big": .double(1e300), "s": "t", "b": true, "n": nil, "a": [1, "x"], "o": [:]])
    }

    @Test func jsonRoundTripKeepsCanonicalValues() throws {
        let value: ConsensusValue = ["x": [0.1, -7, 1e-9, "é\n\"", nil, [:], []], "y": .int(.max), "z": .int(.min)]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(ConsensusValue.self, from: data) == value)
    }

    @Test func wholeNumberDoubleReadsBackAsIntAndCanonicalSaysSo() throws {
        let value: ConsensusValue = [10.0, 2.5, -0.0]
        let decoded = try JSONDecoder().decode(ConsensusValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == [10, 2.5, 0])
        #expect(value.canonical == decoded)
    }

    @Test func descriptionIsCompactJSONWithSortedKeys() {
        let value: ConsensusValue = ["b": [1, 2.5, "q\"\u{1}"], "a": nil, "c": ["z": true, "y": false]]
        #expect(value.description == #"{"a":null,"b":[1,2.5,"q\"\u0001"],"c":{"y":false,"z":true}}"#)
    }

    @Test func decodeAsCodableStruct() throws {
        let value: ConsensusValue = ["maxPlayers": 10, "name": "lobby", "tags": ["a", "b"], "ratio": 0.75]
        let config = try value.decode(as: GameConfig.self)
        #expect(config == GameConfig(maxPlayers: 10, name: "lobby", tags: ["a", "b"], ratio: 0.75, owner: nil))
        let inferred: GameConfig = try value.decode()
        #expect(inferred == config)
        #expect(try ConsensusValue.int(7).decode(as: Int.self) == 7)
        #expect(try ConsensusValue.int(7).decode(as: Double.self) == 7)
    }

    @Test func decodeAsWrongShapeThrows() {
        #expect(throws: DecodingError.self) { try ConsensusValue.string("x").decode(as: GameConfig.self) }
    }

    @Test func initEncodingFromStruct() throws {
        let config = GameConfig(maxPlayers: 4, name: "arena", tags: [], ratio: 1.5, owner: "ann")
        let value = try ConsensusValue(encoding: config)
        #expect(value == ["maxPlayers": 4, "name": "arena", "tags": [], "ratio": 1.5, "owner": "ann"])
        #expect(try value.decode(as: GameConfig.self) == config)
        #expect(try ConsensusValue(encoding: 5) == 5)
        #expect(try ConsensusValue(encoding: ["a": true]) == ["a": true])
    }

    @Test func initEncodingRefusesNaN() {
        #expect(throws: EncodingError.self) { try ConsensusValue(encoding: Double.nan) }
    }

    @Test func representableInJSONFindsNestedNonFiniteDoubles() {
        let finite: ConsensusValue = ["a": [1, 2.5]]
        let infinite: ConsensusValue = ["a": [1, .double(.infinity)]]
        #expect(finite.isRepresentableInJSON)
        #expect(!infinite.isRepresentableInJSON)
    }
}
