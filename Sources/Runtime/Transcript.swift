// Transcript: a run's conversation with its model, as a fold over the run's events. The event
// log is the run's only record of progress: `message.completed` holds each model turn (its text
// and the tool calls it asked for), `tool.call` marks that an execution began, `tool.result`
// holds what the model is told. Replaying the events after a crash therefore rebuilds exactly
// the state the previous process had committed — and the live driver keeps its state by applying
// the same events it appends, so there is one code path for both.

import JSON
import Models
import Platform

/// The model-facing state of one run.
struct Transcript: Sendable {
    /// One model turn.
    struct Turn: Sendable {
        let index: Int
        let text: String
        let calls: [ModelToolCall]
        let stopReason: String
    }

    /// What the model is told about one tool call.
    struct Outcome: Sendable {
        let content: String
        let isError: Bool
    }

    private(set) var turns: [Turn] = []
    private(set) var results: [String: Outcome] = [:]
    /// How many executions of each call began (`tool.call` events).
    private(set) var attempts: [String: Int] = [:]

    init() {}

    /// Replays `events` of one run.
    init(events: [Event]) throws {
        for event in events { try apply(event.type, event.data) }
    }

    /// Applies one event; events that do not change the conversation are ignored.
    mutating func apply(_ type: EventType, _ data: JSONValue) throws {
        switch type {
        case .messageCompleted:
            guard let index = data["turn"]?.intValue, let text = data["text"]?.stringValue,
                  let calls = data["tool_calls"]?.arrayValue else {
                throw RuntimeError.unresumable("a message.completed event is not one the runtime wrote")
            }
            let parsed = try calls.map { call -> ModelToolCall in
                guard let id = call["id"]?.stringValue, let name = call["name"]?.stringValue, let arguments = call["arguments"] else {
                    throw RuntimeError.unresumable("a tool call of turn \(index) is not one the runtime wrote")
                }
                return ModelToolCall(id: id, name: name, input: arguments)
            }
            turns.append(Turn(index: Int(index), text: text, calls: parsed, stopReason: data["stop_reason"]?.stringValue ?? "other"))
        case .toolCall:
            guard let id = data["tool_call_id"]?.stringValue else { throw RuntimeError.unresumable("a tool.call event has no tool_call_id") }
            attempts[id, default: 0] += 1
        case .toolResult:
            guard let id = data["tool_call_id"]?.stringValue, let content = data["content"]?.stringValue else {
                throw RuntimeError.unresumable("a tool.result event is not one the runtime wrote")
            }
            results[id] = Outcome(content: content, isError: data["is_error"]?.boolValue ?? false)
        default:
            break
        }
    }

    var lastTurn: Turn? { turns.last }

    /// The calls of `turn` that have no result yet.
    func unresolved(_ turn: Turn) -> [ModelToolCall] { turn.calls.filter { results[$0.id] == nil } }

    /// The conversation after the run's input: each model turn, then the results of its calls.
    func messages() -> [ModelMessage] {
        var messages: [ModelMessage] = []
        for turn in turns {
            var content: [ModelContent] = turn.text.isEmpty ? [] : [.text(turn.text)]
            content += turn.calls.map { ModelContent.toolUse(id: $0.id, name: $0.name, input: $0.input) }
            messages.append(ModelMessage(role: .assistant, content: content.isEmpty ? [.text("")] : content))
            let answered = turn.calls.compactMap { call in
                results[call.id].map { ModelContent.toolResult(id: call.id, content: $0.content, isError: $0.isError) }
            }
            if !answered.isEmpty { messages.append(ModelMessage(role: .user, content: answered)) }
        }
        return messages
    }
}
