import JSON
import MCP
import MCPServer

extension ReferenceServer {
    static func registerPrompts(_ server: MCPServer) {
        server.addPrompt(Prompt(name: "test_simple_prompt", title: "Simple prompt", description: "A prompt without arguments")) { _, _ in
            PromptResult(messages: [PromptMessage(role: .user, content: .text("This is a simple prompt for testing."))])
        }
        server.addPrompt(
            Prompt(name: "test_prompt_with_arguments", description: "A prompt with two required arguments", arguments: [
                PromptArgument(name: "arg1", description: "First argument", required: true),
                PromptArgument(name: "arg2", description: "Second argument", required: true),
            ]),
            completion: { argument, prefix, _ in
                argument == "arg1" ? ["paris", "park", "party", "pasta", "peach"].filter { $0.hasPrefix(prefix) } : []
            }
        ) { args, _ in
            PromptResult(messages: [PromptMessage(role: .user, content: .text(
                "Prompt with arguments: arg1='\(args["arg1"] ?? "")', arg2='\(args["arg2"] ?? "")'"))])
        }
        server.addPrompt(Prompt(name: "test_prompt_with_embedded_resource", description: "A prompt that embeds a resource", arguments: [
            PromptArgument(name: "resourceUri", description: "URI of the resource to embed", required: true),
        ])) { args, _ in
            let uri = args["resourceUri"] ?? ""
            return PromptResult(messages: [
                PromptMessage(role: .user, content: .resource(ResourceContents(uri: uri, mimeType: "text/plain", text: "Embedded resource content for testing."))),
                PromptMessage(role: .user, content: .text("Please process the embedded resource above.")),
            ])
        }
        server.addPrompt(Prompt(name: "test_prompt_with_image", description: "A prompt with an image")) { _, _ in
            PromptResult(messages: [
                PromptMessage(role: .user, content: .image(data: Media.pngBase64, mimeType: "image/png")),
                PromptMessage(role: .user, content: .text("Please analyze the image above.")),
            ])
        }
    }
}
