// RuntimeHarness: one platform database in a temporary directory, configured from a manifest, and
// an AgentRuntime over it with real upstream processes. Manifests name the test upstreams by
// placeholder: `$AGENTBRIDGE` (the built binary, for `reference-server`), `$PYTHON`,
// `$FIXTURE` (runtime_upstream.py), `$FIXTURE_LOG` (its log in this directory) and
// `$MCP_SERVER_TIME`. `close()` stops the runtime and every upstream child.

import Bridge
import Foundation
import JSON
import Models
import Platform
import Runtime
import Storage
import Synchronization

final class RuntimeHarness: Sendable {
    let directory = TemporaryDirectory()
    let database: Database
    let clock: TestClock?
    let registry: UpstreamRegistry
    let runtime: AgentRuntime
    let caller = Caller.local(.cli)

    /// - Parameters:
    ///   - clock: a hand-moved clock for the stores (nil: the system clock).
    ///   - configure: changes to the runtime configuration (poll interval, depth limit, …).
    init(
        manifest: String, clock: TestClock? = nil, models: any ModelClientFactory = StandardModelClientFactory(),
        environment: [String: String] = [:], configure: (inout RuntimeConfiguration) -> Void = { _ in }
    ) throws {
        let wall = clock.map { clock in WallClock { clock.milliseconds } } ?? .system
        self.clock = clock
        database = try PlatformSchema.open(path: directory.file("platform.sqlite"), clock: wall)
        let masterKey = [UInt8](repeating: 7, count: 32)
        let text = try Self.expand(manifest, directory: directory)
        let document = try ManifestDocument.parse(Array(text.utf8), file: "test.json")
        _ = try ManifestApplier(database: database, masterKey: masterKey, clock: wall)
            .apply([document], caller: .local(.manifest), environment: environment)
        let vault = try CredentialStore(database: database, clock: wall, masterKey: masterKey)
        registry = UpstreamRegistry(vault: vault, environment: ProcessInfo.processInfo.environment)
        var configuration = RuntimeConfiguration()
        configuration.pollInterval = .milliseconds(50)
        configuration.environment = environment
        configure(&configuration)
        runtime = AgentRuntime(database: database, registry: registry, vault: vault, models: models, configuration: configuration, clock: wall)
    }

    static func expand(_ manifest: String, directory: TemporaryDirectory) throws -> String {
        var text = manifest
        for (placeholder, value) in [
            ("$AGENTBRIDGE", try Paths.agentbridge()), ("$PYTHON", Paths.python), ("$FIXTURE_LOG", directory.file("fixture.log")),
            ("$FIXTURE", Paths.fixtureServer), ("$MCP_SERVER_TIME", Paths.mcpServerTime),
        ] {
            text = text.replacingOccurrences(of: placeholder, with: value)
        }
        return text
    }

    var fixtureLogPath: String { directory.file("fixture.log") }

    /// Starts a run of `agent` in a new session.
    func start(_ agent: String, _ message: String, variables: [String: String] = [:], session: SessionChoice? = nil) throws -> Run {
        try runtime.start(
            caller: caller, agentID: agent, message: message, session: session ?? .new(owner: "tester"), variables: variables,
            trigger: .api)
    }

    /// Starts and drives a run to its end (or pause).
    func run(_ agent: String, _ message: String, variables: [String: String] = [:], policy: PausePolicy = .waitForDecisions) async throws -> RunOutcome {
        let run = try start(agent, message, variables: variables)
        return try await runtime.drive(caller: caller, runID: run.id, policy: policy)
    }

    /// Every event of `runID`, oldest first.
    func events(_ runID: String) throws -> [Event] {
        try EventLog(database: database).read(caller: caller, runID: runID, after: 0, limit: EventLog.maxReadLimit)
    }

    func get(_ runID: String) throws -> Run { try RunStore(database: database).get(caller: caller, id: runID) }

    private let closed = Atomic<Bool>(false)

    /// Stops the runtime and the upstream children (once).
    func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await runtime.shutdown()
        await registry.stopAll()
    }

    /// Runs `body` with a harness and always closes it.
    static func with<T>(
        manifest: String, clock: TestClock? = nil, models: any ModelClientFactory = StandardModelClientFactory(),
        environment: [String: String] = [:], configure: (inout RuntimeConfiguration) -> Void = { _ in },
        _ body: (RuntimeHarness) async throws -> T
    ) async throws -> T {
        let harness = try RuntimeHarness(manifest: manifest, clock: clock, models: models, environment: environment, configure: configure)
        do {
            let result = try await body(harness)
            await harness.close()
            return result
        } catch {
            await harness.close()
            throw error
        }
    }
}

extension RunOutcome {
    /// The outcome's name, for expectations.
    var name: String {
        switch self {
        case .completed: "completed"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .paused: "paused"
        case .interrupted: "interrupted"
        case .busy: "busy"
        }
    }

    var text: String { run.output?["text"]?.stringValue ?? "" }
}

/// Manifests shared by several suites.
enum Manifests {
    /// `fixer`: every tool of the Python fixture, `record` only after approval.
    static let fixture = """
        {"upstream_servers": {"fix": {"transport": "stdio", "command": "$PYTHON", "args": ["$FIXTURE", "--log", "$FIXTURE_LOG"]}},
         "agents": {"fixer": {"name": "Fixer", "instructions": "Use the tools.", "model": "scripted/test",
           "bindings": [{"server": "fix", "allowed_tools": ["record", "meet", "hang", "flaky"],
                         "tools": {"record": {"run_behavior": "request_confirmation"}}}]}}}
        """

    /// `fixer`: every tool of the Python fixture without approvals.
    static let fixtureAuto = """
        {"upstream_servers": {"fix": {"transport": "stdio", "command": "$PYTHON", "args": ["$FIXTURE", "--log", "$FIXTURE_LOG"]}},
         "agents": {"fixer": {"name": "Fixer", "instructions": "Use the tools.", "model": "scripted/test",
           "bindings": [{"server": "fix", "allowed_tools": ["record", "meet", "hang", "flaky"]}]}}}
        """
}
