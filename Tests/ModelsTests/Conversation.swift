import JSON
import Models

/// A conversation with every content kind, for asserting the request bodies: text, an
/// assistant turn with text and two tool calls, the results (one failed) split over two user
/// messages with a follow-up text (which the clients must merge).
enum Conversation {
    static let weatherSchema: JSONValue = [
        "type": "object",
        "properties": ["location": ["type": "string"]],
        "required": ["location"],
    ]

    static let request = ModelRequest(
        model: "claude-sonnet-4",
        system: "You are terse.",
        messages: [
            .user("Weather in SF, and the time?"),
            ModelMessage(
                role: .assistant,
                content: [
                    .text("Checking."),
                    .toolUse(id: "toolu_1", name: "get_weather", input: ["location": "SF"]),
                    .toolUse(id: "toolu_2", name: "get_time", input: [:]),
                ]),
            ModelMessage(role: .user, content: [.toolResult(id: "toolu_1", content: "Sunny, 18 °C", isError: false)]),
            ModelMessage(
                role: .user, content: [.text("Be brief."), .toolResult(id: "toolu_2", content: "clock offline", isError: true)]),
        ],
        tools: [
            ModelTool(name: "get_weather", description: "Current weather for a place.", inputSchema: weatherSchema),
            ModelTool(name: "get_time", description: "The current time."),
        ],
        temperature: 0.25)
}
