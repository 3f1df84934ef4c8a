/// Shapes a conversation into what the provider APIs accept.
///
/// Why: the runtime appends messages as things happen (an assistant turn, the tool results, a
/// follow-up from the user), so two messages of the same role can end up adjacent, which the
/// Anthropic API rejects (roles must alternate) and which confuses OpenAI tool pairing. Adjacent
/// messages of one role are merged into one; blank text blocks and messages left empty are
/// dropped (both APIs refuse empty content, Anthropic also whitespace-only text). In a user message the tool results come first,
/// because Anthropic requires them to lead the message that answers a tool use.
enum ConversationNormalizer {
    static func normalized(_ messages: [ModelMessage]) -> [ModelMessage] {
        var out: [ModelMessage] = []
        for message in messages {
            let content = message.content.filter { block in
                if case .text(let text) = block { return !text.trimmingWhitespace.isEmpty }
                return true
            }
            guard !content.isEmpty else { continue }
            if let last = out.last, last.role == message.role {
                out[out.count - 1].content.append(contentsOf: content)
            } else {
                out.append(ModelMessage(role: message.role, content: content))
            }
        }
        for i in out.indices where out[i].role == .user {
            let results = out[i].content.filter(\.isToolResult)
            if !results.isEmpty { out[i].content = results + out[i].content.filter { !$0.isToolResult } }
        }
        return out
    }
}
