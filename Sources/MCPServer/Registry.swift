import JSON
import MCP

/// The server's catalog: tools, prompts, resources and templates in registration order, with
/// their handlers. Registration order is the listing order, which keeps pagination deterministic.
struct Registry: Sendable {
    /// A class, not a struct: a lookup (every `tools/call`) hands out one reference instead of
    /// copying the definition's every field.
    final class Entry<Definition: Sendable, Handler: Sendable>: Sendable {
        let definition: Definition
        let handler: Handler

        init(definition: Definition, handler: Handler) {
            self.definition = definition
            self.handler = handler
        }
    }

    private(set) var tools: [Entry<Tool, ToolHandler>] = []
    private var toolIndex: [String: Int] = [:]
    private(set) var prompts: [Entry<Prompt, PromptHandler>] = []
    private var promptIndex: [String: Int] = [:]
    private(set) var resources: [Entry<Resource, ResourceReader>] = []
    private var resourceIndex: [String: Int] = [:]
    private(set) var templates: [Entry<ResourceTemplate, ResourceReader>] = []
    var promptCompletions: [String: CompletionProvider] = [:]
    var templateCompletions: [String: CompletionProvider] = [:]

    /// Cached listing JSON, rebuilt on change: `tools/list` is the hottest list.
    private(set) var toolsJSON: [JSONValue] = []
    /// Serialized, version-shaped `tools` arrays by "<version>/<offset>": a 100-tool page is
    /// ~25 KB of JSON, and serializing it was most of the cost of `tools/list`. Emptied on change.
    var toolPages: [String: JSONValue] = [:]

    mutating func upsert(tool: Tool, handler: @escaping ToolHandler) {
        toolPages.removeAll()
        if let i = toolIndex[tool.name] {
            tools[i] = Entry(definition: tool, handler: handler)
            toolsJSON[i] = tool.json
        } else {
            toolIndex[tool.name] = tools.count
            tools.append(Entry(definition: tool, handler: handler))
            toolsJSON.append(tool.json)
        }
    }

    mutating func removeTool(_ name: String) -> Bool {
        guard let i = toolIndex[name] else { return false }
        toolPages.removeAll()
        tools.remove(at: i)
        toolsJSON.remove(at: i)
        toolIndex = Dictionary(uniqueKeysWithValues: tools.enumerated().map { ($1.definition.name, $0) })
        return true
    }

    func tool(_ name: String) -> Entry<Tool, ToolHandler>? { toolIndex[name].map { tools[$0] } }

    mutating func upsert(prompt: Prompt, handler: @escaping PromptHandler) {
        if let i = promptIndex[prompt.name] {
            prompts[i] = Entry(definition: prompt, handler: handler)
        } else {
            promptIndex[prompt.name] = prompts.count
            prompts.append(Entry(definition: prompt, handler: handler))
        }
    }

    func prompt(_ name: String) -> Entry<Prompt, PromptHandler>? { promptIndex[name].map { prompts[$0] } }

    mutating func upsert(resource: Resource, reader: @escaping ResourceReader) {
        if let i = resourceIndex[resource.uri] {
            resources[i] = Entry(definition: resource, handler: reader)
        } else {
            resourceIndex[resource.uri] = resources.count
            resources.append(Entry(definition: resource, handler: reader))
        }
    }

    mutating func add(template: ResourceTemplate, reader: @escaping ResourceReader) {
        templates.removeAll { $0.definition.uriTemplate == template.uriTemplate }
        templates.append(Entry(definition: template, handler: reader))
    }

    /// The reader for a URI: an exact resource first, then the first matching template.
    func reader(for uri: String) -> (ResourceReader, [String: String])? {
        if let i = resourceIndex[uri] { return (resources[i].handler, [:]) }
        for t in templates {
            if let vars = t.definition.match(uri) { return (t.handler, vars) }
        }
        return nil
    }
}
