// RunDriver: takes one run from wherever its log says it is to an end or a pause.
//
// The loop: if the last model turn asked for tools, settle them (approvals, executions, results);
// otherwise call the model for the next turn. Every step is committed before the next begins, in
// this order: deltas as they stream, then the step's usage (`recordStep`: tokens spent count even
// if the turn is lost), then `message.completed` with the turn's text and tool calls; for each
// tool call `tool.call` before the upstream is called and `tool.result` after. What a crash can
// interrupt is therefore always visible in the log, and resuming is replaying it (Transcript):
//
// - a model turn without `message.completed` is asked again (its deltas stay in the log; the new
//   ones carry the same turn number, and `message.completed` is the authoritative text);
// - a `message.completed` with a final answer but no completion is completed;
// - a `tool.call` without `tool.result` of an `auto_run` tool is executed again, its new
//   `tool.call` marked `"retry": true` with the attempt number — the binding declared the tool
//   safe to run without a human, and a lost result would leave the model blind;
// - a `tool.call` without result of a human-approved call is NOT executed again: the person
//   approved one execution. The model is told the call was interrupted and may or may not have
//   taken effect (`tool.result` with `"interrupted": true`);
// - a sub-agent call continues the same child run (found by its parent call id), never a new one.
//
// The step count (`runs.steps`) includes turns lost in a crash, so `max_steps` is enforced on
// what was actually spent.

import JSON
import Models
import Platform
import Synchronization

/// Drives one run.
final class RunDriver: Sendable {
    let runtime: AgentRuntime
    let policy: PausePolicy
    /// Child runs this driver started or resumed (cancelled with it).
    private let children = Mutex<Set<String>>([])

    init(runtime: AgentRuntime, policy: PausePolicy) {
        self.runtime = runtime
        self.policy = policy
    }

    /// Drives `run` (already leased by the caller) and reports where it ended up.
    func drive(_ run: Run, recovering: Bool) async -> RunOutcome {
        do {
            let setup = try RunSetup.prepare(run, runtime: runtime)
            var current = run
            if current.status == .queued {
                current = try runtime.runs.markRunning(id: run.id)
                setup.journal.announce()
            } else if current.status == .running && recovering {
                try setup.journal.append(.runStarted, [
                    "resumed": true, "recovered": true, "agent_version": .int(run.agentVersion),
                ])
            }
            let signal = runtime.signals.acquire(run.sessionID)
            defer { runtime.signals.release(run.sessionID) }
            return try await loop(current, setup: setup, signal: signal)
        } catch {
            return await conclude(run, after: error)
        }
    }

    private func loop(_ start: Run, setup: RunSetup, signal: ChangeSignal) async throws -> RunOutcome {
        var run = start
        let maxSteps = setup.spec.maxSteps
        while true {
            try Task.checkCancellation()
            let transcript = setup.journal.transcript
            if let turn = transcript.lastTurn {
                if turn.calls.isEmpty {
                    // The model answered: complete the run (also what a restart does when it
                    // crashed between committing the answer and completing).
                    let done = try runtime.runs.markCompleted(
                        id: run.id, output: ["text": .string(turn.text), "stop_reason": .string(turn.stopReason)])
                    setup.journal.announce()
                    return .completed(done)
                }
                // Tools were asked for, but no model turn is left to read their results.
                if run.steps >= Int64(maxSteps) { throw RuntimeError.maxStepsReached(maxSteps) }
                if !transcript.unresolved(turn).isEmpty {
                    switch try await settle(turn, run: run, setup: setup, signal: signal) {
                    case .done(let settled):
                        run = settled
                        continue
                    case .paused(let paused, let approvals):
                        return .paused(paused, approvals: approvals)
                    }
                }
            }
            if run.steps >= Int64(maxSteps) { throw RuntimeError.maxStepsReached(maxSteps) }
            run = try await modelTurn(run, index: transcript.turns.count + 1, setup: setup)
        }
    }

    // MARK: - Model turns

    /// Streams one model turn into the log and commits it.
    private func modelTurn(_ run: Run, index: Int, setup: RunSetup) async throws -> Run {
        let request = try await setup.request(after: setup.journal.transcript)
        var text = ""
        var calls: [ModelToolCall] = []
        var stop = ModelStopReason.other
        var usage: ModelUsage?
        do {
            for try await event in setup.client.stream(request) {
                switch event {
                case .textDelta(let piece):
                    guard !piece.isEmpty else { continue }
                    text += piece
                    try setup.journal.append(.messageDelta, ["turn": .int(Int64(index)), "text": .string(piece)])
                case .toolCall(let call):
                    calls.append(call)
                case .finished(let reason, let reported):
                    stop = reason
                    usage = reported
                }
            }
        } catch let error as ModelError {
            throw RuntimeError.model(error.description)
        }
        try Task.checkCancellation()
        let used = Set(setup.journal.transcript.turns.flatMap(\.calls).map(\.id))
        var seen: Set<String> = []
        for call in calls where used.contains(call.id) || !seen.insert(call.id).inserted {
            throw RuntimeError.model("the model used tool call id \(call.id) twice")
        }
        let counted = try runtime.runs.recordStep(
            id: run.id, tokensIn: Int64(usage?.inputTokens ?? 0), tokensOut: Int64(usage?.outputTokens ?? 0))
        try setup.journal.append(.messageCompleted, [
            "turn": .int(Int64(index)), "text": .string(text),
            "tool_calls": .array(calls.map { ["id": .string($0.id), "name": .string($0.name), "arguments": $0.input] }),
            "stop_reason": .string(stop.rawValue),
            "usage": usage.map { ["input_tokens": .int(Int64($0.inputTokens)), "output_tokens": .int(Int64($0.outputTokens))] } ?? .null,
        ])
        return counted
    }

    // MARK: - Ending

    /// The outcome after `error` stopped the loop: a run that ended meanwhile reports that end
    /// (cancelled elsewhere: its children are cancelled too); a cancelled task leaves the run
    /// for recovery; anything else fails the run with the error as its reason.
    private func conclude(_ run: Run, after error: any Error) async -> RunOutcome {
        let caller = Caller.local(.runtime, workspace: run.workspaceID)
        let current = try? runtime.runs.get(caller: caller, id: run.id)
        if let current, current.status.isTerminal {
            if current.status == .cancelled { cancelChildren(of: current) }
            return .settled(current)
        }
        if error is CancellationError || Task.isCancelled { return .interrupted(current ?? run) }
        let reason = (error as? RuntimeError)?.description ?? "\(error)"
        do {
            let failed = try runtime.runs.markFailed(id: run.id, error: reason)
            runtime.signals.fire(run.sessionID)
            return .failed(failed)
        } catch {
            runtime.configuration.log("agentbridge: run \(run.id) failed (\(reason)) and could not be marked failed: \(error)")
            return .interrupted(current ?? run)
        }
    }

    /// Cancels the unfinished child runs of `run`, which was cancelled.
    private func cancelChildren(of run: Run) {
        let caller = Caller.local(.runtime, workspace: run.workspaceID)
        for id in children.withLock({ $0 }).sorted() {
            _ = try? runtime.cancel(caller: caller, runID: id, reason: "its parent run \(run.id) was cancelled")
        }
    }

    func adopt(child id: String) {
        _ = children.withLock { $0.insert(id) }
    }
}
