// RunFollower: how an MCP tool call waits for a run — `run_agent`, `ask_<agent>` — and brings
// its approvals to the person in the client.
//
// The run is launched in the background, so it outlives the request (a client that goes away or
// times out can find it with `get_run`). The follower reads the run's events as they are
// committed, turns them into progress notifications, and ends with the run's answer. When the
// run asks for an approval and the client can elicit, the approval is asked in the client: a
// 2026 request ends with `input_required`, whose sealed `requestState` carries the run id (so the
// retry follows the same run instead of starting another) — the engine binds it to the
// principal and the arguments and gives it an expiry — and each question's key carries the
// approval id and a digest of the exact arguments, so an answer can only decide the call it was
// shown (`ApprovalQuestion`). A handshake-era client gets `elicitation/create` within the same request. A client that
// cannot elicit gets a result saying the run is paused and naming the approvals to decide
// (`decide_approval`).

import Foundation
import Bridge
import JSON
import MCP
import MCPServer
import Platform
import Runtime
import Storage

struct RunFollower: Sendable {
    let runtime: AgentRuntime
    let database: Database
    let caller: Caller
    let context: RequestContext
    /// Announces that a run (and its session) changed, for resource subscribers.
    let touched: @Sendable (Run) -> Void

    /// The `requestState` member naming the run a retried request follows.
    static let stateKey = "run_id"

    /// Starts a run (or, on a retried request, picks up the one its sealed state names) and
    /// follows it to its answer, a pause the client cannot handle, or an approval to ask.
    func run(agentID: String, message: String, session: SessionChoice, variables: [String: String]) async throws -> ToolResult {
        let run: Run
        if let id = context.state?[Self.stateKey]?.stringValue {
            run = try RunStore(database: database).get(caller: caller, id: id)
        } else {
            run = try runtime.start(caller: caller, agentID: agentID, message: message, session: session, variables: variables, trigger: .mcp)
            try runtime.launch(caller: caller, runID: run.id)
            touched(run)
        }
        return try await follow(run.id)
    }

    func follow(_ runID: String) async throws -> ToolResult {
        try Self.decide(runID, answers: context.inputResponses, runtime: runtime, database: database, caller: caller)
        var steps = 0.0
        for try await event in runtime.events(caller: caller, runID: runID) {
            if let message = Self.progressMessage(event) {
                steps += 1
                context.progress(steps, message: message)
            }
            if event.type != .messageDelta, let run = try? RunStore(database: database).get(caller: caller, id: runID) { touched(run) }
            if event.type == .approvalRequested, let paused = try askForApprovals(runID) { return paused }
        }
        let run = try RunStore(database: database).get(caller: caller, id: runID)
        touched(run)
        return Self.result(of: run)
    }

    /// Decides the pending approvals of `runID` that `answers` (input responses, keyed as asked)
    /// answer; other keys are ignored.
    static func decide(_ runID: String, answers: JSONObject, runtime: AgentRuntime, database: Database, caller: Caller) throws {
        for approval in try ApprovalStore(database: database).pending(runID: runID) {
            guard let answer = answers[ApprovalQuestion.key(approval)] else { continue }
            let decision = try ApprovalQuestion.answer(answer)
            try runtime.decide(caller: caller, approvalID: approval.id, approve: decision.approve, arguments: decision.arguments, reason: decision.reason)
        }
    }

    /// Asks the client about every pending approval (throwing `InputRequired`), or returns the
    /// "paused" result for a client that cannot be asked.
    private func askForApprovals(_ runID: String) throws -> ToolResult? {
        let pending = try ApprovalStore(database: database).pending(runID: runID)
        guard !pending.isEmpty else { return nil }
        let canElicit = context.clientCapabilities["elicitation"] != nil
        guard canElicit else {
            let run = try RunStore(database: database).get(caller: caller, id: runID)
            let ids = pending.map(\.id).joined(separator: ", ")
            let text = "Run \(runID) is paused: it needs a human decision on \(pending.count == 1 ? "approval" : "approvals") \(ids) "
                + "(\(pending.map { "\($0.toolName) with \(JSONWriter.string($0.arguments, sortKeys: true))" }.joined(separator: "; "))). "
                + "Decide with decide_approval, then follow the run with get_run."
            return ToolResult(content: [.text(text)], structuredContent: ["run": run.json, "status": "paused", "approvals": .array(pending.map(\.json))])
        }
        _ = try context.inputs(pending.map(ApprovalQuestion.question), state: [Self.stateKey: .string(runID)])
        return nil
    }

    static func progressMessage(_ event: Event) -> String? {
        switch event.type {
        case .runStarted: "run started"
        case .toolCall: "calling \(event.data["name"]?.stringValue ?? "a tool")"
        case .toolResult: "\(event.data["name"]?.stringValue ?? "a tool") answered"
        case .approvalRequested: "waiting for approval of \(event.data["tool_name"]?.stringValue ?? "a tool call")"
        case .approvalResolved: "approval decided"
        case .messageCompleted: "model turn finished"
        default: nil
        }
    }

    /// The tool result for a run that has ended (or that this process stopped following).
    static func result(of run: Run) -> ToolResult {
        let text = run.output?["text"]?.stringValue
        switch run.status {
        case .completed:
            return ToolResult(content: [.text(text ?? "")], structuredContent: ["run": run.json, "status": "completed"])
        case .failed, .cancelled:
            return ToolResult(content: [.text("Run \(run.id) \(run.status.rawValue): \(run.error ?? "no reason recorded")")],
                              structuredContent: ["run": run.json, "status": .string(run.status.rawValue)], isError: true)
        case .queued, .running, .paused:
            return ToolResult(content: [.text("Run \(run.id) is \(run.status.rawValue); follow it with get_run.")],
                              structuredContent: ["run": run.json, "status": .string(run.status.rawValue)])
        }
    }
}
