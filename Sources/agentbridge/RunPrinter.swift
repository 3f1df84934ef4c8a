import Foundation
import JSON
import Platform
import Synchronization

/// Renders a run's events on the terminal as they arrive: the model's text as it streams, and
/// tool calls, results and approvals on lines of their own, marked so they stand out from the
/// answer (`→` a call, `←` its result, `✗` a failed one, `?` an approval). With `--json` every
/// event is one JSON line instead (seq, type, data), for scripts.
final class RunPrinter: Sendable {
    private let json: Bool
    /// Whether the cursor is mid-line (after streamed text), and the last seq printed.
    private let state = Mutex<(midLine: Bool, lastSeq: Int64)>((false, 0))

    init(json: Bool, after: Int64) {
        self.json = json
        state.withLock { $0.lastSeq = after }
    }

    var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    /// Prints `event` unless it was printed already.
    func print(_ event: Event) {
        let fresh = state.withLock { state -> Bool in
            guard event.seq > state.lastSeq else { return false }
            state.lastSeq = event.seq
            return true
        }
        guard fresh else { return }
        if json {
            line(JSONWriter.string(["seq": .int(event.seq), "type": .string(event.type.rawValue), "data": event.data], sortKeys: true))
            return
        }
        let data = event.data
        switch event.type {
        case .messageDelta:
            write(data["text"]?.stringValue ?? "")
            state.withLock { $0.midLine = true }
        case .messageCompleted:
            endLine()
        case .toolCall:
            let retry = data["retry"]?.boolValue == true ? " (retry, attempt \(data["attempt"]?.intValue ?? 2))" : ""
            let edited = data["arguments_edited"]?.boolValue == true ? " (arguments edited by a person)" : ""
            line("→ \(data["name"]?.stringValue ?? "?") \(compact(data["arguments"]))\(retry)\(edited)")
        case .toolResult:
            let mark = data["is_error"]?.boolValue == true ? "✗" : "←"
            line("\(mark) \(data["name"]?.stringValue ?? "?"): \(data["content"]?.stringValue ?? "")")
        case .approvalRequested:
            let tool = [data["server_id"]?.stringValue, data["tool_name"]?.stringValue].compactMap { $0 }.joined(separator: "/")
            line("? approval \(data["approval_id"]?.stringValue ?? "?") needed for \(tool) \(compact(data["arguments"]))")
        case .approvalResolved:
            let by = data["decided_by"]?.stringValue.map { " by \($0)" } ?? ""
            line("? approval \(data["approval_id"]?.stringValue ?? "?") \(data["status"]?.stringValue ?? "?")\(by)")
        case .runStarted:
            if data["recovered"]?.boolValue == true { line("(run resumed after a restart)") }
        case .runCompleted:
            endLine()
        case .runFailed:
            line("✗ run failed: \(data["error"]?.stringValue ?? "")")
        case .runCancelled:
            line("✗ run cancelled\(data["reason"]?.stringValue.map { ": \($0)" } ?? "")")
        case .authRequired:
            line("! authorization required: \(compact(data))")
        }
    }

    private func compact(_ value: JSONValue?) -> String { value.map { JSONWriter.string($0, sortKeys: true) } ?? "{}" }

    private func endLine() {
        let mid = state.withLock { state -> Bool in
            defer { state.midLine = false }
            return state.midLine
        }
        if mid { write("\n") }
    }

    private func line(_ text: String) {
        endLine()
        write(text + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
