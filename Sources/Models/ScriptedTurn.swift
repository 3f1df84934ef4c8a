import JSON

/// What the scripted model does on one turn, decided from the conversation alone.
///
/// The rules, in order:
/// 1. The script is the last user message that has text (`ScriptedPlan`). If a command line in
///    it is malformed, the model says which line and why, and stops.
/// 2. Every assistant message after it that made tool calls is one executed tool turn; while
///    the plan has more tool turns, the next one is made: its calls, with ids `call_N` that are
///    unique in the conversation, and stop reason `toolUse`.
/// 3. Otherwise the model answers in text: with one line per tool result that came back since
///    the script (`name → text`, `name → (error) text`), else with the reply of the first rule
///    whose `contains` occurs in the script (case-insensitive), else `You said: <script>`.
/// Usage is counted in words, so every number is reproducible.
struct ScriptedTurn {
    var events: [ModelEvent]
    var delayMilliseconds: Int

    init(_ request: ModelRequest, rules: [ScriptedRule]) {
        let messages = request.messages
        let scriptIndex = messages.lastIndex { $0.role == .user && !$0.texts.isEmpty }
        let script = scriptIndex.map { messages[$0].texts.joined(separator: "\n") } ?? ""
        let later = scriptIndex.map { Array(messages[($0 + 1)...]) } ?? messages
        let inputWords = Self.words(request.system ?? "") + messages.reduce(0) { $0 + Self.words($1) }

        let plan: ScriptedPlan
        do {
            plan = try ScriptedPlan.parse(script)
        } catch {
            let reply = "I cannot run line \(error.number) (\(error.text)): \(error.reason). Nothing was called."
            self.init(reply: reply, inputWords: inputWords, delay: 0)
            return
        }
        let executed = later.filter { $0.role == .assistant && $0.content.contains(where: \.isToolUse) }.count
        if executed < plan.toolTurns.count {
            let turn = plan.toolTurns[executed]
            var ids = IDAllocator(messages)
            let calls = turn.calls.map { ModelToolCall(id: ids.next(), name: $0.name, input: $0.input) }
            let outputWords = calls.reduce(0) { $0 + Self.words($1.name) + Self.words(JSONWriter.string($1.input)) }
            let finished = ModelEvent.finished(.toolUse, ModelUsage(inputTokens: inputWords, outputTokens: outputWords))
            self.init(events: calls.map(ModelEvent.toolCall) + [finished], delayMilliseconds: turn.sleepMilliseconds)
            return
        }
        let reply: String
        let results = later.filter { $0.role == .user }.flatMap(\.content).compactMap(\.toolResult)
        if !results.isEmpty {
            let names = Self.toolNames(messages)
            reply = results.map { result in
                "\(names[result.id] ?? result.id) → \(result.isError ? "(error) " : "")\(result.content)"
            }.joined(separator: "\n")
        } else if let rule = rules.first(where: { script.lowercased().contains($0.contains.lowercased()) }) {
            reply = rule.reply
        } else {
            reply = "You said: \(script)"
        }
        self.init(reply: reply, inputWords: inputWords, delay: plan.replySleepMilliseconds)
    }

    private init(reply: String, inputWords: Int, delay: Int) {
        let finished = ModelEvent.finished(.endTurn, ModelUsage(inputTokens: inputWords, outputTokens: Self.words(reply)))
        self.init(events: Self.deltas(reply).map(ModelEvent.textDelta) + [finished], delayMilliseconds: delay)
    }

    private init(events: [ModelEvent], delayMilliseconds: Int) {
        self.events = events
        self.delayMilliseconds = delayMilliseconds
    }

    /// `text` in up to three pieces cut at spaces, which concatenate back to `text`, so a
    /// consumer exercises its handling of streamed text.
    static func deltas(_ text: String, pieces: Int = 3) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let size = max(1, (words.count + pieces - 1) / pieces)
        return stride(from: 0, to: words.count, by: size).map { start in
            let end = min(start + size, words.count)
            return words[start..<end].joined(separator: " ") + (end < words.count ? " " : "")
        }.filter { !$0.isEmpty }
    }

    static func words(_ text: String) -> Int {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).count
    }

    private static func words(_ message: ModelMessage) -> Int {
        message.content.reduce(0) { total, block in
            switch block {
            case .text(let text): total + words(text)
            case .toolUse(_, let name, let input): total + words(name) + words(JSONWriter.string(input))
            case .toolResult(_, let content, _): total + words(content)
            }
        }
    }

    private static func toolNames(_ messages: [ModelMessage]) -> [String: String] {
        var names: [String: String] = [:]
        for case .toolUse(let id, let name, _) in messages.flatMap(\.content) { names[id] = name }
        return names
    }

    /// Hands out `call_1`, `call_2`, … after the calls already in the conversation, skipping any
    /// id it already holds.
    private struct IDAllocator {
        var used: Set<String> = []
        var counter: Int

        init(_ messages: [ModelMessage]) {
            for case .toolUse(let id, _, _) in messages.flatMap(\.content) { used.insert(id) }
            counter = used.count
        }

        mutating func next() -> String {
            while true {
                counter += 1
                let id = "call_\(counter)"
                if used.insert(id).inserted { return id }
            }
        }
    }
}
