// ManifestApplier: `agentbridge apply` — validates a set of parsed manifest files as a whole and
// then writes them through the stores, idempotently.
//
// Everything that can be checked is checked before the first write, so an invalid set changes
// nothing: ids defined twice across files, references (binding servers, sub-agents, model
// providers, `${credential:…}`) that resolve neither within the set nor in the database, archived
// agents, and credentials whose environment variable is unset. Then writes go in dependency
// order — credentials, model providers, upstream servers, agents (sub-agents before the agents
// that use them) — each through its store, so every change is authorized and audited. A spec
// equal to the stored one is "unchanged" and writes nothing; a second apply of the same files
// reports no changes.

import Hashing
import JSON
import Storage

/// One line of the apply report.
public struct ManifestChange: Sendable, Hashable, CustomStringConvertible {
    public let section: String
    public let id: String
    public let change: StoreChange
    /// Extra words, e.g. "version 3 → 4".
    public let note: String?

    public var description: String {
        "\(change.rawValue.padding(9)) \(section).\(id)" + (note.map { " (\($0))" } ?? "")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

/// Plans and applies manifests.
public struct ManifestApplier: Sendable {
    private let database: Database
    private let clock: WallClock
    private let masterKey: [UInt8]

    public init(database: Database, masterKey: [UInt8], clock: WallClock = .system) {
        self.database = database
        self.masterKey = masterKey
        self.clock = clock
    }

    /// Validates `documents` together against the database; throws `ManifestSetError` listing
    /// every problem (nothing is written).
    public func validate(_ documents: [ManifestDocument], caller: Caller, environment: [String: String]) throws {
        var problems: [String] = []
        var origin: [String: String] = [:]  // "section.id" → file
        func define(_ section: String, _ id: String, _ file: String) {
            let key = "\(section).\(id)"
            if let first = origin[key] {
                problems.append("\(file): $.\(section).\(id): also defined in \(first); an id may be defined once")
            } else {
                origin[key] = file
            }
        }
        for document in documents {
            for entry in document.credentials { define("credentials", entry.id, document.file) }
            for entry in document.modelProviders { define("model_providers", entry.id, document.file) }
            for entry in document.upstreamServers { define("upstream_servers", entry.id, document.file) }
            for entry in document.agents { define("agents", entry.id, document.file) }
        }
        let existing = try database.read { connection -> ExistingIDs in
            let workspace: [SQLValue] = [.text(caller.workspaceID)]
            return ExistingIDs(
                servers: Set(try connection.query("SELECT id FROM upstream_servers WHERE workspace_id = ?", workspace).map { try $0.string("id") }),
                providers: Set(try connection.query("SELECT id FROM model_providers WHERE workspace_id = ?", workspace).map { try $0.string("id") }),
                credentials: Set(try connection.query("SELECT name FROM credentials WHERE workspace_id = ?", workspace).map { try $0.string("name") }),
                liveAgents: Set(try connection.query("SELECT id FROM agents WHERE workspace_id = ? AND archived_at IS NULL", workspace).map { try $0.string("id") }),
                archivedAgents: Set(try connection.query("SELECT id FROM agents WHERE workspace_id = ? AND archived_at IS NOT NULL", workspace).map { try $0.string("id") }))
        }
        for document in documents {
            for (id, credential) in document.credentials {
                if (environment[credential.environmentVariable] ?? "").isEmpty {
                    problems.append("\(document.file): $.credentials.\(id).from_env: environment variable \(credential.environmentVariable) is not set")
                }
            }
            for (id, spec) in document.upstreamServers {
                if let problem = UpstreamServer.idProblem(id) {
                    problems.append("\(document.file): $.upstream_servers.\(id): id \(problem)")
                }
                for name in spec.credentialNames where origin["credentials.\(name)"] == nil && !existing.credentials.contains(name) {
                    problems.append("\(document.file): $.upstream_servers.\(id): references credential \"\(name)\", which is not defined (add it under credentials, or run agentbridge credentials set \(name))")
                }
            }
            for (id, spec) in document.agents {
                let path = "\(document.file): $.agents.\(id)"
                if existing.archivedAgents.contains(id) {
                    problems.append("\(path): agent \"\(id)\" is archived; unarchive it before applying changes")
                }
                let references = Self.references(of: spec)
                if let provider = references.provider, provider != ModelProvider.builtInScriptedID,
                   origin["model_providers.\(provider)"] == nil, !existing.providers.contains(provider) {
                    problems.append("\(path).model: model provider \"\(provider)\" is not defined (define it under model_providers, or use scripted/…)")
                }
                for (index, server) in references.servers.enumerated() where origin["upstream_servers.\(server)"] == nil && !existing.servers.contains(server) {
                    problems.append("\(path).bindings[\(index)].server: upstream server \"\(server)\" is not defined")
                }
                for (index, binding) in spec.bindings.enumerated() {
                    if let clash = spec.subAgentClash(binding: binding) { problems.append("\(path).bindings[\(index)].server: \(clash)") }
                }
                for (index, agent) in references.subAgents.enumerated() where origin["agents.\(agent)"] == nil && !existing.liveAgents.contains(agent) {
                    problems.append("\(path).sub_agents[\(index)]: agent \"\(agent)\" is not defined")
                }
                for name in references.credentials where origin["credentials.\(name)"] == nil && !existing.credentials.contains(name) {
                    problems.append("\(path): references credential \"\(name)\", which is not defined (add it under credentials, or run agentbridge credentials set \(name))")
                }
            }
        }
        if let cycle = Self.subAgentCycle(documents.flatMap(\.agents)) {
            problems.append("agents: sub_agents form a cycle: \(cycle.joined(separator: " → "))")
        }
        if !problems.isEmpty { throw ManifestSetError(problems: problems) }
    }

    /// Validates, then applies `documents`; returns one change per defined object.
    public func apply(_ documents: [ManifestDocument], caller: Caller, environment: [String: String]) throws -> [ManifestChange] {
        try validate(documents, caller: caller, environment: environment)
        var changes: [ManifestChange] = []
        let credentials = try CredentialStore(database: database, clock: clock, masterKey: masterKey)
        for document in documents {
            for (id, credential) in document.credentials {
                let value = environment[credential.environmentVariable] ?? ""
                let current = try credentials.secret(workspace: caller.workspaceID, name: id)
                if let current, ConstantTime.equals(Array(current.utf8), Array(value.utf8)),
                   try credentials.get(caller: caller, name: id).kind == credential.kind {
                    changes.append(ManifestChange(section: "credentials", id: id, change: .unchanged, note: nil))
                    continue
                }
                let created = try credentials.set(caller: caller, name: id, kind: credential.kind, secret: value).created
                changes.append(ManifestChange(section: "credentials", id: id, change: created ? .created : .updated, note: created ? nil : "rotated"))
            }
        }
        let providers = ModelProviderStore(database: database, clock: clock)
        for document in documents {
            for (id, spec) in document.modelProviders {
                let change = try providers.put(caller: caller, id: id, spec: spec).change
                changes.append(ManifestChange(section: "model_providers", id: id, change: change, note: nil))
            }
        }
        let servers = UpstreamServerStore(database: database, clock: clock)
        for document in documents {
            for (id, spec) in document.upstreamServers {
                if try exists("upstream_servers", id, caller) {
                    let changed = try servers.update(caller: caller, id: id, spec: spec).changed
                    changes.append(ManifestChange(section: "upstream_servers", id: id, change: changed ? .updated : .unchanged, note: nil))
                } else {
                    _ = try servers.create(caller: caller, id: id, spec: spec)
                    changes.append(ManifestChange(section: "upstream_servers", id: id, change: .created, note: nil))
                }
            }
        }
        let agents = AgentStore(database: database, clock: clock)
        for (id, spec) in Self.dependencyOrder(documents.flatMap(\.agents)) {
            if try exists("agents", id, caller) {
                let before = try agents.get(caller: caller, id: id).version
                let (agent, changed) = try agents.update(caller: caller, id: id, spec: spec)
                changes.append(ManifestChange(
                    section: "agents", id: id, change: changed ? .updated : .unchanged,
                    note: changed ? "version \(before) → \(agent.version)" : "version \(agent.version)"))
            } else {
                _ = try agents.create(caller: caller, id: id, spec: spec)
                changes.append(ManifestChange(section: "agents", id: id, change: .created, note: "version 1"))
            }
        }
        return changes
    }

    private func exists(_ table: String, _ id: String, _ caller: Caller) throws -> Bool {
        let sql = table == "agents"
            ? "SELECT 1 AS present FROM agents WHERE workspace_id = ? AND id = ?"
            : "SELECT 1 AS present FROM upstream_servers WHERE workspace_id = ? AND id = ?"
        return try database.read { try $0.queryOne(sql, [.text(caller.workspaceID), .text(id)]) != nil }
    }

    private struct ExistingIDs: Sendable {
        var servers: Set<String>
        var providers: Set<String>
        var credentials: Set<String>
        var liveAgents: Set<String>
        var archivedAgents: Set<String>
    }

    /// What an agent spec points at.
    static func references(of spec: AgentSpec) -> (provider: String?, servers: [String], subAgents: [String], credentials: [String]) {
        (spec.provider, spec.bindings.map(\.server), spec.subAgents, spec.credentialNames)
    }

    /// Agents ordered so that each comes after the sub-agents it names (when they are in the set).
    static func dependencyOrder(_ agents: [(id: String, spec: AgentSpec)]) -> [(id: String, spec: AgentSpec)] {
        let byID = Dictionary(agents.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var done: Set<String> = []
        var ordered: [(id: String, spec: AgentSpec)] = []
        func visit(_ id: String, _ trail: Set<String>) {
            guard !done.contains(id), !trail.contains(id), let entry = byID[id] else { return }
            for sub in references(of: entry.spec).subAgents { visit(sub, trail.union([id])) }
            if done.insert(id).inserted { ordered.append(entry) }
        }
        for entry in agents { visit(entry.id, []) }
        return ordered
    }

    /// A sub-agent cycle within the set, if any.
    static func subAgentCycle(_ agents: [(id: String, spec: AgentSpec)]) -> [String]? {
        let edges = Dictionary(agents.map { ($0.id, references(of: $0.spec).subAgents) }, uniquingKeysWith: { first, _ in first })
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ id: String) -> [String]? {
            if state[id] == 2 { return nil }
            if state[id] == 1 { return Array(stack.drop { $0 != id }) + [id] }
            state[id] = 1
            stack.append(id)
            for next in edges[id] ?? [] where edges[next] != nil {
                if let cycle = visit(next) { return cycle }
            }
            stack.removeLast()
            state[id] = 2
            return nil
        }
        for entry in agents.sorted(by: { $0.id < $1.id }) {
            if let cycle = visit(entry.id) { return cycle }
        }
        return nil
    }
}

/// Problems found across a set of manifests.
public struct ManifestSetError: Error, Sendable, CustomStringConvertible {
    public let problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}
