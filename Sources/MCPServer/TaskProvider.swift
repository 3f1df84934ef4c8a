import JSON

/// Work that outlives the request that started it, served through the Tasks extension
/// (`io.modelcontextprotocol/tasks`, 2026 only): a `tools/call` may answer with a
/// `CreateTaskResult` (`resultType: "task"`) to a client that declared the extension on that
/// request, and the client then polls `tasks/get`, answers input with `tasks/update`, stops the
/// work with `tasks/cancel`, or follows `notifications/tasks` on a listen stream.
///
/// The engine checks the extension, the method's existence and the parameters; the provider
/// answers for its own tasks. Returning nil (or false) means "no such task for this caller",
/// which the client gets as −32602, exactly like an id that never existed.
public protocol TaskProvider: Sendable {
    /// The task as a `DetailedTask` object (`taskId`, `status`, timestamps, and `inputRequests`,
    /// `result` or `error` by status), or nil.
    func getTask(id: String, context: RequestContext) async throws -> JSONValue?
    /// Applies answers to the task's outstanding input requests (unknown keys are ignored);
    /// false when there is no such task.
    func updateTask(id: String, inputResponses: JSONObject, context: RequestContext) async throws -> Bool
    /// Asks the task to stop (cooperatively); false when there is no such task.
    func cancelTask(id: String, context: RequestContext) async throws -> Bool
}

/// The Tasks extension's identifier and the pieces of the engine that use it.
public enum TasksExtension {
    public static let id = "io.modelcontextprotocol/tasks"

    /// Whether the client declared the extension on this request.
    public static func isDeclared(in capabilities: JSONObject) -> Bool {
        capabilities["extensions"]?[id] != nil
    }

    /// The −32021 error for a client that did not declare the extension.
    static var missing: JSONValue { ["extensions": .object([id: .object([:])])] }
}
