import JSON

/// The two JSON-RPC messages the JSON benchmark measures, as compact UTF-8 bytes.
///
/// They are the two ends of real MCP traffic: the small `tools/call` request a server parses on
/// every call (with the 2026 per-request `_meta` envelope), and a large `tools/list` result a
/// server writes for every client (48 tools with JSON Schemas, about 33 KB).
enum SampleMessages {
    struct Message {
        var name: String
        var value: JSONValue
        var bytes: [UInt8]
    }

    static func toolsCall() -> Message {
        let value: JSONValue = [
            "jsonrpc": "2.0",
            "id": 4711,
            "method": "tools/call",
            "params": [
                "name": "echo",
                "arguments": ["text": "hello"],
                "_meta": [
                    "progressToken": 17,
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": [:],
                    "io.modelcontextprotocol/clientInfo": ["name": "bench-client", "version": "1.4.2"],
                ],
            ],
        ]
        return Message(name: "tools/call request", value: value, bytes: JSONWriter.bytes(value))
    }

    static func toolsList() -> Message {
        let value: JSONValue = [
            "jsonrpc": "2.0",
            "id": 2,
            "result": ["tools": .array(ToolCatalog.tools())],
        ]
        return Message(name: "tools/list result", value: value, bytes: JSONWriter.bytes(value))
    }
}
