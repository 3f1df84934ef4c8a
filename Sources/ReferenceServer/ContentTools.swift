import JSON
import MCP
import MCPServer

extension ReferenceServer {
    /// Tools that return each kind of content block, structured output, and a tool error.
    static func registerContentTools(_ server: MCPServer) {
        server.addTool(Tool(name: "test_simple_text", description: "Returns a simple text block",
                            annotations: ToolAnnotations(readOnlyHint: true))) { _, _ in
            .text("This is a simple text response for testing.")
        }
        server.addTool(Tool(name: "test_image_content", description: "Returns an image block")) { _, _ in
            ToolResult(content: [.image(data: Media.pngBase64, mimeType: "image/png")])
        }
        server.addTool(Tool(name: "test_audio_content", description: "Returns an audio block")) { _, _ in
            ToolResult(content: [.audio(data: Media.wavBase64, mimeType: "audio/wav")])
        }
        server.addTool(Tool(name: "test_embedded_resource", description: "Returns an embedded text resource")) { _, _ in
            ToolResult(content: [.resource(ResourceContents(uri: "test://embedded-resource", mimeType: "text/plain",
                                                            text: "This is an embedded resource content."))])
        }
        server.addTool(Tool(name: "test_multiple_content_types", description: "Returns text, image and resource blocks")) { _, _ in
            ToolResult(content: [
                .text("Multiple content types test:"),
                .image(data: Media.pngBase64, mimeType: "image/png"),
                .resource(ResourceContents(uri: "test://mixed-content-resource", mimeType: "application/json",
                                           text: #"{"test":"data","value":123}"#)),
            ])
        }
        server.addTool(Tool(name: "test_resource_link", description: "Returns a link to a resource")) { _, _ in
            ToolResult(content: [.resourceLink(uri: "test://static-text", name: "static-text", mimeType: "text/plain",
                                               description: "The static text resource")])
        }
        server.addTool(Tool(name: "test_error_handling", description: "Always fails with a tool error")) { _, _ in
            .error("This tool intentionally returns an error for testing")
        }
        server.addTool(Tool(
            name: "test_header_param", description: "Echoes a region that HTTP clients mirror into the Mcp-Param-Region header",
            inputSchema: ["type": "object", "properties": [
                "region": ["type": "string", "x-mcp-header": "Region"],
                "priority": ["type": "integer", "x-mcp-header": "Priority"],
                "text": ["type": "string"],
            ]])) { args, _ in
            .text("region \(args["region"]?.stringValue ?? "")")
        }
        let weatherOutput: JSONValue = [
            "type": "object",
            "properties": [
                "city": ["type": "string"], "temperature": ["type": "number"], "conditions": ["type": "string"],
            ],
            "required": ["city", "temperature", "conditions"],
        ]
        server.addTool(Tool(name: "get_weather", title: "Weather", description: "Structured weather for a city (fixture data)",
                            inputSchema: ["type": "object", "properties": ["city": ["type": "string", "minLength": 1]], "required": ["city"]],
                            outputSchema: weatherOutput, annotations: ToolAnnotations(readOnlyHint: true, openWorldHint: false))) { args, _ in
            let city = args["city"]?.stringValue ?? ""
            let temperature = Double(city.utf8.reduce(0) { $0 + Int($1) } % 35) + 0.5
            let structured: JSONValue = ["city": .string(city), "temperature": .double(temperature), "conditions": "sunny"]
            return ToolResult(content: [.text(structured.description)], structuredContent: structured)
        }
    }
}
