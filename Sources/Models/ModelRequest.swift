/// Everything one model turn needs: the model, the conversation so far and the tools on offer.
public struct ModelRequest: Sendable {
    /// The provider's own model name, such as `claude-sonnet-4` or `gpt-4o-mini`.
    public var model: String
    public var system: String?
    public var messages: [ModelMessage]
    public var tools: [ModelTool]
    /// Output token limit; nil lets the client choose (Anthropic requires one, so its client
    /// sends 4096; the OpenAI client then omits the field).
    public var maxTokens: Int?
    public var temperature: Double?

    public init(
        model: String, system: String? = nil, messages: [ModelMessage], tools: [ModelTool] = [], maxTokens: Int? = nil,
        temperature: Double? = nil
    ) {
        self.model = model
        self.system = system
        self.messages = messages
        self.tools = tools
        self.maxTokens = maxTokens
        self.temperature = temperature
    }
}
