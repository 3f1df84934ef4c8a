/// Why the model ended its turn, in Anthropic's vocabulary (OpenAI's `finish_reason` is mapped
/// onto it: `stop` → `endTurn`, `tool_calls` → `toolUse`, `length` → `maxTokens`,
/// `content_filter` → `refusal`).
///
/// The runtime acts on it: `toolUse` means "run the calls and ask again", `maxTokens` means the
/// answer was cut short.
public enum ModelStopReason: String, Sendable, Hashable {
    case endTurn = "end_turn"
    case toolUse = "tool_use"
    case maxTokens = "max_tokens"
    case stopSequence = "stop_sequence"
    case refusal
    /// Anything else the provider reported (`pause_turn`, a server-specific reason).
    case other
}
