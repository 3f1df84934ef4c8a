import CLIKit
import Foundation
import JSON
import Platform

/// `agentbridge explain --agent A --tool T`: how a tool call of agent A would be governed — the
/// binding that matches, the allow-list entry that permits it (or that nothing does), run
/// behaviour, timeout, the headers that would be added (credential values redacted, with each
/// credential's kind and rotation date) and the upstream server it goes to.
enum ExplainCommand {
    static let command = Command(
        name: "explain",
        abstract: "Show how an agent's tool call is governed: binding, allow-list, headers (redacted), timeout, run behaviour.",
        options: [
            Option("agent", valueName: "id", help: "The agent."),
            Option("tool", valueName: "name", help: "An exposed name (alias or server__tool) or an upstream tool name."),
        ])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        guard let agentID = args.value("agent") else { throw args.usageError("--agent is required") }
        guard let tool = args.value("tool") else { throw args.usageError("--tool is required") }
        let context = try PlatformContext(args)
        let agent = try AgentStore(database: context.database).get(caller: context.caller, id: agentID)
        var routes: [ToolRoute] = []
        if let route = agent.spec.route(exposedName: tool) {
            routes = [route]
        } else {
            routes = agent.spec.routes(upstreamTool: tool)
        }
        let masterKey = try MasterKey.load(databasePath: context.database.path, environment: ProcessInfo.processInfo.environment)
        let vault = try CredentialStore(database: context.database, clock: context.clock, masterKey: masterKey)
        let servers = UpstreamServerStore(database: context.database)
        var documents: [JSONValue] = []
        var lines: [String] = ["agent: \(agent.id) (version \(agent.version), \(agent.archivedAt != nil ? "archived" : agent.status.rawValue))"]
        if routes.isEmpty {
            lines.append("tool \(tool): no binding of this agent can reach it (it has \(agent.spec.bindings.count) binding(s): \(agent.spec.bindings.map(\.server).joined(separator: ", ")))")
        }
        var anyAllowed = false
        for route in routes {
            let binding = route.binding
            let index = agent.spec.bindings.firstIndex(of: binding) ?? 0
            anyAllowed = anyAllowed || route.isAllowed
            var headerDocs: [JSONValue] = []
            var headerLines: [String] = []
            for header in binding.overrideHeaders {
                var sources: [String] = []
                for name in header.credentialNames {
                    if let credential = try? vault.get(caller: context.caller, name: name) {
                        sources.append("credential \"\(name)\" (\(credential.kind), set \(formatTime(credential.createdAt)), rotated \(formatTime(credential.rotatedAt)))")
                    } else {
                        sources.append("credential \"\(name)\" — MISSING: calls will fail until it is set")
                    }
                }
                let redacted = header.parts.map { part -> String in
                    switch part {
                    case .literal(let text): text
                    case .credential(let name): "«\(name): redacted»"
                    }
                }.joined()
                headerLines.append("  \(header.name): \(redacted)" + (sources.isEmpty ? "" : "  ← " + sources.joined(separator: ", ")))
                headerDocs.append(["name": .string(header.name), "value": .string(redacted), "sources": .array(sources.map(JSONValue.string))])
            }
            let upstream = try? servers.get(caller: context.caller, id: binding.server)
            let target: String
            switch upstream?.spec.transport {
            case .stdio(let launch)?: target = "stdio: " + ([launch.command] + launch.args).joined(separator: " ")
            case .http(let endpoint)?: target = (endpoint.isLegacySSE ? "sse: " : "http: ") + endpoint.url
            case nil: target = "(server not found)"
            }
            let allowance = route.matchingPattern.map { "allowed by allowed_tools entry \"\($0.text)\"" }
                ?? "NOT allowed: no allowed_tools entry matches (default deny); the tool is invisible and uncallable"
            lines += [
                "tool: \(route.upstreamTool) on server \(binding.server), exposed as \(route.exposedName)",
                "binding: bindings[\(index)] → \(binding.server) (\(target))",
                "allow-list: \(allowance)",
                "run behaviour: \(route.runBehavior.value.rawValue) (\(route.runBehavior.source))",
                "timeout: \(route.timeoutSeconds.value) s (\(route.timeoutSeconds.source))",
                "headers added: " + (headerLines.isEmpty ? "none" : ""),
            ] + headerLines + [
                "prompts this binding exposes: " + Self.patterns(binding.allowedPrompts),
                "resources this binding exposes: " + Self.patterns(binding.allowedResources),
            ]
            documents.append([
                "server": .string(binding.server), "binding_index": .int(Int64(index)), "upstream_tool": .string(route.upstreamTool),
                "exposed_name": .string(route.exposedName), "allowed": .bool(route.isAllowed),
                "matching_pattern": route.matchingPattern.map { .string($0.text) } ?? .null,
                "run_behavior": .string(route.runBehavior.value.rawValue), "timeout_s": .int(Int64(route.timeoutSeconds.value)),
                "headers": .array(headerDocs), "upstream": .string(target),
                "allowed_prompts": .array(binding.allowedPrompts.map { .string($0.text) }),
                "allowed_resources": .array(binding.allowedResources.map { .string($0.text) }),
            ])
        }
        if context.json {
            context.printJSON(["agent": .string(agent.id), "version": .int(Int64(agent.version)), "routes": .array(documents)])
        } else {
            print(lines.joined(separator: "\n"))
        }
        return anyAllowed ? 0 : 1
    }

    /// An allow-list for display: its entries, or what an empty one means.
    static func patterns(_ list: [ToolPattern]) -> String {
        list.isEmpty ? "none (default deny)" : list.map { "\"\($0.text)\"" }.joined(separator: ", ")
    }
}
