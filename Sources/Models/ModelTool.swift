import JSON

/// A tool the model may call: its name, what it does, and a JSON Schema for its arguments.
///
/// The schema is passed through as given (MCP tools already carry one): Anthropic receives it as
/// `input_schema`, OpenAI as `function.parameters`.
public struct ModelTool: Sendable, Hashable {
    public var name: String
    public var description: String
    public var inputSchema: JSONValue

    public init(name: String, description: String, inputSchema: JSONValue = ["type": "object"]) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }
}
