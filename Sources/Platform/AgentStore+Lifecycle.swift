// AgentStore+Lifecycle: archive / unarchive (soft delete: the id stays taken, versions and
// sessions stay readable, the agent's credential references are dropped while archived) and
// pause / resume (stop or allow new runs). None of them creates a version. Each is idempotent:
// asking for the state the agent is already in writes nothing and records nothing.

import Storage

extension AgentStore {
    /// Archives agent `id`: hidden from default listings, no longer usable as a sub-agent or for
    /// new runs, its `credential_refs` removed. Needs `agents:write`.
    @discardableResult
    public func archive(caller: Caller, id: String) throws -> Agent {
        try transition(caller: caller, id: id, action: "agents.archive") { agent, now in
            guard !agent.isArchived else { return nil }
            return ("archived_at = ?", [.integer(now)], nil)
        }
    }

    /// Restores an archived agent (same version and status) and its `credential_refs`. Needs
    /// `agents:write`.
    @discardableResult
    public func unarchive(caller: Caller, id: String) throws -> Agent {
        try transition(caller: caller, id: id, action: "agents.unarchive") { agent, _ in
            guard agent.isArchived else { return nil }
            return ("archived_at = NULL", [], agent.spec)
        }
    }

    /// Pauses agent `id` so it starts no new runs. Archived agents cannot be paused. Needs
    /// `agents:write`.
    @discardableResult
    public func pause(caller: Caller, id: String) throws -> Agent {
        try transition(caller: caller, id: id, action: "agents.pause") { agent, _ in
            if agent.isArchived { throw PlatformError.conflict("agent \"\(id)\" is archived; unarchive it first") }
            guard agent.status != .paused else { return nil }
            return ("status = 'paused'", [], agent.spec)
        }
    }

    /// Resumes a paused agent. Archived agents cannot be resumed. Needs `agents:write`.
    @discardableResult
    public func resume(caller: Caller, id: String) throws -> Agent {
        try transition(caller: caller, id: id, action: "agents.resume") { agent, _ in
            if agent.isArchived { throw PlatformError.conflict("agent \"\(id)\" is archived; unarchive it first") }
            guard agent.status != .active else { return nil }
            return ("status = 'active'", [], agent.spec)
        }
    }

    /// Authorizes, then in one write transaction reads the agent and asks `change` for the SQL
    /// assignment to apply with its bound values (nil: already in that state, nothing written)
    /// and the spec whose credential references should remain (nil: none). Applies it, bumps
    /// `updated_at` and appends the audit record. Assignments are constant SQL text.
    private func transition(
        caller: Caller, id: String, action: String,
        _ change: (Agent, Int64) throws -> (assignment: String, values: [SQLValue], refs: AgentSpec?)?
    ) throws -> Agent {
        try authorize(caller, .writeAgents, id: id)
        let now = clock.nowMilliseconds()
        let workspace = caller.workspaceID
        return try database.write { connection in
            try connection.transaction { connection in
                guard let agent = try Self.agent(connection, workspace: workspace, id: id) else {
                    throw PlatformError.notFound(kind: .agent, id: id)
                }
                guard let (assignment, values, refs) = try change(agent, now) else { return agent }
                try connection.execute(
                    "UPDATE agents SET \(assignment), updated_at = ? WHERE workspace_id = ? AND id = ?",
                    values + [.integer(now), .text(workspace), .text(id)])
                try Self.writeCredentialRefs(connection, workspace: workspace, id: id, spec: refs)
                try AuditLog.append(
                    AuditEntry(action: action, targetKind: .agent, targetID: id, detail: ["version": .int(Int64(agent.version))]),
                    caller: caller, at: now, in: connection)
                guard let updated = try Self.agent(connection, workspace: workspace, id: id) else {
                    throw PlatformError.notFound(kind: .agent, id: id)
                }
                return updated
            }
        }
    }
}
