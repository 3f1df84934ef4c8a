import Foundation
import JSON
import JSONRPC
import MCP
import Synchronization

/// Every method the server answers, in one table. Whether a method exists in a request's version
/// is decided by `MCPMethod.table`; `initialize` is answered by `handleLegacy` itself because it
/// creates the session the other handlers read.
extension MCPServer {
    static let methods: [String: MethodHandler] = [
        MCPMethod.ping: { _, _ in [:] },
        MCPMethod.discover: { s, c in s.discover(c) },
        MCPMethod.toolsList: { s, c in try await s.listTools(c) },
        MCPMethod.toolsCall: { s, c in try await s.callTool(c) },
        MCPMethod.promptsList: { s, c in try await s.listPrompts(c) },
        MCPMethod.promptsGet: { s, c in try await s.getPrompt(c) },
        MCPMethod.resourcesList: { s, c in try await s.listResources(c) },
        MCPMethod.resourcesTemplatesList: { s, c in try await s.listResourceTemplates(c) },
        MCPMethod.resourcesRead: { s, c in try await s.readResource(c) },
        MCPMethod.resourcesSubscribe: { s, c in try s.subscribe(c, true) },
        MCPMethod.resourcesUnsubscribe: { s, c in try s.subscribe(c, false) },
        MCPMethod.completionComplete: { s, c in try await s.complete(c) },
        MCPMethod.loggingSetLevel: { s, c in try s.setLogLevel(c) },
        MCPMethod.subscriptionsListen: { s, c in try await s.listen(c) },
        MCPMethod.tasksGet: { s, c in try await s.getTask(c) },
        MCPMethod.tasksUpdate: { s, c in try await s.updateTask(c) },
        MCPMethod.tasksCancel: { s, c in try await s.cancelTask(c) },
    ]
}

extension MCPServer {
    func discover(_ call: Call) -> JSONValue {
        var o: JSONObject = [
            "supportedVersions": .array(ProtocolVersion.modernVersions.map { .string($0.rawValue) }),
            "capabilities": capabilities(for: call.context.version),
        ]
        if let instructions = options.instructions { o["instructions"] = .string(instructions) }
        return .object(o)
    }

    // MARK: lists

    func listTools(_ call: Call) async throws -> JSONValue {
        guard let provider = catalogProvider.withLock({ $0 }) else { return try listRegisteredTools(call) }
        // Computed per request: no page cache (the set may differ per caller and per moment).
        let version = call.context.version
        let registered = registry.withLock { $0.toolsJSON }
        let listing = try await provider.listTools(call.context)
        let all = (registered + listing.items).map { ResultShaper.shapeTool($0, for: version) }
        return try page(all, key: "tools", kind: "t", call, meta: listing.meta)
    }

    func listRegisteredTools(_ call: Call) throws(JSONRPCError) -> JSONValue {
        let version = call.context.version
        let count = registry.withLock { $0.toolsJSON.count }
        let offset = try pageOffset(call, kind: "t", count: count)
        let end = min(count, offset + options.pageSize)
        let key = "\(version.rawValue)/\(offset)"
        let page = registry.withLock { r -> JSONValue in
            if let cached = r.toolPages[key] { return cached }
            let slice = r.toolsJSON[min(offset, r.toolsJSON.count)..<min(end, r.toolsJSON.count)]
            let encoded = JSONValue.encoded(EncodedJSON(.array(slice.map { ResultShaper.shapeTool($0, for: version) })))
            r.toolPages[key] = encoded
            return encoded
        }
        var o: JSONObject = ["tools": page]
        if end < count { o["nextCursor"] = .string(Cursor.encode(end, kind: "t")) }
        return .object(o)
    }

    /// The offset a request's `cursor` names; −32602 for anything we did not issue.
    func pageOffset(_ call: Call, kind: String, count: Int) throws(JSONRPCError) -> Int {
        guard let raw = call.params["cursor"] else { return 0 }
        guard let cursor = raw.stringValue, let decoded = Cursor.decode(cursor, kind: kind), decoded <= count else {
            throw .invalidParams("Invalid cursor: \(raw)")
        }
        return decoded
    }

    func listPrompts(_ call: Call) async throws -> JSONValue {
        let registered = registry.withLock { $0.prompts.map(\.definition.json) }
        let listing = try await catalogProvider.withLock({ $0 })?.listPrompts(call.context) ?? CatalogListing([])
        return try page(registered + listing.items, key: "prompts", kind: "p", call, meta: listing.meta)
    }

    func listResources(_ call: Call) async throws -> JSONValue {
        let registered = registry.withLock { $0.resources.map(\.definition.json) }
        let listing = try await catalogProvider.withLock({ $0 })?.listResources(call.context) ?? CatalogListing([])
        return try page(registered + listing.items, key: "resources", kind: "r", call, meta: listing.meta)
    }

    func listResourceTemplates(_ call: Call) async throws -> JSONValue {
        let registered = registry.withLock { $0.templates.map(\.definition.json) }
        let listing = try await catalogProvider.withLock({ $0 })?.listResourceTemplates(call.context) ?? CatalogListing([])
        return try page(registered + listing.items, key: "resourceTemplates", kind: "rt", call, meta: listing.meta)
    }

    /// Offset pagination with opaque cursors. A cursor names its list so one list's cursor is
    /// refused by another; anything we did not issue is −32602.
    func page(_ items: [JSONValue], key: String, kind: String, _ call: Call, meta: JSONObject = [:]) throws(JSONRPCError) -> JSONValue {
        let offset = try pageOffset(call, kind: kind, count: items.count)
        let end = min(items.count, offset + options.pageSize)
        var o: JSONObject = [key: .array(Array(items[offset..<end]))]
        if end < items.count { o["nextCursor"] = .string(Cursor.encode(end, kind: kind)) }
        if !meta.isEmpty { o["_meta"] = .object(meta) }
        return .object(o)
    }

    // MARK: tools

    func callTool(_ call: Call) async throws -> JSONValue {
        guard let name = call.params["name"]?.stringValue else {
            throw JSONRPCError.invalidParams("tools/call requires a string \"name\"")
        }
        var arguments = JSONObject()
        if let raw = call.params["arguments"], !raw.isNull {
            guard let o = raw.objectValue else { throw JSONRPCError.invalidParams("tools/call \"arguments\" must be an object") }
            arguments = o
        }
        guard let entry = registry.withLock({ $0.tool(name) }) else {
            if let provider = catalogProvider.withLock({ $0 }) {
                let args = arguments
                do {
                    return try await provided(call, unknown: .invalidParams("Unknown tool: \(name)", data: ["name": .string(name)])) { context in
                        try await provider.callTool(name: name, arguments: args, context: context)
                    }
                } catch let missing as MissingClientCapability {
                    return ToolResult.error(missing.message).json
                }
            }
            throw JSONRPCError.invalidParams("Unknown tool: \(name)", data: ["name": .string(name)])
        }
        let problems = SchemaValidator.validate(.object(arguments), against: entry.definition.inputSchema)
        if !problems.isEmpty {
            let message = "Invalid arguments for tool \(name): " + problems.joined(separator: "; ")
            // Since 2025-11-25 input validation failures are tool results the model can correct.
            if call.context.version >= .v2025_11_25 { return ToolResult.error(message).json }
            throw JSONRPCError.invalidParams(message)
        }
        let args = arguments
        do {
            return try await withInputRounds(call) { context in
                do {
                    return try await entry.handler(args, context).json
                } catch let e as InputRequired {
                    throw e
                } catch let e as JSONRPCError {
                    throw e
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    return ToolResult.error("Tool \(name) failed: \(error)").json
                }
            }
        } catch let missing as MissingClientCapability {
            return ToolResult.error(missing.message).json
        }
    }

    /// Runs a catalog provider's handler inside the input-round machinery; its nil ("no such
    /// thing") becomes `unknown`, the same error a name nobody has gets.
    func provided(_ call: Call, unknown: JSONRPCError, _ body: @escaping @Sendable (RequestContext) async throws -> JSONValue?) async throws -> JSONValue {
        try await withInputRounds(call) { context in
            guard let result = try await body(context) else { throw unknown }
            return result
        }
    }

    // MARK: prompts

    func getPrompt(_ call: Call) async throws -> JSONValue {
        guard let name = call.params["name"]?.stringValue else {
            throw JSONRPCError.invalidParams("prompts/get requires a string \"name\"")
        }
        var arguments: [String: String] = [:]
        if let raw = call.params["arguments"], !raw.isNull {
            guard let o = raw.objectValue else { throw JSONRPCError.invalidParams("prompts/get \"arguments\" must be an object of strings") }
            for (k, v) in o {
                guard let s = v.stringValue else { throw JSONRPCError.invalidParams("prompt argument \"\(k)\" must be a string") }
                arguments[k] = s
            }
        }
        guard let entry = registry.withLock({ $0.prompt(name) }) else {
            if let provider = catalogProvider.withLock({ $0 }) {
                let args = arguments
                do {
                    return try await provided(call, unknown: .invalidParams("Unknown prompt: \(name)", data: ["name": .string(name)])) { context in
                        try await provider.getPrompt(name: name, arguments: args, context: context)
                    }
                } catch let missing as MissingClientCapability {
                    throw JSONRPCError.invalidParams(missing.message)
                }
            }
            throw JSONRPCError.invalidParams("Unknown prompt: \(name)", data: ["name": .string(name)])
        }
        let missing = entry.definition.arguments.filter { $0.required && arguments[$0.name] == nil }.map(\.name)
        if !missing.isEmpty {
            throw JSONRPCError.invalidParams("Missing required prompt arguments: \(missing.joined(separator: ", "))")
        }
        let args = arguments
        do {
            return try await withInputRounds(call) { context in try await entry.handler(args, context).json }
        } catch let missing as MissingClientCapability {
            throw JSONRPCError.invalidParams(missing.message)
        }
    }

    // MARK: resources

    func readResource(_ call: Call) async throws -> JSONValue {
        guard let uri = call.params["uri"]?.stringValue else {
            throw JSONRPCError.invalidParams("resources/read requires a string \"uri\"")
        }
        guard let (reader, variables) = registry.withLock({ $0.reader(for: uri) }) else {
            if let provider = catalogProvider.withLock({ $0 }) {
                do {
                    return try await provided(call, unknown: MCPError.resourceNotFound(uri, version: call.context.version)) { context in
                        try await provider.readResource(uri: uri, context: context)
                    }
                } catch let missing as MissingClientCapability {
                    throw JSONRPCError.invalidParams(missing.message)
                }
            }
            throw MCPError.resourceNotFound(uri, version: call.context.version)
        }
        do {
            return try await withInputRounds(call) { context in
                let contents = try await reader(uri, variables, context)
                return ["contents": .array(contents.map(\.json))]
            }
        } catch let missing as MissingClientCapability {
            throw JSONRPCError.invalidParams(missing.message)
        }
    }

    func subscribe(_ call: Call, _ on: Bool) throws(JSONRPCError) -> JSONValue {
        guard let uri = call.params["uri"]?.stringValue else {
            throw .invalidParams("\(on ? "resources/subscribe" : "resources/unsubscribe") requires a string \"uri\"")
        }
        if on { call.session?.subscribe(uri) } else { call.session?.unsubscribe(uri) }
        return [:]
    }

    // MARK: completion, logging

    func complete(_ call: Call) async throws -> JSONValue {
        guard let ref = call.params["ref"]?.objectValue, let type = ref["type"]?.stringValue else {
            throw JSONRPCError.invalidParams("completion/complete requires \"ref\" with a \"type\"")
        }
        guard let argument = call.params["argument"]?.objectValue, let argName = argument["name"]?.stringValue,
            let value = argument["value"]?.stringValue
        else { throw JSONRPCError.invalidParams("completion/complete requires \"argument\" with string \"name\" and \"value\"") }
        var context: [String: String] = [:]
        for (k, v) in call.params["context"]?["arguments"]?.objectValue ?? [:] { if let s = v.stringValue { context[k] = s } }
        let provider: CompletionProvider?
        switch type {
        case "ref/prompt":
            guard let name = ref["name"]?.stringValue else { throw JSONRPCError.invalidParams("ref/prompt requires \"name\"") }
            let (known, p) = registry.withLock { ($0.prompt(name) != nil, $0.promptCompletions[name]) }
            guard known else {
                return try await completeFromCatalog(call, ref: ref, argument: argName, value: value, arguments: context) {
                    JSONRPCError.invalidParams("Unknown prompt: \(name)")
                }
            }
            provider = p
        case "ref/resource":
            guard let uri = ref["uri"]?.stringValue else { throw JSONRPCError.invalidParams("ref/resource requires \"uri\"") }
            let (known, p) = registry.withLock { r in
                (r.templates.contains { $0.definition.uriTemplate == uri } || r.reader(for: uri) != nil, r.templateCompletions[uri])
            }
            guard known else {
                return try await completeFromCatalog(call, ref: ref, argument: argName, value: value, arguments: context) {
                    MCPError.resourceNotFound(uri, version: call.context.version)
                }
            }
            provider = p
        default:
            throw JSONRPCError.invalidParams("Unknown completion reference type: \(type)")
        }
        return Self.completionResult(await provider?(argName, value, context) ?? [])
    }

    /// Completion for a prompt or template the registry does not hold: the catalog provider's,
    /// or `unknown` when it does not know the reference either.
    private func completeFromCatalog(_ call: Call, ref: JSONObject, argument: String, value: String, arguments: [String: String],
                                     unknown: () -> JSONRPCError) async throws -> JSONValue {
        guard let catalog = catalogProvider.withLock({ $0 }),
              let values = try await catalog.complete(reference: ref, argument: argument, value: value, arguments: arguments, context: call.context)
        else { throw unknown() }
        return Self.completionResult(values)
    }

    static func completionResult(_ all: [String]) -> JSONValue {
        var completion: JSONObject = ["values": .array(all.prefix(100).map { .string($0) })]
        completion["total"] = .int(Int64(all.count))
        completion["hasMore"] = .bool(all.count > 100)
        return ["completion": .object(completion)]
    }

    func setLogLevel(_ call: Call) throws(JSONRPCError) -> JSONValue {
        guard let level = call.params["level"]?.stringValue.flatMap(LogLevel.init) else {
            throw .invalidParams("logging/setLevel requires \"level\", one of: \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        call.session?.setLogLevel(level)
        return [:]
    }

    // MARK: subscriptions/listen (2026)

    func listen(_ call: Call) async throws -> JSONValue {
        guard let requested = call.params["notifications"]?.objectValue else {
            throw JSONRPCError.invalidParams("subscriptions/listen requires a \"notifications\" object")
        }
        for key in ["toolsListChanged", "promptsListChanged", "resourcesListChanged"] {
            if let v = requested[key], v.boolValue == nil {
                throw JSONRPCError.invalidParams("notifications.\(key) must be a boolean")
            }
        }
        if let subs = requested["resourceSubscriptions"], subs.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
            throw JSONRPCError.invalidParams("notifications.resourceSubscriptions must be an array of URI strings")
        }
        var taskIDs = Set<String>()
        if let ids = requested["taskIds"] {
            guard let list = ids.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw JSONRPCError.invalidParams("notifications.taskIds must be an array of task id strings")
            }
            guard TasksExtension.isDeclared(in: call.context.clientCapabilities) else {
                throw MCPError.missingCapability(TasksExtension.missing, "notifications.taskIds needs the \(TasksExtension.id) extension, which the request did not declare")
            }
            taskIDs = Set(list.compactMap(\.stringValue))
        }
        var honoured = JSONObject()
        var tools = false, prompts = false, resources = false
        if requested["toolsListChanged"] == true { tools = true; honoured["toolsListChanged"] = true }
        if requested["promptsListChanged"] == true { prompts = true; honoured["promptsListChanged"] = true }
        if requested["resourcesListChanged"] == true { resources = true; honoured["resourcesListChanged"] = true }
        var uris = Set<String>()
        if let list = requested["resourceSubscriptions"]?.arrayValue {
            let strings = list.compactMap(\.stringValue)
            uris = Set(strings)
            if !strings.isEmpty { honoured["resourceSubscriptions"] = .array(strings.map { .string($0) }) }
        }
        if !taskIDs.isEmpty { honoured["taskIds"] = .array(taskIDs.sorted().map { .string($0) }) }
        let subscriptionMeta: JSONValue = [ModernEnvelope.subscriptionIDKey: call.context.requestID.json]
        let context = call.context
        let (wantTools, wantPrompts, wantResources, watched, watchedTasks) = (tools, prompts, resources, uris, taskIDs)
        // Observe before acknowledging, so a change right after the client sees the ack is not
        // lost; hold such changes until the ack is out, so the ack is still the first message.
        let gate = Mutex<(acked: Bool, held: [JSONRPCNotification], ended: Bool)>((false, [], false))
        let stop = observe { event in
            let method: String
            var params: JSONObject = ["_meta": subscriptionMeta]
            switch event {
            case .toolsChanged where wantTools: method = MCPMethod.toolsListChanged
            case .promptsChanged where wantPrompts: method = MCPMethod.promptsListChanged
            case .resourcesChanged where wantResources: method = MCPMethod.resourcesListChanged
            case .resourceUpdated(let uri) where watched.contains(uri):
                method = MCPMethod.resourcesUpdated
                params["uri"] = .string(uri)
            case .taskChanged(let id, let task) where watchedTasks.contains(id):
                method = MCPMethod.tasksStatus
                for (key, value) in task.objectValue ?? [:] where key != "_meta" { params[key] = value }
            default: return
            }
            let notification = JSONRPCNotification(method: method, params: .object(params))
            let now = gate.withLock { g -> Bool in
                if g.ended { return false }
                if !g.acked { g.held.append(notification) }
                return g.acked
            }
            if now { context.emit(notification) }
        }
        gate.withLock { g in
            context.emit(JSONRPCNotification(method: MCPMethod.subscriptionsAcknowledged, params: ["_meta": subscriptionMeta, "notifications": .object(honoured)]))
            g.acked = true
            for n in g.held { context.emit(n) }
            g.held = []
        }
        // Named tasks: their current state first, so a task that changed before the stream
        // opened is not missed (later changes follow as they happen).
        if !watchedTasks.isEmpty, let provider = taskProvider.withLock({ $0 }) {
            for id in watchedTasks.sorted() {
                guard let task = try? await provider.getTask(id: id, context: context) else { continue }
                var params: JSONObject = ["_meta": subscriptionMeta]
                for (key, value) in task.objectValue ?? [:] where key != "_meta" { params[key] = value }
                context.emit(JSONRPCNotification(method: MCPMethod.tasksStatus, params: .object(params)))
            }
        }
        // A cancelled listen gets nothing more, even from a change published before this task
        // wakes up: the cancellation handler runs when the client's notifications/cancelled is
        // read, before any later message of the client is handled.
        await withTaskCancellationHandler {
            await waitForListenEnd()
        } onCancel: {
            gate.withLock { $0.ended = true }
        }
        stop()
        return ["_meta": subscriptionMeta]
    }
}

/// A legacy client lacks a capability an input round needs.
/// The client cannot take an input request (it did not declare the capability, or there is no
/// way to reach it mid-request). Tool calls report it as a tool error.
public struct MissingClientCapability: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Opaque list cursors: base64url of "<list kind>:<offset>".
enum Cursor {
    static func encode(_ offset: Int, kind: String) -> String {
        Data("\(kind):\(offset)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String, kind: String) -> Int? {
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard cursor.count <= 64, let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == kind, let n = Int(parts[1]), n >= 0 else { return nil }
        return n
    }
}
