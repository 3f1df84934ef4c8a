// APIKeyStore: creates, authenticates, lists and revokes API keys.
//
// - The secret is `ab_` + base64url of 32 bytes from the system CSPRNG (256 bits, 46 characters),
//   returned once by `create`; the database keeps only its SHA-256 and a display prefix.
// - `authenticate` rejects malformed text before touching the database, then finds the row by
//   the hash itself (an indexed equality lookup on the UNIQUE `secret_hash`; the B-tree walk's
//   timing reveals only bits of a hash of a 256-bit secret, which is useless to an attacker) and
//   confirms it with `ConstantTime.equals`. Revocation and expiry are read from the row on every
//   call, so a revocation is effective for the very next request.
// - `last_used_at` is kept in memory and written at most once per key per `lastUsedInterval`
//   (plus `flushLastUsed()` on demand, e.g. at shutdown), not once per request.

import Hashing
import JSON
import Storage
import Synchronization

/// API key persistence and authentication.
public final class APIKeyStore: Sendable {
    /// The secret's fixed prefix.
    public static let secretPrefix = "ab_"
    /// Random bytes in a secret.
    public static let secretRandomByteCount = 32
    /// Total secret length: `ab_` + 43 base64url characters.
    public static let secretLength = 3 + 43

    private struct Usage {
        var pending: Int64?
        var lastWritten: Int64?
    }

    private let database: Database
    private let clock: WallClock
    private let lastUsedInterval: Int64
    private let usage = Mutex<[String: Usage]>([:])

    /// - Parameter lastUsedIntervalMilliseconds: the minimum time between two `last_used_at`
    ///   writes for one key (default one minute).
    public init(database: Database, clock: WallClock = .system, lastUsedIntervalMilliseconds: Int64 = 60_000) {
        self.database = database
        self.clock = clock
        self.lastUsedInterval = lastUsedIntervalMilliseconds
    }

    // MARK: - Create

    /// Creates a key and returns its metadata and the secret. The secret is not stored and cannot
    /// be shown again.
    public func create(
        workspace: String,
        name: String,
        scopes: Set<Scope>,
        agentIDs: Set<String>? = nil,
        expiresAt: Int64? = nil,
        rateLimitPerMinute: Int? = nil
    ) throws -> (key: APIKey, secret: String) {
        try create(workspace: workspace, name: name, scopes: scopes, agentIDs: agentIDs, expiresAt: expiresAt,
                   rateLimitPerMinute: rateLimitPerMinute, auditAs: nil)
    }

    /// `create` for a caller: needs `keys:write`, may not grant more than the caller holds
    /// (`Policy.mayGrant`), creates the key in the caller's workspace and audits it (name,
    /// scopes and agents; never the secret) in the same transaction.
    public func create(
        caller: Caller,
        name: String,
        scopes: Set<Scope>,
        agentIDs: Set<String>? = nil,
        expiresAt: Int64? = nil,
        rateLimitPerMinute: Int? = nil
    ) throws -> (key: APIKey, secret: String) {
        if case .deny(let denial) = Policy.mayGrant(caller.principal, scopes: scopes, agentIDs: agentIDs) {
            try AuditLog(database: database, clock: clock).record(
                AuditEntry(action: "keys.create", targetKind: .apiKey, outcome: .denied, detail: ["reason": .string(denial.description)]),
                caller: caller)
            switch denial {
            case .missingScope(let scope): throw PlatformError.forbidden(scope)
            case .notFound: throw PlatformError.conflict("a key restricted to some agents can only create keys restricted to a subset of them")
            }
        }
        return try create(
            workspace: caller.workspaceID, name: name, scopes: scopes, agentIDs: agentIDs, expiresAt: expiresAt,
            rateLimitPerMinute: rateLimitPerMinute, auditAs: caller)
    }

    private func create(
        workspace: String,
        name: String,
        scopes: Set<Scope>,
        agentIDs: Set<String>?,
        expiresAt: Int64?,
        rateLimitPerMinute: Int?,
        auditAs caller: Caller?
    ) throws -> (key: APIKey, secret: String) {
        if let rateLimitPerMinute, !(1...1_000_000).contains(rateLimitPerMinute) {
            throw APIKeyError.invalidRateLimit(rateLimitPerMinute)
        }
        if let problem = Identifier.nameProblem(name) { throw APIKeyError.invalidName(problem) }
        guard !scopes.isEmpty else { throw APIKeyError.noScopes }
        if let agentIDs {
            guard !agentIDs.isEmpty else { throw APIKeyError.emptyAgentRestriction }
            for id in agentIDs.sorted() where !Identifier.isSlug(id) { throw APIKeyError.invalidAgentID(id) }
        }
        let now = clock.nowMilliseconds()
        if let expiresAt, expiresAt <= now { throw APIKeyError.expiryNotInFuture(expiresAt: expiresAt, now: now) }

        let random = Base64URL.encode(SecureRandom.bytes(Self.secretRandomByteCount))
        let secret = Self.secretPrefix + random
        let key = APIKey(
            id: "key_" + Base64URL.encode(SecureRandom.bytes(12)),
            workspaceID: workspace,
            name: name,
            prefix: Self.secretPrefix + String(random.prefix(6)),
            scopes: scopes,
            agentIDs: agentIDs,
            expiresAt: expiresAt,
            createdAt: now,
            lastUsedAt: nil,
            revokedAt: nil,
            rateLimitPerMinute: rateLimitPerMinute)
        let hash = SHA256.hash(secret)
        try database.write { connection in
            try connection.transaction { connection in
                guard try connection.queryOne("SELECT 1 AS present FROM workspaces WHERE id = ?", [.text(workspace)]) != nil
                else { throw APIKeyError.workspaceNotFound(workspace) }
                try connection.execute(
                    """
                    INSERT INTO api_keys
                        (id, workspace_id, name, prefix, secret_hash, scopes, agent_ids, expires_at, created_at, rate_limit_per_minute)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(key.id), .text(workspace), .text(name), .text(key.prefix), .blob(hash),
                        .text(Scope.format(scopes)), .optionalText(agentIDs.map(Self.formatAgents)),
                        .optionalInteger(expiresAt), .integer(now), .optionalInteger(rateLimitPerMinute.map(Int64.init)),
                    ])
                if let caller {
                    var detail: JSONObject = ["name": .string(name), "scopes": .string(Scope.format(scopes))]
                    if let agentIDs { detail["agents"] = .string(Self.formatAgents(agentIDs)) }
                    if let expiresAt { detail["expires_at"] = .int(expiresAt) }
                    if let rateLimitPerMinute { detail["rate_limit_per_minute"] = .int(Int64(rateLimitPerMinute)) }
                    try AuditLog.append(
                        AuditEntry(action: "keys.create", targetKind: .apiKey, targetID: key.id, detail: .object(detail)),
                        caller: caller, at: now, in: connection)
                }
            }
        }
        return (key, secret)
    }

    // MARK: - Authenticate

    /// The principal for `secret`, or nil when the text is not a well-formed secret, matches no
    /// key, or matches a revoked or expired key. Throws only for database failures.
    public func authenticate(secret: String) throws -> Principal? {
        guard let found = try lookUp(secret: secret) else { return nil }
        noteUse(of: found.id, at: found.now)
        return found.principal
    }

    /// Whether `secret` is still a valid, unexpired and unrevoked key — without counting as a
    /// use of it (a process re-checking the key it runs as must not keep `last_used_at` fresh).
    public func isValid(secret: String) throws -> Bool {
        try lookUp(secret: secret) != nil
    }

    /// The key's principal and id when `secret` is a valid, unexpired and unrevoked key, and the
    /// time of the check.
    private func lookUp(secret: String) throws -> (principal: Principal, id: String, now: Int64)? {
        guard Self.isWellFormed(secret) else { return nil }
        let hash = SHA256.hash(secret)
        let row = try database.read { connection in
            try connection.queryOne(
                """
                SELECT id, workspace_id, secret_hash, scopes, agent_ids, expires_at, revoked_at, rate_limit_per_minute
                FROM api_keys WHERE secret_hash = ?
                """,
                [.blob(hash)])
        }
        guard let row else { return nil }
        guard ConstantTime.equals(try row.blob("secret_hash"), hash) else { return nil }
        let id = try row.string("id")
        let now = clock.nowMilliseconds()
        if try row.optionalInt64("revoked_at") != nil { return nil }
        if let expiresAt = try row.optionalInt64("expires_at"), now >= expiresAt { return nil }
        let scopes = try Self.storedScopes(try row.string("scopes"), id: id)
        let principal = Principal(
            workspaceID: try row.string("workspace_id"),
            keyID: id,
            scopes: scopes,
            agentIDs: try row.optionalString("agent_ids").map(Self.parseAgents),
            rateLimitPerMinute: try row.optionalInt64("rate_limit_per_minute").map { Int($0) })
        return (principal, id, now)
    }

    /// Whether `secret` has the exact shape of a secret this store issues.
    static func isWellFormed(_ secret: String) -> Bool {
        guard secret.utf8.count == secretLength, secret.hasPrefix(secretPrefix) else { return false }
        let random = String(secret.utf8.dropFirst(secretPrefix.utf8.count))!
        return Base64URL.decode(random)?.count == secretRandomByteCount
    }

    // MARK: - Last used

    private func noteUse(of id: String, at now: Int64) {
        let writeNow: Bool = usage.withLock { map in
            var entry = map[id] ?? Usage()
            if let last = entry.lastWritten, now - last < lastUsedInterval {
                entry.pending = max(entry.pending ?? now, now)
                map[id] = entry
                return false
            }
            entry.lastWritten = now
            entry.pending = nil
            map[id] = entry
            return true
        }
        guard writeNow else { return }
        do {
            try database.write { connection in try Self.writeLastUsed(connection, id: id, at: now) }
        } catch {
            // Best effort: keep the time pending so the next flush retries; never fail a request.
            usage.withLock { map in Self.keepPending(&map, id: id, time: now) }
        }
    }

    /// Writes every pending `last_used_at` in one transaction; returns how many keys were written.
    @discardableResult
    public func flushLastUsed() throws -> Int {
        let pending: [(String, Int64)] = usage.withLock { map in
            var taken: [(String, Int64)] = []
            for (id, entry) in map {
                if let time = entry.pending {
                    taken.append((id, time))
                    map[id]?.pending = nil
                    map[id]?.lastWritten = time
                }
            }
            return taken
        }
        guard !pending.isEmpty else { return 0 }
        do {
            try database.write { connection in
                try connection.transaction { connection in
                    for (id, time) in pending { try Self.writeLastUsed(connection, id: id, at: time) }
                }
            }
        } catch {
            usage.withLock { map in
                for (id, time) in pending { Self.keepPending(&map, id: id, time: time) }
            }
            throw error
        }
        return pending.count
    }

    private static func keepPending(_ map: inout [String: Usage], id: String, time: Int64) {
        var entry = map[id] ?? Usage()
        entry.pending = max(entry.pending ?? time, time)
        map[id] = entry
    }

    private static func writeLastUsed(_ connection: Connection, id: String, at time: Int64) throws {
        try connection.execute(
            "UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?",
            [.integer(time), .text(id)])
    }

    // MARK: - List and revoke

    /// The keys of `workspace`, newest first, as metadata (no secret, no hash). `lastUsedAt`
    /// includes uses not yet flushed.
    public func list(workspace: String) throws -> [APIKey] {
        let rows = try database.read { connection in
            try connection.query(
                """
                SELECT id, workspace_id, name, prefix, scopes, agent_ids, expires_at, created_at, last_used_at, revoked_at,
                       rate_limit_per_minute
                FROM api_keys WHERE workspace_id = ? ORDER BY created_at DESC, id
                """,
                [.text(workspace)])
        }
        let pending = usage.withLock { map in map.compactMapValues(\.pending) }
        return try rows.map { row in try Self.key(from: row, pendingUse: pending) }
    }

    /// Revokes key `id` of `workspace`; the next `authenticate` with its secret fails. Revoking a
    /// revoked key keeps the first revocation time. Throws `.notFound` for an id that is not in
    /// this workspace (whether or not it exists elsewhere).
    @discardableResult
    public func revoke(id: String, workspace: String) throws -> APIKey {
        try revoke(id: id, workspace: workspace, auditAs: nil)
    }

    /// `revoke` for a caller: needs `keys:write`; a key of another workspace is "not found" (and
    /// the attempt is audited).
    @discardableResult
    public func revoke(caller: Caller, id: String) throws -> APIKey {
        let stored = try database.read { connection in
            try connection.queryOne("SELECT workspace_id FROM api_keys WHERE id = ?", [.text(id)])
        }
        let gate = AccessGate(audit: AuditLog(database: database, clock: clock))
        try gate.check(caller, .manageKeys, ObjectRef(kind: .apiKey, id: id, workspaceID: try stored?.string("workspace_id") ?? caller.workspaceID))
        do {
            return try revoke(id: id, workspace: caller.workspaceID, auditAs: caller)
        } catch APIKeyError.notFound {
            throw PlatformError.notFound(kind: .apiKey, id: id)
        }
    }

    /// `list` for a caller: needs `keys:write` (key metadata is key management), own workspace only.
    public func list(caller: Caller) throws -> [APIKey] {
        try AccessGate(audit: AuditLog(database: database, clock: clock)).check(caller, .manageKeys)
        return try list(workspace: caller.workspaceID)
    }

    private func revoke(id: String, workspace: String, auditAs caller: Caller?) throws -> APIKey {
        let now = clock.nowMilliseconds()
        let row = try database.write { connection in
            try connection.transaction { connection in
                try connection.execute(
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND workspace_id = ? AND revoked_at IS NULL",
                    [.integer(now), .text(id), .text(workspace)])
                if let caller, connection.changes > 0 {
                    try AuditLog.append(AuditEntry(action: "keys.revoke", targetKind: .apiKey, targetID: id), caller: caller, at: now, in: connection)
                }
                return try connection.queryOne(
                    """
                    SELECT id, workspace_id, name, prefix, scopes, agent_ids, expires_at, created_at, last_used_at, revoked_at,
                           rate_limit_per_minute
                    FROM api_keys WHERE id = ? AND workspace_id = ?
                    """,
                    [.text(id), .text(workspace)])
            }
        }
        guard let row else { throw APIKeyError.notFound(id) }
        return try Self.key(from: row, pendingUse: [:])
    }

    // MARK: - Rows

    private static func key(from row: Row, pendingUse: [String: Int64]) throws -> APIKey {
        let id = try row.string("id")
        let scopes = try Self.storedScopes(try row.string("scopes"), id: id)
        let stored = try row.optionalInt64("last_used_at")
        let lastUsed: Int64? = switch (stored, pendingUse[id]) {
        case (nil, nil): nil
        case (let a?, nil): a
        case (nil, let b?): b
        case (let a?, let b?): max(a, b)
        }
        return APIKey(
            id: id,
            workspaceID: try row.string("workspace_id"),
            name: try row.string("name"),
            prefix: try row.string("prefix"),
            scopes: scopes,
            agentIDs: try row.optionalString("agent_ids").map(parseAgents),
            expiresAt: try row.optionalInt64("expires_at"),
            createdAt: try row.int64("created_at"),
            lastUsedAt: lastUsed,
            revokedAt: try row.optionalInt64("revoked_at"),
            rateLimitPerMinute: try row.optionalInt64("rate_limit_per_minute").map { Int($0) })
    }

    private static func storedScopes(_ text: String, id: String) throws(APIKeyError) -> Set<Scope> {
        do {
            return try Scope.parseList(text)
        } catch {
            throw .corruptRow(id: id, reason: error.description)
        }
    }

    /// Agent ids are slugs (no spaces), stored sorted and space-separated.
    private static func formatAgents(_ ids: Set<String>) -> String { ids.sorted().joined(separator: " ") }

    private static func parseAgents(_ text: String) -> Set<String> {
        Set(text.split(separator: " ").map(String.init))
    }
}
