import JSON

/// One block of a message: text, a tool call the model asked for, or our answer to one.
///
/// Why blocks and not a string: a single assistant turn can hold text and several parallel tool
/// calls, and the answers to those calls go back together in one user message. Both providers
/// need the calls and their results paired by `id`, so the id travels with each block.
public enum ModelContent: Sendable, Hashable {
    case text(String)
    /// The assistant asked for a tool call; `input` is the parsed argument object.
    case toolUse(id: String, name: String, input: JSONValue)
    /// Our answer to the tool call `id`, sent in a user message.
    case toolResult(id: String, content: String, isError: Bool)
}
