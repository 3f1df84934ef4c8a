import JSON
import JSONRPC
import MCP

/// `tasks/get`, `tasks/update` and `tasks/cancel` (the Tasks extension): checked here — the
/// extension declared on the request, a string `taskId`, an object `inputResponses` — and
/// answered by the `TaskProvider`. A server without one has no such methods.
extension MCPServer {
    func taskProviderFor(_ call: Call) throws(JSONRPCError) -> (any TaskProvider, String) {
        guard let provider = taskProvider.withLock({ $0 }) else { throw .methodNotFound(call.context.method) }
        guard TasksExtension.isDeclared(in: call.context.clientCapabilities) else {
            throw MCPError.missingCapability(TasksExtension.missing, "\(call.context.method) needs the \(TasksExtension.id) extension, which the request did not declare")
        }
        guard let id = call.params["taskId"]?.stringValue else {
            throw .invalidParams("\(call.context.method) requires a string \"taskId\"")
        }
        return (provider, id)
    }

    static func unknownTask(_ id: String) -> JSONRPCError {
        .invalidParams("Unknown task: \(id)", data: ["taskId": .string(id)])
    }

    func getTask(_ call: Call) async throws -> JSONValue {
        let (provider, id) = try taskProviderFor(call)
        guard let task = try await provider.getTask(id: id, context: call.context) else { throw Self.unknownTask(id) }
        return task
    }

    func updateTask(_ call: Call) async throws -> JSONValue {
        let (provider, id) = try taskProviderFor(call)
        guard let responses = call.params["inputResponses"]?.objectValue else {
            throw JSONRPCError.invalidParams("tasks/update requires an object \"inputResponses\"")
        }
        guard try await provider.updateTask(id: id, inputResponses: responses, context: call.context) else { throw Self.unknownTask(id) }
        return [:]
    }

    func cancelTask(_ call: Call) async throws -> JSONValue {
        let (provider, id) = try taskProviderFor(call)
        guard try await provider.cancelTask(id: id, context: call.context) else { throw Self.unknownTask(id) }
        return [:]
    }
}
