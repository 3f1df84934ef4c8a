/// A deterministic, offline `ModelClient` driven by the conversation itself.
///
/// Why: agents, the runtime and their tests need a model that makes exactly the tool calls a
/// test asks for, in the order asked, without a network or a key. The user writes the calls
/// (`/call`, `/then`, `/sleep`; see `ScriptedPlan`), the model makes them turn by turn and then
/// summarises the results; plain messages are answered from `rules` (see `ScriptedTurn`). The
/// same conversation always produces the same events.
public struct ScriptedModelClient: ModelClient {
    public var rules: [ScriptedRule]

    public init(rules: [ScriptedRule] = []) {
        self.rules = rules
    }

    public func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelEvent, any Error> {
        let turn = ScriptedTurn(request, rules: rules)
        let (stream, continuation) = AsyncThrowingStream<ModelEvent, any Error>.makeStream()
        let task = Task {
            if turn.delayMilliseconds > 0 {
                do {
                    try await Task.sleep(for: .milliseconds(turn.delayMilliseconds))
                } catch {
                    continuation.finish()  // cancelled: the consumer is gone
                    return
                }
            }
            for event in turn.events { continuation.yield(event) }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
