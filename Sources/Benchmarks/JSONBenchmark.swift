import Foundation
import JSON

/// Times our JSON parser and writer against Foundation's JSON APIs on one message.
///
/// Each row turns the same bytes into a tree (parse) or the same tree into bytes (serialize) and
/// hands the result to `BlackHole`. Foundation gets its own natural input (`Data`, its own `Any`
/// tree, a typed value it decoded itself); every row's output is parsed back and compared with
/// the source message before anything is timed, so no row can win by doing less work.
struct JSONBenchmark<Typed: Codable & Equatable> {
    var message: SampleMessages.Message
    var typedName: String
    var loop: TimedLoop

    struct Row {
        var operation: String
        var implementation: String
        var timing: Timing
    }

    func run() throws -> [Row] {
        let bytes = message.bytes
        let data = Data(bytes)
        let foundationTree = try JSONSerialization.jsonObject(with: data)
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let typed = try decoder.decode(Typed.self, from: data)
        let generic = try decoder.decode(AnyCodableJSON.self, from: data)
        let ours = try JSONParser.parse(bytes)

        // Same content before timing: every producer's output must parse back to the source message.
        try check(JSONWriter.bytes(ours), "JSONWriter")
        try check(JSONSerialization.data(withJSONObject: foundationTree, options: [.withoutEscapingSlashes]), "JSONSerialization")
        try check(encoder.encode(typed), "JSONEncoder (typed)")
        try check(encoder.encode(generic), "JSONEncoder (AnyCodableJSON)")
        guard try decoder.decode(Typed.self, from: Data(JSONWriter.bytes(ours))) == typed else {
            throw BenchmarkFailure("typed decode of our output differs for \(message.name)")
        }

        var rows: [Row] = []
        rows.append(Row(operation: "parse", implementation: "AgentBridge `JSONParser.parse` → `JSONValue`",
                        timing: try loop.measure { BlackHole.keep(try JSONParser.parse(bytes)) }))
        rows.append(Row(operation: "parse", implementation: "Foundation `JSONSerialization.jsonObject` → `Any`",
                        timing: try loop.measure { BlackHole.keep(try JSONSerialization.jsonObject(with: data)) }))
        rows.append(Row(operation: "parse", implementation: "Foundation `JSONDecoder` → typed `\(typedName)`",
                        timing: try loop.measure { BlackHole.keep(try decoder.decode(Typed.self, from: data)) }))
        rows.append(Row(operation: "parse", implementation: "Foundation `JSONDecoder` → generic `AnyCodableJSON`",
                        timing: try loop.measure { BlackHole.keep(try decoder.decode(AnyCodableJSON.self, from: data)) }))
        rows.append(Row(operation: "serialize", implementation: "AgentBridge `JSONWriter.bytes` ← `JSONValue`",
                        timing: loop.measure { BlackHole.keep(JSONWriter.bytes(ours)) }))
        rows.append(Row(operation: "serialize", implementation: "Foundation `JSONSerialization.data` ← `Any`",
                        timing: try loop.measure {
                            BlackHole.keep(try JSONSerialization.data(withJSONObject: foundationTree, options: [.withoutEscapingSlashes]))
                        }))
        rows.append(Row(operation: "serialize", implementation: "Foundation `JSONEncoder` ← typed `\(typedName)`",
                        timing: try loop.measure { BlackHole.keep(try encoder.encode(typed)) }))
        rows.append(Row(operation: "serialize", implementation: "Foundation `JSONEncoder` ← generic `AnyCodableJSON`",
                        timing: try loop.measure { BlackHole.keep(try encoder.encode(generic)) }))
        return rows
    }

    private func check(_ output: some Collection<UInt8>, _ who: String) throws {
        guard try JSONParser.parse(Array(output)) == message.value else {
            throw BenchmarkFailure("\(who) output does not round-trip for \(message.name)")
        }
    }
}
