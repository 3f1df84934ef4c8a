/// One message of a conversation: a role and its content blocks in order.
public struct ModelMessage: Sendable, Hashable {
    public var role: ModelRole
    public var content: [ModelContent]

    public init(role: ModelRole, content: [ModelContent]) {
        self.role = role
        self.content = content
    }

    /// A message holding one text block.
    public static func user(_ text: String) -> ModelMessage {
        ModelMessage(role: .user, content: [.text(text)])
    }

    /// An assistant message holding one text block.
    public static func assistant(_ text: String) -> ModelMessage {
        ModelMessage(role: .assistant, content: [.text(text)])
    }
}
