// RunDriver+Tools: settling the tool calls of one model turn. Each round looks at the calls still
// without a result and at the run's approvals, records what can be decided at once (unknown
// tools, rejections), creates the approvals `request_confirmation` tools need, and executes every
// call that may run — concurrently, in one task group. When only undecided approvals remain the
// run pauses and waits on its session's signal: a decision in this process fires it at once, one
// made elsewhere is seen at the ticker's next round, and an expiry (the ticker expires due
// approvals while a run waits) fails the run. A person's rejection is told to the model; an
// approval with edited arguments executes and records the edited arguments.

import Bridge
import JSON
import Models
import Platform

extension RunDriver {
    /// How a settling round ended.
    enum Settlement: Sendable {
        /// Every call of the turn has a result.
        case done(Run)
        /// Waiting for these approvals (`returnWhenPaused` only).
        case paused(Run, [Approval])
    }

    /// One execution to perform.
    enum Job: Sendable {
        case upstream(ModelToolCall, ToolRoute, arguments: JSONObject, approval: Approval?)
        case subAgent(ModelToolCall, agentID: String, arguments: JSONObject)
    }

    func settle(_ turn: Transcript.Turn, run start: Run, setup: RunSetup, signal: ChangeSignal) async throws -> Settlement {
        let caller = Caller.local(.runtime, workspace: start.workspaceID)
        var run = start
        while true {
            try Task.checkCancellation()
            let generation = signal.generation
            let transcript = setup.journal.transcript
            let open = transcript.unresolved(turn)
            run = try runtime.runs.get(caller: caller, id: run.id)
            if open.isEmpty {
                if run.status == .paused {
                    run = try runtime.runs.markRunning(id: run.id)
                    setup.journal.announce()
                }
                return .done(run)
            }
            let approvals = try currentApprovals(of: run, caller: caller)
            var jobs: [Job] = []
            var waiting: [Approval] = []
            for call in open {
                guard let arguments = call.input.objectValue else {
                    try record(call, in: setup, content: "the arguments of \(call.name) must be a JSON object", isError: true, extra: ["refused": true])
                    continue
                }
                switch await setup.tools.target(for: call.name) {
                case .refused(let reason):
                    try record(call, in: setup, content: reason, isError: true, extra: ["refused": true])
                case .subAgent(let id):
                    jobs.append(.subAgent(call, agentID: id, arguments: arguments))
                case .upstream(let route):
                    guard route.runBehavior.value == .requestConfirmation else {
                        jobs.append(.upstream(call, route, arguments: arguments, approval: nil))
                        continue
                    }
                    guard let approval = approvals[call.id] else {
                        let expiry = runtime.clock.nowMilliseconds() + runtime.configuration.approvalTimeout.milliseconds
                        waiting.append(try runtime.approvals.create(
                            runID: run.id, toolCallID: call.id, serverID: route.binding.server, toolName: route.upstreamTool,
                            arguments: .object(arguments), expiresAt: expiry))
                        setup.journal.announce()
                        continue
                    }
                    switch approval.status {
                    case .pending:
                        waiting.append(approval)
                    case .approved where transcript.attempts[call.id, default: 0] > 0:
                        try record(
                            call, in: setup,
                            content: "This approved call was interrupted by a restart after it started; it may or may not have taken effect. It was not repeated: check its effect before calling it again.",
                            isError: true, extra: ["interrupted": true, "approval_id": .string(approval.id)])
                    case .approved:
                        let approved = (approval.approvedArguments ?? approval.arguments).objectValue ?? arguments
                        jobs.append(.upstream(call, route, arguments: approved, approval: approval))
                    case .rejected:
                        let because = approval.reason.map { " (reason: \($0))" } ?? ""
                        try record(
                            call, in: setup,
                            content: "The user rejected this call\(because); it was not executed. Do not try it again unless asked.",
                            isError: true, extra: ["rejected": true, "approval_id": .string(approval.id)])
                    case .expired:
                        throw RuntimeError.approvalExpired(approvalID: approval.id, tool: call.name)
                    }
                }
            }
            var childWaiting: [Approval] = []
            if !jobs.isEmpty {
                if run.status == .paused {
                    run = try runtime.runs.markRunning(id: run.id)
                    setup.journal.announce()
                }
                childWaiting = try await execute(jobs, run: run, setup: setup)
            }
            if !childWaiting.isEmpty { return .paused(run, waiting + childWaiting) }
            if !jobs.isEmpty || waiting.isEmpty { continue }
            if run.status == .running {
                run = try runtime.runs.markPaused(id: run.id)
                setup.journal.announce()
            }
            if policy == .returnWhenPaused { return .paused(run, waiting) }
            runtime.ticker.beginApprovalWait()
            await signal.wait(beyond: generation)
            runtime.ticker.endApprovalWait()
        }
    }

    /// The run's approvals by tool call id (the newest per call), after expiring any that are
    /// due — a decision that comes too late must not count.
    private func currentApprovals(of run: Run, caller: Caller) throws -> [String: Approval] {
        var all = try runtime.approvals.list(caller: caller, runID: run.id, limit: 200)
        let now = runtime.clock.nowMilliseconds()
        if all.contains(where: { $0.status == .pending && $0.expiresAt <= now }) {
            try runtime.approvals.expireDue()
            runtime.signals.fire(run.sessionID)
            all = try runtime.approvals.list(caller: caller, runID: run.id, limit: 200)
        }
        var byCall: [String: Approval] = [:]
        for approval in all.reversed() { byCall[approval.toolCallID] = approval }
        return byCall
    }

    /// Runs `jobs` concurrently; returns the approvals that paused sub-agents wait for.
    private func execute(_ jobs: [Job], run: Run, setup: RunSetup) async throws -> [Approval] {
        try await withThrowingTaskGroup(of: [Approval].self) { group in
            for job in jobs {
                group.addTask {
                    switch job {
                    case .upstream(let call, let route, let arguments, let approval):
                        try await self.callUpstream(call, route: route, arguments: arguments, approval: approval, run: run, setup: setup)
                        return []
                    case .subAgent(let call, let agentID, let arguments):
                        return try await self.callSubAgent(call, agentID: agentID, arguments: arguments, parent: run, setup: setup)
                    }
                }
            }
            var waiting: [Approval] = []
            for try await approvals in group { waiting += approvals }
            return waiting
        }
    }

    /// Records `tool.call`, calls the upstream through the governed path, records `tool.result`.
    private func callUpstream(
        _ call: ModelToolCall, route: ToolRoute, arguments: JSONObject, approval: Approval?, run: Run, setup: RunSetup
    ) async throws {
        let attempt = setup.journal.transcript.attempts[call.id, default: 0] + 1
        let edited = approval?.argumentsEdited ?? false
        var data: JSONObject = [
            "tool_call_id": .string(call.id), "name": .string(call.name), "arguments": .object(arguments), "target": "upstream",
            "server": .string(route.binding.server), "tool": .string(route.upstreamTool), "attempt": .int(Int64(attempt)),
        ]
        if attempt > 1 { data["retry"] = true }
        if let approval {
            data["approval_id"] = .string(approval.id)
            data["arguments_edited"] = .bool(edited)
        }
        try setup.journal.append(.toolCall, .object(data))
        var text: String
        var isError: Bool
        do {
            (text, isError) = ToolResultText.render(try await setup.tools.provider.execute(route, arguments: arguments))
        } catch {
            (text, isError) = ("\(call.name) could not reach upstream \(route.binding.server): \(error)", true)
        }
        if Task.isCancelled {
            // An error now is most likely the cancellation itself, not the tool's answer; a real
            // answer is kept when only this process is stopping (the run goes on elsewhere and
            // need not repeat the call), never appended after the run's own end.
            let current = try? runtime.runs.get(caller: .local(.runtime, workspace: run.workspaceID), id: run.id)
            if isError || current?.status.isTerminal != false {
                throw CancellationError()
            }
        }
        if edited {
            text = "A person approved this call with edited arguments \(JSONWriter.string(.object(arguments), sortKeys: true)).\n" + text
        }
        var extra: JSONObject = [:]
        if let approval { extra["approval_id"] = .string(approval.id) }
        try record(call, in: setup, content: text, isError: isError, extra: extra)
    }

    /// Appends the `tool.result` of `call`.
    func record(_ call: ModelToolCall, in setup: RunSetup, content: String, isError: Bool, extra: JSONObject = [:]) throws {
        var data: JSONObject = [
            "tool_call_id": .string(call.id), "name": .string(call.name), "content": .string(content), "is_error": .bool(isError),
        ]
        for (key, value) in extra { data[key] = value }
        try setup.journal.append(.toolResult, .object(data))
    }
}
