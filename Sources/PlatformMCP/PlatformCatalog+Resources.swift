// Resources and prompts of the platform surface.
//
// Resources: `agentbridge://agents/{id}` (current configuration), `…/agents/{id}/versions/{n}`,
// `agentbridge://sessions/{id}` (the session with its transcript) and `agentbridge://runs/{id}`
// (the run with its events), all JSON. Listing names every visible agent; sessions and runs are
// reached through the templates. Reading needs the scope of the matching read action, and
// anything the key may not read is "not found", exactly like a URI that names nothing.
// Prompts: each visible agent's instructions, one prompt per agent named by its id, whose
// arguments are the template's `{{variables}}`. Completion offers agent ids for the `{id}` of the
// agent templates, and for a prompt's variables the values they had in the agent's recent runs.

import JSON
import JSONRPC
import MCP
import MCPServer
import Platform

extension PlatformCatalog {
    static let scheme = "agentbridge://"
    /// Most agents named by `resources/list` and `prompts/list`.
    static let listedAgentLimit = 1000

    /// The visible agents (first `listedAgentLimit`), or none without `agents:read`.
    func visibleAgents(_ caller: Caller) throws -> [Agent] {
        guard case .allow = Policy.authorize(caller.principal, action: .readAgents, object: nil) else { return [] }
        let store = AgentStore(database: database)
        var agents: [Agent] = []
        var cursor: String?
        repeat {
            let page = try store.list(caller: caller, limit: 200, after: cursor)
            agents += page.items
            cursor = page.nextCursor
        } while cursor != nil && agents.count < Self.listedAgentLimit
        return Array(agents.prefix(Self.listedAgentLimit))
    }

    public func listResources(_ context: RequestContext) async throws -> CatalogListing {
        guard let caller = caller(context) else { return CatalogListing([]) }
        return CatalogListing(try visibleAgents(caller).map { agent in
            Resource(uri: Self.scheme + "agents/" + agent.id, name: agent.id, title: agent.spec.name,
                     description: agent.spec.description, mimeType: "application/json").json
        })
    }

    public func listResourceTemplates(_ context: RequestContext) async throws -> CatalogListing {
        guard caller(context) != nil else { return CatalogListing([]) }
        return CatalogListing([
            ResourceTemplate(uriTemplate: Self.scheme + "agents/{id}", name: "agent", title: "Agent",
                             description: "An agent's current configuration.", mimeType: "application/json").json,
            ResourceTemplate(uriTemplate: Self.scheme + "agents/{id}/versions/{version}", name: "agent-version", title: "Agent version",
                             description: "One stored version of an agent's configuration.", mimeType: "application/json").json,
            ResourceTemplate(uriTemplate: Self.scheme + "sessions/{id}", name: "session", title: "Session",
                             description: "A session and its transcript (events).", mimeType: "application/json").json,
            ResourceTemplate(uriTemplate: Self.scheme + "runs/{id}", name: "run", title: "Run",
                             description: "A run and its events.", mimeType: "application/json").json,
        ])
    }

    public func readResource(uri: String, context: RequestContext) async throws -> JSONValue? {
        guard let caller = caller(context), uri.hasPrefix(Self.scheme) else { return nil }
        let parts = uri.dropFirst(Self.scheme.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let body: JSONValue
        do {
            switch (parts.first, parts.count) {
            case ("agents", 2):
                body = try AgentStore(database: database).get(caller: caller, id: parts[1]).json
            case ("agents", 4) where parts[2] == "versions":
                guard let version = Int(parts[3]), version > 0 else { return nil }
                body = try AgentStore(database: database).version(caller: caller, id: parts[1], version: version).json
            case ("sessions", 2):
                let session = try SessionStore(database: database).get(caller: caller, id: parts[1])
                var object = session.json.objectValue ?? [:]
                object["events"] = .array(try allEvents { after in
                    try EventLog(database: database).read(caller: caller, sessionID: session.id, after: after, limit: 500)
                }.map(\.json))
                body = .object(object)
            case ("runs", 2):
                let run = try RunStore(database: database).get(caller: caller, id: parts[1])
                var object = run.json.objectValue ?? [:]
                object["events"] = .array(try allEvents { after in
                    try EventLog(database: database).read(caller: caller, runID: run.id, after: after, limit: 500)
                }.map(\.json))
                body = .object(object)
            default:
                return nil
            }
        } catch let error as PlatformError {
            // Not found, not visible, or not readable with this key: all the same "not found".
            _ = error
            return nil
        }
        return ["contents": [["uri": .string(uri), "mimeType": "application/json", "text": .string(JSONWriter.string(body))]]]
    }

    /// Every event a reader returns, page after page (bounded: at most 10 000).
    private func allEvents(_ read: (Int64) throws -> [Event]) throws -> [Event] {
        var events: [Event] = []
        while events.count < 10_000 {
            let page = try read(events.last?.seq ?? 0)
            events += page
            if page.count < 500 { break }
        }
        return events
    }

    // MARK: - Prompts

    public func listPrompts(_ context: RequestContext) async throws -> CatalogListing {
        guard let caller = caller(context) else { return CatalogListing([]) }
        return CatalogListing(try visibleAgents(caller).map { Self.prompt(for: $0).json })
    }

    static func prompt(for agent: Agent) -> Prompt {
        Prompt(name: agent.id, title: agent.spec.name,
               description: agent.spec.description ?? "The instructions of agent \(agent.id).",
               arguments: agent.spec.template.variables.map { PromptArgument(name: $0, required: true) })
    }

    public func getPrompt(name: String, arguments: [String: String], context: RequestContext) async throws -> JSONValue? {
        guard let caller = caller(context), case .allow = Policy.authorize(caller.principal, action: .readAgents, object: nil),
              let agent = try? AgentStore(database: database).get(caller: caller, id: name)
        else { return nil }
        let (text, missing) = agent.spec.template.render(arguments)
        if !missing.isEmpty {
            throw JSONRPCError.invalidParams("Missing required prompt arguments: \(missing.joined(separator: ", "))")
        }
        return [
            "description": .string(agent.spec.description ?? "The instructions of agent \(agent.id)."),
            "messages": [["role": "user", "content": ["type": "text", "text": .string(text)]]],
        ]
    }

    public func complete(reference: JSONObject, argument: String, value: String, arguments: [String: String],
                         context: RequestContext) async throws -> [String]? {
        guard let caller = caller(context) else { return nil }
        switch reference["type"]?.stringValue {
        case "ref/resource":
            guard let uri = reference["uri"]?.stringValue, uri.hasPrefix(Self.scheme + "agents/{id}") else { return nil }
            guard argument == "id" else { return [] }
            return try visibleAgents(caller).map(\.id).filter { $0.hasPrefix(value) }
        case "ref/prompt":
            guard let name = reference["name"]?.stringValue, (try? AgentStore(database: database).get(caller: caller, id: name)) != nil,
                  case .allow = Policy.authorize(caller.principal, action: .readAgents, object: nil)
            else { return nil }
            // Values this variable had in the agent's recent runs the caller may read.
            let runs = (try? RunStore(database: database).list(caller: caller, agentID: name, limit: 100)) ?? []
            var seen = Set<String>()
            return runs.compactMap { $0.input["variables"]?[argument]?.stringValue }
                .filter { $0.hasPrefix(value) && seen.insert($0).inserted }
        default:
            return nil
        }
    }
}
