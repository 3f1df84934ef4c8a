// Runs as tasks (the Tasks extension, `io.modelcontextprotocol/tasks`, 2026 only). A client that
// declares the extension on its `tools/call` of `run_agent` or `ask_<agent>` gets a
// `CreateTaskResult` as soon as the run exists, instead of a request held open for the run's
// whole life: the task id is the run id, `tasks/get` reads the run, `tasks/update` answers its
// approvals (the same questions and keys `RunFollower` asks through elicitation), `tasks/cancel`
// cancels it, and `notifications/tasks` reaches listen streams that named the task. Runs are
// durable, so a task survives a server restart (recovery resumes the run).
//
// Status mapping: queued/running → working; paused with pending approvals → input_required
// (with the questions); completed → completed with the CallToolResult; a failed run → completed
// with an `isError` result (the failure is the tool's answer, not a protocol error); cancelled →
// cancelled.

import Bridge
import Foundation
import JSON
import MCP
import MCPServer
import Platform
import Runtime
import Storage

extension PlatformCatalog: TaskProvider {
    /// How often a client should poll `tasks/get`.
    static let pollIntervalMs: Int64 = 1000

    public func getTask(id: String, context: RequestContext) async throws -> JSONValue? {
        guard let caller = caller(context).map(Self.runReader), let run = try? RunStore(database: database).get(caller: caller, id: id) else { return nil }
        return try Self.task(for: run, database: database)
    }

    public func updateTask(id: String, inputResponses: JSONObject, context: RequestContext) async throws -> Bool {
        guard let caller = caller(context).map(Self.runReader), let runtime, (try? RunStore(database: database).get(caller: caller, id: id)) != nil else { return false }
        try RunFollower.decide(id, answers: inputResponses, runtime: runtime, database: database, caller: caller)
        return true
    }

    public func cancelTask(id: String, context: RequestContext) async throws -> Bool {
        guard let caller = caller(context).map(Self.runReader), let runtime, let run = try? RunStore(database: database).get(caller: caller, id: id) else { return false }
        if !run.status.isTerminal { _ = try runtime.cancel(caller: caller, runID: id, reason: "cancelled through tasks/cancel") }
        return true
    }

    /// The `DetailedTask` of `run`.
    static func task(for run: Run, database: Database) throws -> JSONValue {
        var task: JSONObject = [
            "taskId": .string(run.id),
            "createdAt": .string(isoTime(run.createdAt)),
            "lastUpdatedAt": .string(isoTime(run.finishedAt ?? run.startedAt ?? run.createdAt)),
            "ttlMs": .null,
            "pollIntervalMs": .int(pollIntervalMs),
        ]
        switch run.status {
        case .queued, .running, .paused:
            let pending = try ApprovalStore(database: database).pending(runID: run.id)
            if pending.isEmpty {
                task["status"] = "working"
                task["statusMessage"] = .string(run.status == .queued ? "queued" : "working (step \(run.steps))")
            } else {
                task["status"] = "input_required"
                task["statusMessage"] = .string("waiting for approval of " + pending.map(\.toolName).joined(separator: ", "))
                var requests = JSONObject()
                for approval in pending {
                    let (key, request) = ApprovalQuestion.question(approval)
                    requests[key] = request.json
                }
                task["inputRequests"] = .object(requests)
            }
        case .completed, .failed:
            task["status"] = "completed"
            if let error = run.error { task["statusMessage"] = .string("the run failed: \(error)") }
            task["result"] = RunFollower.result(of: run).json
        case .cancelled:
            task["status"] = "cancelled"
            if let error = run.error { task["statusMessage"] = .string(error) }
        }
        return .object(task)
    }

    /// The `CreateTaskResult` for a run just created.
    static func createTaskResult(for run: Run, database: Database) throws -> JSONValue {
        guard case .object(var task) = try task(for: run, database: database) else { return .null }
        for key in ["inputRequests", "result", "error"] { task[key] = nil }
        task["resultType"] = "task"
        return .object(task)
    }

    /// Publishes the task's state on every step of the run until it ends, for listen streams
    /// that asked for `notifications/tasks`.
    static func watch(_ run: Run, runtime: AgentRuntime, database: Database, caller: Caller, changed: @escaping @Sendable ([ServerEvent]) -> Void) {
        Task {
            var last: JSONValue?
            do {
                for try await event in runtime.events(caller: caller, runID: run.id) where event.type != .messageDelta {
                    guard let current = try? RunStore(database: database).get(caller: caller, id: run.id),
                          let task = try? Self.task(for: current, database: database) else { continue }
                    // Only real changes: status, message or answer (not every timestamp read).
                    var comparable = task.objectValue ?? [:]
                    comparable["lastUpdatedAt"] = nil
                    if last != .object(comparable) {
                        last = .object(comparable)
                        changed([.taskChanged(id: run.id, task: task)] + runEvents(runID: run.id, sessionID: run.sessionID))
                    }
                }
            } catch {
                return
            }
        }
    }

    /// ISO 8601 with milliseconds, UTC, from Unix milliseconds.
    static func isoTime(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
