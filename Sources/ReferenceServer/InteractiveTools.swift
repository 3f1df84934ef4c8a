import Foundation
import JSON
import MCP
import MCPServer

extension ReferenceServer {
    /// Tools that talk back: logging, progress, cancellation, elicitation, sampling, roots,
    /// multi-round state, and run-time catalog changes.
    static func registerInteractiveTools(_ server: MCPServer, state: FixtureState) {
        server.addTool(Tool(name: "test_tool_with_logging", description: "Sends three log messages while it runs")) { _, ctx in
            ctx.log(.info, "Tool execution started", logger: "reference")
            ctx.log(.info, "Tool processing data", logger: "reference")
            ctx.log(.info, "Tool execution completed", logger: "reference")
            return .text("Logging test completed")
        }
        server.addTool(Tool(name: "test_tool_with_progress", description: "Reports progress 0, 50, 100")) { _, ctx in
            for p in [0.0, 50, 100] {
                ctx.progress(p, total: 100, message: "step \(Int(p))")
                await Task.yield()
            }
            return .text("Progress test completed")
        }
        server.addTool(Tool(
            name: "slow_operation", description: "Works for steps × step_ms milliseconds, reporting progress; stops when cancelled",
            inputSchema: ["type": "object", "properties": [
                "steps": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 10],
                "step_ms": ["type": "integer", "minimum": 0, "maximum": 60000, "default": 100],
            ]])) { args, ctx in
            let steps = Int(args["steps"]?.intValue ?? 10)
            let stepMs = Int(args["step_ms"]?.intValue ?? 100)
            for i in 1...steps {
                try await Task.sleep(for: .milliseconds(stepMs))
                ctx.progress(Double(i), total: Double(steps), message: "step \(i) of \(steps)")
            }
            return .text("completed \(steps) steps")
        }
        server.addTool(Tool(
            name: "test_elicitation", description: "Asks the user for a username and email (form elicitation)",
            inputSchema: ["type": "object", "properties": ["message": ["type": "string"]]])) { args, ctx in
            let message = args["message"]?.stringValue ?? "Please provide your username and email"
            let answer = try ctx.elicit(key: "user_details", message: message, schema: [
                "type": "object",
                "properties": [
                    "username": ["type": "string", "description": "Your username"],
                    "email": ["type": "string", "format": "email", "description": "Your email"],
                ],
                "required": ["username"],
            ])
            switch answer.action {
            case .accept: return .text("accepted: " + JSONWriter.string(.object(answer.content ?? [:]), sortKeys: true))
            case .decline: return .text("declined")
            case .cancel: return .text("cancelled")
            }
        }
        server.addTool(Tool(name: "test_elicitation_sep1034_defaults", description: "Elicitation whose fields carry default values")) { _, ctx in
            let answer = try ctx.elicit(key: "defaults", message: "Confirm or change the defaults", schema: [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "default": "John Doe"],
                    "age": ["type": "integer", "default": 30],
                    "score": ["type": "number", "default": 95.5],
                    "status": ["type": "string", "enum": ["active", "inactive", "pending"], "default": "active"],
                    "verified": ["type": "boolean", "default": true],
                ],
            ])
            return .text("\(answer.action.rawValue): " + JSONWriter.string(.object(answer.content ?? [:]), sortKeys: true))
        }
        server.addTool(Tool(name: "test_elicitation_sep1330_enums", description: "Elicitation with single- and multi-select enums")) { _, ctx in
            let answer = try ctx.elicit(key: "enums", message: "Pick options", schema: [
                "type": "object",
                "properties": [
                    "untitledSingle": ["type": "string", "enum": ["option1", "option2", "option3"]],
                    "titledSingle": ["type": "string", "oneOf": [
                        ["const": "value1", "title": "First Option"], ["const": "value2", "title": "Second Option"],
                    ]],
                    "untitledMulti": ["type": "array", "items": ["type": "string", "enum": ["option1", "option2", "option3"]]],
                ],
            ])
            return .text("\(answer.action.rawValue): " + JSONWriter.string(.object(answer.content ?? [:]), sortKeys: true))
        }
        server.addTool(Tool(
            name: "test_sampling", description: "Asks the client's model to answer a prompt",
            inputSchema: ["type": "object", "properties": ["prompt": ["type": "string"]], "required": ["prompt"]])) { args, ctx in
            let prompt = args["prompt"]?.stringValue ?? ""
            let answers = try ctx.inputs([("sample", .sampling([
                "messages": [["role": "user", "content": ["type": "text", "text": .string(prompt)]]],
                "maxTokens": 100,
            ]))])
            let text = answers["sample"]?["content"]?["text"]?.stringValue ?? answers["sample"]?.description ?? ""
            return .text("model said: \(text)")
        }
        server.addTool(Tool(name: "test_list_roots", description: "Lists the client's roots")) { _, ctx in
            let answers = try ctx.inputs([("roots", .roots)])
            let uris = answers["roots"]?["roots"]?.arrayValue?.compactMap { $0["uri"]?.stringValue } ?? []
            return .text("roots: " + uris.joined(separator: ", "))
        }
        server.addTool(Tool(name: "test_multiple_inputs", description: "Asks for an elicitation and the roots in one round")) { _, ctx in
            let answers = try ctx.inputs([
                ("confirm", .elicitation(message: "Confirm?", schema: ["type": "object", "properties": ["ok": ["type": "boolean"]]])),
                ("roots", .roots),
            ])
            let action = answers["confirm"]?["action"]?.stringValue ?? "?"
            let count = answers["roots"]?["roots"]?.arrayValue?.count ?? 0
            return .text("confirm: \(action), roots: \(count)")
        }
        server.addTool(Tool(name: "test_input_required_result_request_state",
                            description: "First round returns only a requestState; the retry carrying it completes")) { _, ctx in
            guard ctx.state?["round"] == 1 else { throw InputRequired(requests: [], state: ["round": 1]) }
            return .text("state verified")
        }
        server.addTool(Tool(name: "test_trigger_tool_change", description: "Adds a tool and announces tools/list_changed")) { [weak server] _, _ in
            let n = state.dynamicTools.add(1, ordering: .relaxed).newValue
            server?.addTool(Tool(name: "dynamic_tool_\(n)", description: "Added at run time"), announce: true) { _, _ in .text("dynamic tool \(n)") }
            return .text("added dynamic_tool_\(n)")
        }
        server.addTool(Tool(name: "test_trigger_prompt_change", description: "Adds a prompt and announces prompts/list_changed")) { [weak server] _, _ in
            let n = state.dynamicPrompts.add(1, ordering: .relaxed).newValue
            server?.addPrompt(Prompt(name: "dynamic_prompt_\(n)", description: "Added at run time"), announce: true) { _, _ in
                PromptResult(messages: [PromptMessage(role: .user, content: .text("dynamic prompt \(n)"))])
            }
            return .text("added dynamic_prompt_\(n)")
        }
        server.addTool(Tool(name: "test_trigger_resource_update", description: "Changes test://watched-resource and announces the update")) { [weak server] _, _ in
            let n = state.watchedRevision.add(1, ordering: .relaxed).newValue
            server?.resourceUpdated("test://watched-resource")
            return .text("watched resource is now at revision \(n)")
        }
    }
}
