// RunDriver+SubAgent: a call to `agent__<id>` runs the sub-agent as a child run. The child lives
// in a session of the sub-agent found by the reference `subagent:<parent run>:<agent>`, so the
// sub-agent remembers earlier questions of the same parent run (history) and a restarted parent
// finds the same session. The child's input names its parent call and its depth; a resumed
// parent looks the child up by that call id and continues it instead of starting another. The
// child inherits the parent's variables and trigger, and its answer (or failure) is the tool's
// result. A child waiting for approvals under `returnWhenPaused` pauses the parent's caller too.

import JSON
import Models
import Platform

extension RunDriver {
    func callSubAgent(
        _ call: ModelToolCall, agentID: String, arguments: JSONObject, parent: Run, setup: RunSetup
    ) async throws -> [Approval] {
        if setup.journal.transcript.attempts[call.id, default: 0] == 0 {
            try setup.journal.append(.toolCall, [
                "tool_call_id": .string(call.id), "name": .string(call.name), "arguments": .object(arguments), "target": "agent",
                "agent_id": .string(agentID), "attempt": 1,
            ])
        }
        guard let message = arguments["message"]?.stringValue, !message.isEmpty else {
            try record(call, in: setup, content: "\(call.name) needs a non-empty \"message\" string", isError: true)
            return []
        }
        let child: Run
        do {
            child = try childRun(for: call, agentID: agentID, message: message, parent: parent, setup: setup)
        } catch {
            try record(call, in: setup, content: "agent \(agentID) could not start: \(error)", isError: true)
            return []
        }
        adopt(child: child.id)
        let outcome = await runtime.drive(child, policy: policy, recovering: child.status == .running)
        let extra: JSONObject = ["child_run_id": .string(child.id)]
        switch outcome {
        case .completed(let done):
            let text = done.output?["text"]?.stringValue ?? done.output.map { JSONWriter.string($0) } ?? ""
            try record(call, in: setup, content: ToolResultText.cut(text), isError: false, extra: extra)
        case .failed(let failed):
            try record(call, in: setup, content: "agent \(agentID) failed: \(failed.error ?? "unknown reason")", isError: true, extra: extra)
        case .cancelled(let cancelled):
            try record(
                call, in: setup, content: "agent \(agentID)'s run was cancelled\(cancelled.error.map { " (\($0))" } ?? "")",
                isError: true, extra: extra)
        case .paused(_, let approvals):
            return approvals
        case .interrupted:
            throw CancellationError()
        case .busy(let busy):
            throw RuntimeError.internal("sub-agent run \(busy.id) is driven by another process")
        }
        return []
    }

    /// The child run answering `call`: the one a previous attempt started, else a new one.
    private func childRun(for call: ModelToolCall, agentID: String, message: String, parent: Run, setup: RunSetup) throws -> Run {
        let caller = Caller.local(.runtime, workspace: parent.workspaceID)
        let session = try runtime.sessions.resolve(
            caller: caller, agentID: agentID, sessionReference: "subagent:\(parent.id):\(agentID)").session
        let existing = try runtime.runs.list(caller: caller, sessionID: session.id, limit: 200).first { run in
            guard let link = RunInput(stored: run.input)?.parent else { return false }
            return link.runID == parent.id && link.toolCallID == call.id
        }
        if let existing { return existing }
        let input = try RunInput(
            message: message, variables: setup.input.variables,
            parent: RunInput.Parent(runID: parent.id, toolCallID: call.id, depth: setup.input.depth + 1))
        return try runtime.runs.create(caller: caller, sessionID: session.id, trigger: parent.trigger, input: input.json)
    }
}
