import Foundation
import JSON

/// `agentbridge-bench json`: runs `JSONBenchmark` on both sample messages and prints one table.
///
/// The speedup column is the row's time divided by ours for the same message and direction, so
/// "12.5×" means AgentBridge does that work 12.5 times faster.
enum JSONCommand {
    static func run(seconds: Double) throws {
        let loop = TimedLoop(seconds: seconds)
        let small = SampleMessages.toolsCall()
        let large = SampleMessages.toolsList()
        print("## JSON: AgentBridge vs Foundation (\(seconds) s per row after a \(loop.warmupSeconds) s warm-up; median of ~5 ms batches)\n")
        print("- (a) \(small.name): \(small.bytes.count) B; (b) \(large.name): \(large.bytes.count) B, \(toolCount(large)) tools")
        print("- MB/s counts the message's compact size (the bytes parsed, or the bytes our writer emits)")
        print("- every producer's output was parsed back and compared equal to the source message before timing\n")
        var table = MarkdownTable([
            ("message", false), ("op", false), ("implementation → result", false),
            ("µs/op", true), ("ops/s", true), ("MB/s", true), ("AgentBridge speedup", true),
        ])
        let smallRows = try JSONBenchmark<ToolCallRequest>(message: small, typedName: "ToolCallRequest", loop: loop).run()
        add(smallRows, for: small, label: "(a) \(small.bytes.count) B", to: &table)
        let largeRows = try JSONBenchmark<ToolsListResponse>(message: large, typedName: "ToolsListResponse", loop: loop).run()
        add(largeRows, for: large, label: "(b) \(large.bytes.count / 1000) KB", to: &table)
        print(table.render())
        print("\n(\(BlackHole.consumed) results consumed)")
    }

    private static func add(_ rows: [JSONBenchmark<some Any>.Row], for message: SampleMessages.Message, label: String, to table: inout MarkdownTable) {
        for row in rows {
            let ours = rows.first { $0.operation == row.operation }!.timing
            let isOurs = row.implementation.hasPrefix("AgentBridge")
            let speedup = isOurs ? "baseline" : NumberFormat.significant(row.timing.nanosecondsPerOp / ours.nanosecondsPerOp) + "×"
            table.add([
                label, row.operation, row.implementation,
                NumberFormat.significant(row.timing.microsecondsPerOp),
                NumberFormat.grouped(row.timing.opsPerSecond),
                NumberFormat.fixed(row.timing.megabytesPerSecond(bytes: message.bytes.count), 0),
                speedup,
            ])
        }
    }

    private static func toolCount(_ message: SampleMessages.Message) -> Int {
        message.value["result"]?["tools"]?.arrayValue?.count ?? 0
    }
}
