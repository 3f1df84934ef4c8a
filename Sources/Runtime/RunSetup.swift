// RunSetup: everything a driver needs that follows from the run's row — its input, the pinned
// agent version, the rendered instructions, the model client, the tool set, the session history
// and the replayed transcript. Built fresh each time a run is driven (start, resume after a
// pause, recovery after a crash); any part that cannot be built is the reason the run fails.

import Bridge
import JSON
import Models
import Platform

/// The prepared context of one run.
struct RunSetup: Sendable {
    let input: RunInput
    let spec: AgentSpec
    let system: String?
    let client: any ModelClient
    let tools: RunTools
    /// Earlier runs of the session (input, tool exchanges, answer), oldest first.
    let history: [ModelMessage]
    let journal: RunJournal

    static func prepare(_ run: Run, runtime: AgentRuntime) throws -> RunSetup {
        let caller = Caller.local(.runtime, workspace: run.workspaceID)
        guard let input = RunInput(stored: run.input) else {
            throw RuntimeError.unresumable("its input is not a message the runtime stored")
        }
        let spec: AgentSpec
        do {
            spec = try runtime.agents.version(caller: caller, id: run.agentID, version: Int(run.agentVersion)).spec
        } catch PlatformError.notFound {
            throw RuntimeError.unresumable("agent \(run.agentID) version \(run.agentVersion) no longer exists")
        }
        let rendered = spec.template.render(input.variables)
        if !rendered.missing.isEmpty { throw RuntimeError.missingVariables(rendered.missing) }
        let endpoint = try runtime.resolver.endpoint(for: spec, workspace: run.workspaceID)
        let client = try runtime.models.client(for: endpoint, agent: spec)

        var subAgents: [String: RunTools.SubAgent] = [:]
        for id in spec.subAgents {
            // A sub-agent that is gone or archived is simply not offered.
            guard let agent = try? runtime.agents.get(caller: caller, id: id), !agent.isArchived else { continue }
            let name = RunTools.toolName(forSubAgent: id)
            let about = agent.spec.description.map { ": \($0)" } ?? ""
            subAgents[name] = RunTools.SubAgent(
                id: id,
                tool: ModelTool(name: name, description: "Ask agent \(agent.spec.name)\(about)", inputSchema: RunTools.subAgentSchema))
        }
        let provider = AgentCatalogProvider(
            database: runtime.database, caller: caller, agentID: run.agentID, registry: runtime.registry, sessionID: run.sessionID,
            log: runtime.configuration.log)
        let tools = RunTools(
            spec: spec, provider: provider, subAgents: subAgents,
            atDepthLimit: input.depth >= runtime.configuration.maxSubAgentDepth, maxDepth: runtime.configuration.maxSubAgentDepth)

        let transcript = try Transcript(events: try runtime.allEvents(of: run))
        let journal = RunJournal(
            runID: run.id, sessionID: run.sessionID, log: runtime.log, signals: runtime.signals, transcript: transcript,
            committed: { [weak runtime] runID, sessionID, type in runtime?.eventCommitted(runID: runID, sessionID: sessionID, type: type) })
        return RunSetup(
            input: input, spec: spec, system: rendered.text.isEmpty ? nil : rendered.text, client: client, tools: tools,
            history: try history(of: run, runs: spec.historyRuns, runtime: runtime), journal: journal)
    }

    /// The last `count` completed runs of the session before `run`: each one's input, its model
    /// turns and tool results, and its answer. Failed and cancelled runs are left out, so the
    /// conversation keeps strictly alternating between user and assistant.
    static func history(of run: Run, runs count: Int, runtime: AgentRuntime) throws -> [ModelMessage] {
        guard count > 0 else { return [] }
        let caller = Caller.local(.runtime, workspace: run.workspaceID)
        let earlier = try runtime.runs.list(caller: caller, sessionID: run.sessionID, status: .completed, limit: min(200, count + 20))
            .filter { ($0.createdAt, $0.id) < (run.createdAt, run.id) }
            .prefix(count)
            .reversed()
        var messages: [ModelMessage] = []
        for previous in earlier {
            guard let input = RunInput(stored: previous.input) else { continue }
            messages.append(ModelMessage(role: .user, content: [.text(input.message)]))
            messages += try Transcript(events: runtime.allEvents(of: previous)).messages()
        }
        return messages
    }

    /// The request for the next model turn.
    func request(after transcript: Transcript) async throws -> ModelRequest {
        ModelRequest(
            model: spec.modelName, system: system,
            messages: history + [ModelMessage(role: .user, content: [.text(input.message)])] + transcript.messages(),
            tools: try await tools.list(), maxTokens: spec.settings.maxTokens, temperature: spec.settings.temperature)
    }
}
