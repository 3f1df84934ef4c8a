import CLIKit
import Foundation
import JSON
import Platform

/// `agentbridge explain --agent A --tool T`: how a tool call of agent A would be governed — the
/// binding that matches, the allow-list entry that permits it (or that nothing does) and whether
/// that list is the binding's or its server's default, run behaviour, timeout and where it comes
/// from, the headers that would be sent (the server's own and the binding's
/// overrides, credential values redacted, with each credential's kind and rotation date), a stdio
/// server's environment values taken from credentials, and the upstream server it goes to (an
/// http server's URL as written, with the credentials it references).
enum ExplainCommand {
    static let command = Command(
        name: "explain",
        abstract: "Show how an agent's tool call is governed: binding, allow-list, headers (redacted), timeout, run behaviour.",
        options: [
            Option("agent", valueName: "id", help: "The agent."),
            Option("tool", valueName: "name", help: "An exposed name (alias, server__tool, or its rewritten form) or an upstream tool name."),
        ])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        guard let agentID = args.value("agent") else { throw args.usageError("--agent is required") }
        guard let tool = args.value("tool") else { throw args.usageError("--tool is required") }
        let context = try PlatformContext(args)
        let agent = try AgentStore(database: context.database).get(caller: context.caller, id: agentID)
        let servers = UpstreamServerStore(database: context.database)
        // As enforced: bindings that leave allow-list or timeout out get their server's.
        let spec = agent.spec.inheritingServerDefaults { try? servers.get(caller: context.caller, id: $0).spec }
        var routes: [ToolRoute] = []
        if let route = spec.route(offlineName: tool) {
            routes = [route]
        } else {
            routes = spec.routes(upstreamTool: tool)
        }
        let masterKey = try MasterKey.load(databasePath: context.database.path, environment: ProcessInfo.processInfo.environment)
        let vault = try CredentialStore(database: context.database, clock: context.clock, masterKey: masterKey)
        var documents: [JSONValue] = []
        var lines: [String] = ["agent: \(agent.id) (version \(agent.version), \(agent.archivedAt != nil ? "archived" : agent.status.rawValue))"]
        if routes.isEmpty {
            lines.append("tool \(tool): no binding of this agent can reach it (it has \(spec.bindings.count) binding(s): \(spec.bindings.map(\.server).joined(separator: ", ")))")
        }
        var anyAllowed = false
        for route in routes {
            let binding = route.binding
            let index = spec.bindings.firstIndex(of: binding) ?? 0
            anyAllowed = anyAllowed || route.isAllowed
            let upstream = try? servers.get(caller: context.caller, id: binding.server)
            // What is sent: the server's own headers (HTTP), each replaced by a binding override
            // of the same name, then the binding's other overrides — as the bridge builds them.
            var effective: [(name: String, parts: [HeaderTemplate.Part], origin: String)] = []
            if case .http(let endpoint)? = upstream?.spec.transport {
                effective = endpoint.headers.map { ($0.name, $0.parts, "server headers") }
            }
            for header in binding.overrideHeaders {
                effective.removeAll { $0.name.lowercased() == header.name.lowercased() }
                effective.append((header.name, header.parts, "binding override_headers"))
            }
            var headerDocs: [JSONValue] = []
            var headerLines: [String] = []
            for header in effective {
                let sources = Self.sources(of: header.parts, vault: vault, caller: context.caller)
                let redacted = Self.redacted(header.parts)
                headerLines.append("  \(header.name): \(redacted)  (\(header.origin))" + (sources.isEmpty ? "" : "  ← " + sources.joined(separator: ", ")))
                headerDocs.append([
                    "name": .string(header.name), "value": .string(redacted), "origin": .string(header.origin),
                    "sources": .array(sources.map(JSONValue.string)),
                ])
            }
            // A stdio server's environment values that come from credentials (read at each start).
            var environmentDocs: [JSONValue] = []
            var environmentLines: [String] = []
            if case .stdio(let launch)? = upstream?.spec.transport {
                for variable in launch.env where !variable.value.credentialNames.isEmpty {
                    let sources = Self.sources(of: variable.value.parts, vault: vault, caller: context.caller)
                    let redacted = Self.redacted(variable.value.parts)
                    environmentLines.append("  \(variable.name)=\(redacted)  ← " + sources.joined(separator: ", "))
                    environmentDocs.append(["name": .string(variable.name), "value": .string(redacted), "sources": .array(sources.map(JSONValue.string))])
                }
            }
            let target: String
            switch upstream?.spec.transport {
            case .stdio(let launch)?: target = "stdio: " + ([launch.command] + launch.args).joined(separator: " ")
            case .http(let endpoint)?: target = (endpoint.isLegacySSE ? "sse: " : "http: ") + endpoint.url
            case nil: target = "(server not found)"
            }
            // An http server's URL credentials (its path or query references them).
            var urlSources: [String] = []
            if case .http(let endpoint)? = upstream?.spec.transport, !endpoint.urlTemplate.credentialNames.isEmpty {
                urlSources = Self.sources(of: endpoint.urlTemplate.parts, vault: vault, caller: context.caller)
            }
            // A stdio server's start budget, which a call to a starting server waits before its timeout.
            var startup: Int?
            if case .stdio? = upstream?.spec.transport { startup = upstream?.spec.startupTimeoutSeconds }
            let list = route.allowListSource
            let allowance = route.matchingPattern.map { "allowed by \(list.field) entry \"\($0.text)\"\(list.note)" }
                ?? "NOT allowed: no \(list.field) entry matches\(list.note) (default deny); the tool is invisible and uncallable"
            lines += [
                "tool: \(route.upstreamTool) on server \(binding.server), exposed as \(route.exposedName)",
                "binding: bindings[\(index)] → \(binding.server) (\(target))",
            ] + (urlSources.isEmpty ? [] : ["url credentials: " + urlSources.joined(separator: ", ")]) + [
                "allow-list: \(allowance)",
                "run behaviour: \(route.runBehavior.value.rawValue) (\(route.runBehavior.source))",
                "timeout: \(route.timeoutSeconds.value) s (\(route.timeoutSeconds.source))",
            ] + (startup.map { ["startup timeout: \($0) s (server \(binding.server)'s startup_timeout_s; a call that finds it starting waits up to this long, or its timeout when longer)"] } ?? []) + [
                "headers sent: " + (headerLines.isEmpty ? "none" : ""),
            ] + headerLines + (environmentLines.isEmpty ? [] : ["environment from credentials:"] + environmentLines) + [
                "prompts this binding exposes: " + Self.patterns(binding.allowedPrompts),
                "resources this binding exposes: " + Self.patterns(binding.allowedResources),
            ]
            documents.append([
                "server": .string(binding.server), "binding_index": .int(Int64(index)), "upstream_tool": .string(route.upstreamTool),
                "exposed_name": .string(route.exposedName), "allowed": .bool(route.isAllowed),
                "matching_pattern": route.matchingPattern.map { .string($0.text) } ?? .null,
                "allow_list_source": .string(binding.inheritsAllowedTools ? "server" : "binding"),
                "run_behavior": .string(route.runBehavior.value.rawValue), "timeout_s": .int(Int64(route.timeoutSeconds.value)),
                "timeout_source": .string(route.timeoutSeconds.source),
                "startup_timeout_s": startup.map { .int(Int64($0)) } ?? .null,
                "headers": .array(headerDocs), "environment": .array(environmentDocs), "upstream": .string(target),
                "url_sources": .array(urlSources.map(JSONValue.string)),
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

    /// Where each credential a value references comes from: its kind and dates, or that it is
    /// missing.
    static func sources(of parts: [HeaderTemplate.Part], vault: CredentialStore, caller: Caller) -> [String] {
        CredentialTemplate(parts: parts).credentialNames.map { name in
            if let credential = try? vault.get(caller: caller, name: name) {
                return "credential \"\(name)\" (\(credential.kind), set \(formatTime(credential.createdAt)), rotated \(formatTime(credential.rotatedAt)))"
            }
            return "credential \"\(name)\" — MISSING: calls will fail until it is set"
        }
    }

    /// A value with every credential shown as `«name: redacted»`.
    static func redacted(_ parts: [HeaderTemplate.Part]) -> String {
        parts.map { part -> String in
            switch part {
            case .literal(let text): text
            case .credential(let name): "«\(name): redacted»"
            }
        }.joined()
    }

    /// An allow-list for display: its entries, or what an empty one means.
    static func patterns(_ list: [ToolPattern]) -> String {
        list.isEmpty ? "none (default deny)" : list.map { "\"\($0.text)\"" }.joined(separator: ", ")
    }
}
