// CallConfirmation: what a gateway call of a `request_confirmation` tool waits for — an approval
// record, decided by the person at the caller's client or by anyone allowed to decide approvals
// (the `decide_approval` MCP tool, `agentbridge approvals decide`), whichever comes first.
//
// The call creates a pending approval with the exact arguments. A client that can elicit is asked
// (`ApprovalQuestion`): a 2026 request ends with `input_required` and its sealed `requestState`
// names the approval, so the retry decides that approval instead of creating another; a
// handshake-era client gets `elicitation/create` within the request while the approval is
// watched, so a decision made elsewhere (or the expiry) ends the wait. A client that cannot
// elicit waits, with progress notifications naming the approval, until someone decides it or it
// expires. The approval record is the one truth: a decision made elsewhere first wins over a
// later answer in the client. Approved arguments — the proposal or a person's edit — are the
// arguments sent upstream, once: the approval is spent by the call it allowed, so a replayed
// retry is refused. A call cancelled while it waits withdraws its approval.

import JSON
import MCP
import MCPServer
import Platform
import Storage

/// Obtains the decision one gateway tool call needs.
struct CallConfirmation: Sendable {
    let store: ApprovalStore
    let clock: WallClock
    /// Who records the approvals (the gateway's own caller, in the audit log).
    let caller: Caller
    let agentID: String
    /// How long an approval waits for a decision before it expires (which denies the call).
    let timeout: Duration
    /// How often a waiting call re-reads its approval (decisions made in another process are
    /// seen only in the database).
    let pollInterval: Duration

    /// How the wait ended.
    enum Outcome: Sendable {
        /// Call the tool with these arguments (the approved ones).
        case approved(JSONObject, Approval)
        /// Do not call it; return this tool result.
        case refused(JSONValue)
    }

    /// The `requestState` member naming the approval a retried 2026 request decides.
    static let stateKey = "approval_id"

    /// Creates (or, on a retried request, finds) the approval of calling `route` with `arguments`
    /// and returns once it is decided.
    func confirm(_ route: ToolRoute, arguments: JSONObject, context: RequestContext) async throws -> Outcome {
        var approval: Approval
        if let id = context.state?[Self.stateKey]?.stringValue {
            // The sealed state is bound to this principal and these arguments by the engine.
            approval = try store.current(id: id)
        } else {
            // Where no runtime ticker runs (`stdio --agent`), abandoned approvals expire here.
            _ = try? store.expireDue()
            // A question asked with `input_required` cannot be answered after the retry window:
            // the approval lasts no longer, so nobody decides a call that can no longer happen.
            var lifetime = timeout
            if context.clientCapabilities["elicitation"] != nil, !context.canAskDirectly, let window = context.retryWindow {
                lifetime = min(lifetime, window)
            }
            approval = try store.createForCall(
                caller: caller, requester: context.principal, agentID: agentID, serverID: route.binding.server,
                toolName: route.upstreamTool, arguments: .object(arguments),
                expiresAt: clock.nowMilliseconds() + lifetime.milliseconds)
        }
        if approval.status == .pending, let answer = context.inputResponses[ApprovalQuestion.key(approval)] {
            approval = try decide(approval, answer: answer, context: context)
        }
        if approval.status == .pending {
            if context.clientCapabilities["elicitation"] == nil {
                approval = try await waitForDecision(approval, context: context)
            } else if context.canAskDirectly {
                approval = try await askWhileWaiting(approval, context: context)
            } else {
                _ = try context.inputs([ApprovalQuestion.question(approval)], state: [Self.stateKey: .string(approval.id)])
            }
        }
        let decided = outcome(approval, route: route, proposed: arguments)
        // One approval, one call: a retry replayed with the same sealed state finds it spent.
        if case .approved = decided, try !store.spend(id: approval.id) {
            return .refused(ToolResult.error(
                "\(route.exposedName) was not called again: approval \(approval.id) was already used by the call it approved; "
                    + "call the tool anew to ask for another approval").json)
        }
        return decided
    }

    /// Handshake era: asks the client (`elicitation/create`) while watching the approval, and
    /// returns whichever decides it first — the client's answer, or a decision made elsewhere
    /// (or the expiry), which cancels the question. A client that cannot answer (an error, a
    /// broken connection) leaves the approval to be decided elsewhere.
    private func askWhileWaiting(_ approval: Approval, context: RequestContext) async throws -> Approval {
        let question = ApprovalQuestion.question(approval).1
        return try await withThrowingTaskGroup(of: Approval?.self) { group in
            group.addTask {
                let answer: JSONValue
                do {
                    answer = try await context.ask(question)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    return nil
                }
                return try decide(approval, answer: answer, context: context)
            }
            group.addTask { try await waitForDecision(approval, context: context) }
            while let next = try await group.next() {
                if let decided = next {
                    group.cancelAll()
                    return decided
                }
            }
            return try store.current(id: approval.id)
        }
    }

    /// Records the client's answer as the requester's decision; a decision made elsewhere in the
    /// meantime (or the approval's expiry) stands instead.
    private func decide(_ approval: Approval, answer: JSONValue, context: RequestContext) throws -> Approval {
        let decision: ApprovalQuestion.Answer
        do {
            decision = try ApprovalQuestion.answer(answer)
        } catch let error as PlatformError {
            // Unusable edited arguments: the call is not made, and the approval says why.
            decision = .init(approve: false, arguments: nil, reason: "the edited arguments were not used: \(error)")
        }
        do {
            return try store.answer(
                caller: caller, requester: context.principal, id: approval.id, approve: decision.approve,
                arguments: decision.arguments, reason: decision.reason)
        } catch PlatformError.conflict {
            return try store.current(id: approval.id)
        }
    }

    /// Re-reads `approval` until it is decided or expires, reporting progress meanwhile.
    private func waitForDecision(_ approval: Approval, context: RequestContext) async throws -> Approval {
        var current = approval
        var reports = 0.0
        var nextReport = ContinuousClock.now
        do {
            while current.status == .pending {
                if ContinuousClock.now >= nextReport {
                    reports += 1
                    context.progress(reports, message: "waiting for approval \(current.id) of \(current.toolName): decide it with decide_approval "
                        + "or `agentbridge approvals decide \(current.id)`")
                    nextReport = .now + .seconds(15)
                }
                try await Task.sleep(for: pollInterval)
                if clock.nowMilliseconds() >= current.expiresAt { try store.expireDue() }
                current = try store.current(id: current.id)
            }
            return current
        } catch is CancellationError {
            try? store.withdraw(id: current.id, reason: "the call was cancelled while it waited")
            throw CancellationError()
        }
    }

    /// The outcome `approval`'s status gives.
    private func outcome(_ approval: Approval, route: ToolRoute, proposed: JSONObject) -> Outcome {
        switch approval.status {
        case .approved:
            return .approved((approval.approvedArguments ?? approval.arguments).objectValue ?? proposed, approval)
        case .rejected:
            let by = approval.decidedBy.map { " by \($0)" } ?? ""
            let because = approval.reason.map { " (\($0))" } ?? ""
            return .refused(ToolResult.error(
                "\(route.exposedName) was not approved: approval \(approval.id) was rejected\(by)\(because); the tool was not called").json)
        case .expired, .pending:
            let because = approval.reason.map { " (\($0))" } ?? ""
            return .refused(ToolResult.error(
                "\(route.exposedName) was not approved: approval \(approval.id) expired undecided\(because); the tool was not called").json)
        }
    }

    /// `result` (an upstream CallToolResult) marked with the approval it ran under; when the
    /// arguments were edited, a first text block says so and shows them, so the model knows
    /// what was actually called.
    static func annotate(_ result: JSONValue, approval: Approval, sent: JSONObject) -> JSONValue {
        guard case .object(var object) = result else { return result }
        let edited = approval.argumentsEdited
        if edited, case .array(let content)? = object["content"] {
            let note: JSONValue = [
                "type": "text",
                "text": .string("A person approved this call with edited arguments \(JSONWriter.string(.object(sent), sortKeys: true))."),
            ]
            object["content"] = .array([note] + content)
        }
        var meta = object["_meta"]?.objectValue ?? [:]
        meta["io.agentbridge/approval"] = ["id": .string(approval.id), "arguments_edited": .bool(edited)]
        object["_meta"] = .object(meta)
        return .object(object)
    }
}
