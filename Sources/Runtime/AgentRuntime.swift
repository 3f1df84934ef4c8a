// AgentRuntime: runs agents. A run takes the agent at its session's pinned version, the session's
// recent history and the new input, and loops model → tools → model until the model answers,
// `max_steps` runs out, a person's approval expires, or someone cancels it. Every step is in the
// session's event log before the next begins (see RunDriver for the exact order and for how a
// crashed run resumes), so readers follow a run live or from any event on, and a restarted
// process picks unfinished runs up where the log ends.
//
// One process may drive many runs; several processes may share the database. A run is driven by
// exactly one process at a time (RunLease), and everything that changes a run from outside —
// cancellation, approval decisions — is noticed at once when made through this runtime and at
// the ticker's next round when made by another process (RuntimeTicker).

import Bridge
import JSON
import Models
import Platform
import Storage
import Synchronization

/// The agent runtime of one process.
public final class AgentRuntime: Sendable {
    let database: Database
    let clock: WallClock
    let configuration: RuntimeConfiguration
    let registry: UpstreamRegistry
    let models: any ModelClientFactory
    let resolver: ModelResolver
    let runs: RunStore
    let approvals: ApprovalStore
    let sessions: SessionStore
    let agents: AgentStore
    let log: EventLog
    let signals = SessionSignals()
    private let eventObservers = Mutex<[@Sendable (String, String, EventType) -> Void]>([])

    /// Calls `observer` with (run id, session id, event type) after each event a run driven by
    /// this runtime commits — for surfaces that announce changes (MCP `resources/updated`).
    public func observeCommittedEvents(_ observer: @escaping @Sendable (String, String, EventType) -> Void) {
        eventObservers.withLock { $0.append(observer) }
    }

    func eventCommitted(runID: String, sessionID: String, type: EventType) {
        for observer in eventObservers.withLock({ $0 }) { observer(runID, sessionID, type) }
    }
    let ticker: RuntimeTicker
    private let gate: AccessGate
    /// Where run leases live (nil for a database without a file: one process only).
    private let leaseDirectory: String?
    /// Drivers of this process by run id: how to cancel each at once.
    private let active = Mutex<[String: @Sendable () -> Void]>([:])
    /// Leases taken by `start` for the caller's `drive`, so no other process can adopt a run
    /// between its creation and its first step.
    private let reserved = Mutex<[String: RunLease]>([:])
    /// Runs driven in the background (`launch`, `recover`), stopped by `shutdown`.
    private let background = Mutex<(tasks: [String: Task<RunOutcome, Never>], closed: Bool)>(([:], false))
    private let supervisor = Mutex<Task<Void, Never>?>(nil)

    /// - Parameters:
    ///   - registry: the process's upstream connections (the runtime never stops them).
    ///   - vault: resolves model API keys stored as credentials (nil: such providers fail).
    ///   - models: makes model clients; `StandardModelClientFactory()` serves `scripted` only.
    public init(
        database: Database, registry: UpstreamRegistry, vault: CredentialStore?, models: any ModelClientFactory,
        configuration: RuntimeConfiguration = RuntimeConfiguration(), clock: WallClock = .system
    ) {
        self.database = database
        self.clock = clock
        self.configuration = configuration
        self.registry = registry
        self.models = models
        self.resolver = ModelResolver(database: database, vault: vault, environment: configuration.environment)
        self.runs = RunStore(database: database, clock: clock)
        self.approvals = ApprovalStore(database: database, clock: clock)
        self.sessions = SessionStore(database: database, clock: clock)
        self.agents = AgentStore(database: database, clock: clock)
        self.log = EventLog(database: database, clock: clock)
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
        self.ticker = RuntimeTicker(interval: configuration.pollInterval, runs: runs, approvals: approvals, signals: signals)
        let path = database.path
        self.leaseDirectory = path.isEmpty || path == ":memory:" || path.hasPrefix("file:") ? nil : RunLease.directory(forDatabase: path)
    }

    // MARK: - Starting and driving

    /// Creates a queued run of `agentID` with `message` in the chosen session. The instructions
    /// of the version the session pins must have every variable they use, or nothing is created
    /// (`invalid` at `$.variables`). Needs `runs:write`. Drive it with `drive` or `launch`.
    public func start(
        caller: Caller, agentID: String, message: String, session choice: SessionChoice, variables: [String: String] = [:],
        trigger: RunTrigger
    ) throws -> Run {
        let input = try RunInput(message: message, variables: variables)
        let internalCaller = Caller.local(.runtime, workspace: caller.workspaceID)
        // The version the run will use: the existing session's, or the agent's current one.
        let spec: AgentSpec
        if let id = choice.sessionID {
            let session = try sessions.get(caller: caller, id: id)
            spec = try agents.version(caller: internalCaller, id: session.agentID, version: Int(session.agentVersion)).spec
        } else {
            spec = try agents.get(caller: internalCaller, id: agentID).spec
        }
        let missing = spec.template.render(input.variables).missing
        if !missing.isEmpty { throw PlatformError.invalid("$.variables", RuntimeError.missingVariables(missing).description) }
        let session = try sessions.resolve(
            caller: caller, agentID: agentID, sessionID: choice.sessionID, sessionReference: choice.sessionReference,
            userReference: choice.userReference
        ).session
        let run = try runs.create(caller: caller, sessionID: session.id, trigger: trigger, input: input.json)
        if let leaseDirectory, let lease = try? RunLease.acquire(runID: run.id, in: leaseDirectory) {
            reserved.withLock { $0[run.id] = lease }
        }
        return run
    }

    /// Drives run `runID` in this task until it ends, or — with `.returnWhenPaused` — until it
    /// waits for approvals. A run driven elsewhere is `.busy`; a terminal run reports its end.
    /// Cancelling the calling task stops driving (the run stays unfinished, for recovery).
    /// Needs `runs:write`.
    public func drive(caller: Caller, runID: String, policy: PausePolicy = .waitForDecisions) async throws -> RunOutcome {
        let run = try runs.get(caller: caller, id: runID)
        try gate.check(caller, .writeRuns, run.objectRef)
        return await drive(run, policy: policy, recovering: false)
    }

    /// Drives run `runID` in the background until it ends (approvals are waited for); for
    /// surfaces that answer before the run finishes. Needs `runs:write`.
    public func launch(caller: Caller, runID: String) throws {
        let run = try runs.get(caller: caller, id: runID)
        try gate.check(caller, .writeRuns, run.objectRef)
        background(run, recovering: false, lease: nil)
    }

    /// Drives `run` under its lease (taken here unless given) with cancellation wired to the
    /// ticker and to `cancel`.
    func drive(_ run: Run, policy: PausePolicy, recovering: Bool, lease given: RunLease? = nil) async -> RunOutcome {
        guard !run.status.isTerminal else { return .settled(run) }
        guard claim(run.id) else {
            given?.release(runEnded: false)
            return .busy(run)
        }
        defer { active.withLock { _ = $0.removeValue(forKey: run.id) } }
        var lease = given ?? reserved.withLock { $0.removeValue(forKey: run.id) }
        if lease == nil, let leaseDirectory {
            do {
                lease = try RunLease.acquire(runID: run.id, in: leaseDirectory)
            } catch {
                configuration.log("agentbridge: run \(run.id): \(error)")
                return .interrupted(run)
            }
            if lease == nil { return .busy(run) }
        }
        var ended = false
        defer { lease?.release(runEnded: ended) }
        // Whoever held the lease before may have finished the run.
        let caller = Caller.local(.runtime, workspace: run.workspaceID)
        guard let current = try? runs.get(caller: caller, id: run.id) else { return .interrupted(run) }
        if current.status.isTerminal {
            ended = true
            return .settled(current)
        }
        let driver = RunDriver(runtime: self, policy: policy)
        let task = Task { await driver.drive(current, recovering: recovering) }
        active.withLock { $0[run.id] = { task.cancel() } }
        let token = ticker.watch(runID: run.id, workspaceID: run.workspaceID) { task.cancel() }
        defer { ticker.unwatch(token) }
        let outcome = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        ended = outcome.run.status.isTerminal
        return outcome
    }

    /// Marks `runID` as driven here; false when a driver of this process has it already.
    private func claim(_ runID: String) -> Bool {
        active.withLock { active in
            guard active[runID] == nil else { return false }
            active[runID] = {}
            return true
        }
    }

    private func background(_ run: Run, recovering: Bool, lease: RunLease?) {
        background.withLock { state in
            guard !state.closed, state.tasks[run.id] == nil else {
                lease?.release(runEnded: false)
                return
            }
            state.tasks[run.id] = Task {
                let outcome = await self.drive(run, policy: .waitForDecisions, recovering: recovering, lease: lease)
                _ = self.background.withLock { $0.tasks.removeValue(forKey: run.id) }
                return outcome
            }
        }
    }

    // MARK: - Changes from callers

    /// Cancels run `runID` (see `RunStore.cancel`) and stops its driver here at once: the model
    /// stream and the upstream call in flight are cancelled. Drivers in other processes notice
    /// at their next tick. Needs `runs:write`.
    @discardableResult
    public func cancel(caller: Caller, runID: String, reason: String? = nil) throws -> Run {
        let run = try runs.cancel(caller: caller, id: runID, reason: reason)
        active.withLock { $0[runID] }?()
        signals.fire(run.sessionID)
        return run
    }

    /// Decides approval `approvalID` (see `ApprovalStore.decide`) and wakes the run waiting for it
    /// here at once. Needs `approvals:write`.
    @discardableResult
    public func decide(caller: Caller, approvalID: String, approve: Bool, arguments: JSONValue? = nil, reason: String? = nil) throws -> Approval {
        let approval = try approvals.decide(caller: caller, id: approvalID, approve: approve, arguments: arguments, reason: reason)
        if let runID = approval.runID, let run = try? runs.get(caller: .local(.runtime, workspace: approval.workspaceID), id: runID) {
            signals.fire(run.sessionID)
        }
        return approval
    }

    // MARK: - Recovery

    /// Start-up recovery: every unfinished top-level run that no live process drives is resumed
    /// in the background from its last committed step (or failed with the reason it cannot be).
    /// Sub-agent runs are resumed by their parent; one whose parent already ended is failed.
    /// Returns the ids of the runs taken over.
    @discardableResult
    public func recover() -> [String] {
        let unfinished: [Run]
        do {
            unfinished = try runs.interrupted()
        } catch {
            configuration.log("agentbridge: cannot list unfinished runs: \(error)")
            return []
        }
        var adopted: [String] = []
        for run in unfinished where active.withLock({ $0[run.id] == nil }) {
            if let parent = RunInput(stored: run.input)?.parent {
                failOrphan(run, parentID: parent.runID)
                continue
            }
            var lease: RunLease?
            if let leaseDirectory {
                // Held: a live process drives it.
                guard let taken = try? RunLease.acquire(runID: run.id, in: leaseDirectory) else { continue }
                lease = taken
            }
            background(run, recovering: true, lease: lease)
            adopted.append(run.id)
        }
        if !adopted.isEmpty { configuration.log("agentbridge: resuming \(adopted.count) unfinished run(s): \(adopted.joined(separator: ", "))") }
        return adopted
    }

    /// Fails sub-agent run `run` whose parent `parentID` ended. A child whose parent is still
    /// unfinished is left alone: the parent's driver resumes it (taking its lease here, even
    /// briefly, could make that driver find it busy).
    private func failOrphan(_ run: Run, parentID: String) {
        let caller = Caller.local(.runtime, workspace: run.workspaceID)
        guard let parent = try? runs.get(caller: caller, id: parentID), parent.status.isTerminal else { return }
        var lease: RunLease?
        if let leaseDirectory {
            guard let taken = try? RunLease.acquire(runID: run.id, in: leaseDirectory) else { return }
            lease = taken
        }
        let failed = try? runs.markFailed(id: run.id, error: "its parent run \(parent.id) ended (\(parent.status.rawValue)) before it finished")
        if let failed { signals.fire(failed.sessionID) }
        lease?.release(runEnded: failed != nil)
    }

    /// Repeats `recover` every `interval` (a server adopts runs whose process went away, such as
    /// a CLI run that stopped at an approval), until `shutdown`.
    public func superviseOrphans(every interval: Duration) {
        supervisor.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self, !Task.isCancelled else { return }
                    self.recover()
                }
            }
        }
    }

    /// Stops every background driver (their runs stay unfinished, for the next `recover`) and
    /// the ticker.
    public func shutdown() async {
        supervisor.withLock { $0?.cancel() }
        let tasks = background.withLock { state -> [Task<RunOutcome, Never>] in
            state.closed = true
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.value }
        ticker.stop()
    }

    // MARK: - Reading

    /// Every event of `run`, oldest first.
    func allEvents(of run: Run) throws -> [Event] {
        let caller = Caller.local(.runtime, workspace: run.workspaceID)
        var events: [Event] = []
        while true {
            let page = try log.read(caller: caller, runID: run.id, after: events.last?.seq ?? 0, limit: EventLog.maxReadLimit)
            events += page
            if page.count < EventLog.maxReadLimit { return events }
        }
    }

    /// The events of run `runID` after seq `after`, then each new one as it is committed (by this
    /// process at once, by another at the next tick), ending after the run's terminal event.
    /// Readers that reconnect pass the last seq they saw. Needs `runs:read`.
    public func events(caller: Caller, runID: String, after: Int64 = 0) -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let run = try self.runs.get(caller: caller, id: runID)
                    let signal = self.signals.acquire(run.sessionID)
                    defer { self.signals.release(run.sessionID) }
                    self.ticker.ensureRunning()
                    var cursor = after
                    while !Task.isCancelled {
                        let generation = signal.generation
                        let page = try self.log.read(caller: caller, runID: runID, after: cursor, limit: EventLog.maxReadLimit)
                        for event in page {
                            continuation.yield(event)
                            cursor = event.seq
                            if event.type == .runCompleted || event.type == .runFailed || event.type == .runCancelled {
                                continuation.finish()
                                return
                            }
                        }
                        if page.count == EventLog.maxReadLimit { continue }
                        await signal.wait(beyond: generation)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Per-agent usage totals of the caller's workspace (see `UsageStore`). Needs `usage:read`.
    public func usage(caller: Caller, agentID: String? = nil) throws -> [AgentUsage] {
        try UsageStore(database: database, clock: clock).agentTotals(caller: caller, agentID: agentID)
    }
}
