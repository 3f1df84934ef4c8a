// RuntimeConfiguration: the runtime's knobs, with defaults for a server.

/// Settings of an `AgentRuntime`.
public struct RuntimeConfiguration: Sendable {
    /// Deepest sub-agent nesting: a top-level run is depth 0, its sub-agents' runs depth 1, …;
    /// a run at this depth is offered no sub-agent tools, so agents delegating to each other in a
    /// cycle stop here.
    public var maxSubAgentDepth = 3
    /// How long an approval stays pending before it expires (which fails its run).
    public var approvalTimeout: Duration = .seconds(3600)
    /// The ticker's interval: how soon cancellations and decisions made by other processes are
    /// noticed, and how often due approvals are expired while a run waits.
    public var pollInterval: Duration = .milliseconds(250)
    /// Our environment, for `api_key_env` of model providers.
    public var environment: [String: String] = [:]
    /// Where problems that are not a run's own failure are reported (upstream listing failures,
    /// recovery notes); never given secrets.
    public var log: @Sendable (String) -> Void = { _ in }

    public init() {}
}
