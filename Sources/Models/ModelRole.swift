/// Who wrote a message in a model conversation.
///
/// Only two roles: the system prompt is a field of `ModelRequest` (Anthropic takes it outside the
/// message list, OpenAI as a first message; each client places it), and tool results travel in
/// user messages, the way the Anthropic API shapes them (the OpenAI client splits them out into
/// `role: "tool"` messages).
public enum ModelRole: String, Sendable, Hashable {
    case user
    case assistant
}
