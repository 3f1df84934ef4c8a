// CredentialStore: the workspace credential vault. Secrets are sealed with SecretBox under the
// master key (see MasterKey) before they reach SQL, with associated data `workspace NUL name`, so
// a sealed blob copied into another row (or workspace) does not open. Admin operations — set
// (create or rotate), get, list, delete, referencedBy — go through AccessGate
// (`credentials.read` / `credentials.write`) and return metadata only; mutations are audited in
// their transaction with the name and kind, never the value. A credential still referenced by an
// agent or an upstream server (`credential_refs`) cannot be deleted.
//
// `secret(workspace:name:)` is the one way out for a plaintext secret and exists for the bridge
// and the agent runtime, which resolve `${credential:NAME}` right before a call; it is not
// exposed on any admin surface and never logs.

import Hashing
import JSON
import Storage

/// Credential persistence, sealing and resolution.
public struct CredentialStore: Sendable {
    /// Largest accepted secret, in UTF-8 bytes.
    public static let maxSecretBytes = 16384
    /// The kind used when `set` creates a credential without one.
    public static let defaultKind = "generic"

    private let database: Database
    private let clock: WallClock
    private let gate: AccessGate
    private let locator: ObjectLocator
    private let box: SecretBox

    /// A vault over `database` sealing with `masterKey` (exactly 32 bytes, see `MasterKey.load`).
    /// Throws `SecretBoxError.invalidKeyLength` for any other length.
    public init(database: Database, clock: WallClock = .system, masterKey: [UInt8]) throws {
        self.database = database
        self.clock = clock
        box = try SecretBox(masterKey: masterKey)
        gate = AccessGate(audit: AuditLog(database: database, clock: clock))
        locator = ObjectLocator(
            database: database, gate: gate, kind: .credential, ownSQL: Self.selectOwn,
            foreignSQL: "SELECT workspace_id FROM credentials WHERE name = ? AND workspace_id <> ? LIMIT 1")
    }

    private static let selectOwn =
        "SELECT workspace_id, name, kind, created_at, rotated_at FROM credentials WHERE workspace_id = ? AND name = ?"

    // MARK: - Set

    /// Creates credential `name` or, if it exists, rotates it: the new secret replaces the old,
    /// `rotatedAt` becomes now and `createdAt` is kept. `kind` defaults to `generic` on creation
    /// and to the existing kind on rotation. Validation issues name `$.name`, `$.kind` and
    /// `$.secret` (never quoting the secret).
    @discardableResult
    public func set(caller: Caller, name: String, kind: String? = nil, secret: String) throws -> (credential: Credential, created: Bool) {
        try gate.check(caller, .writeCredentials, ObjectRef(kind: .credential, id: name, workspaceID: caller.workspaceID))
        try Self.validate(name: name, kind: kind, secret: secret)
        let workspace = caller.workspaceID
        let sealed = box.seal(Array(secret.utf8), associatedData: Self.associatedData(workspace: workspace, name: name))
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                if let existing = try connection.queryOne(Self.selectOwn, [.text(workspace), .text(name)]) {
                    let newKind = try kind ?? existing.string("kind")
                    try connection.execute(
                        "UPDATE credentials SET kind = ?, sealed_secret = ?, rotated_at = ? WHERE workspace_id = ? AND name = ?",
                        [.text(newKind), .blob(sealed), .integer(now), .text(workspace), .text(name)])
                    try AuditLog.append(
                        AuditEntry(action: "credentials.rotate", targetKind: .credential, targetID: name, detail: ["kind": .string(newKind)]),
                        caller: caller, at: now, in: connection)
                    let credential = Credential(
                        name: name, workspaceID: workspace, kind: newKind, createdAt: try existing.int64("created_at"), rotatedAt: now)
                    return (credential, false)
                }
                let newKind = kind ?? Self.defaultKind
                try connection.execute(
                    "INSERT INTO credentials (workspace_id, name, kind, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?)",
                    [.text(workspace), .text(name), .text(newKind), .blob(sealed), .integer(now)])
                try AuditLog.append(
                    AuditEntry(action: "credentials.create", targetKind: .credential, targetID: name, detail: ["kind": .string(newKind)]),
                    caller: caller, at: now, in: connection)
                return (Credential(name: name, workspaceID: workspace, kind: newKind, createdAt: now, rotatedAt: nil), true)
            }
        }
    }

    private static func validate(name: String, kind: String?, secret: String) throws(PlatformError) {
        let issues = ValidationIssues()
        if !Identifier.isSlug(name) {
            issues.add("$.name", "must be 1–64 of A–Z a–z 0–9 _ - (got \(JSONWriter.string(.string(name))))")
        }
        if let kind, !Identifier.isSlug(kind) {
            issues.add("$.kind", "must be 1–64 of A–Z a–z 0–9 _ - (got \(JSONWriter.string(.string(kind))))")
        }
        let bytes = secret.utf8
        if bytes.isEmpty {
            issues.add("$.secret", "must not be empty")
        } else if bytes.count > maxSecretBytes {
            issues.add("$.secret", "must be at most \(maxSecretBytes) bytes (got \(bytes.count))")
        } else if bytes.contains(0) {
            issues.add("$.secret", "must not contain NUL bytes")
        }
        try issues.throwIfAny()
    }

    // MARK: - Read

    /// Metadata of every credential of the caller's workspace, by name.
    public func list(caller: Caller) throws -> [Credential] {
        try gate.check(caller, .readCredentials)
        let rows = try database.read { connection in
            try connection.query(
                "SELECT workspace_id, name, kind, created_at, rotated_at FROM credentials WHERE workspace_id = ? ORDER BY name",
                [.text(caller.workspaceID)])
        }
        return try rows.map(Self.credential(from:))
    }

    /// Metadata of credential `name`.
    public func get(caller: Caller, name: String) throws -> Credential {
        try Self.credential(from: try locator.row(caller, .readCredentials, id: name))
    }

    /// The agents and upstream servers that reference credential `name`.
    public func referencedBy(caller: Caller, name: String) throws -> CredentialReferences {
        _ = try locator.row(caller, .readCredentials, id: name)
        return try database.read { connection in
            try CredentialReferences.load(name: name, workspace: caller.workspaceID, principal: caller.principal, in: connection)
        }
    }

    // MARK: - Delete

    /// Deletes credential `name`. Refused with `.conflict` naming its referrers while any agent
    /// or upstream server still references it.
    public func delete(caller: Caller, name: String) throws {
        _ = try locator.row(caller, .writeCredentials, id: name)
        let now = clock.nowMilliseconds()
        try database.write { connection in
            try connection.transaction { connection in
                guard try connection.queryOne(Self.selectOwn, [.text(caller.workspaceID), .text(name)]) != nil else {
                    throw PlatformError.notFound(kind: .credential, id: name)
                }
                let references = try CredentialReferences.load(
                    name: name, workspace: caller.workspaceID, principal: caller.principal, in: connection)
                guard references.isEmpty else {
                    throw PlatformError.conflict(
                        "credential \"\(name)\" is used by \(references.summary); remove those references first")
                }
                try connection.execute(
                    "DELETE FROM credentials WHERE workspace_id = ? AND name = ?", [.text(caller.workspaceID), .text(name)])
                try AuditLog.append(
                    AuditEntry(action: "credentials.delete", targetKind: .credential, targetID: name), caller: caller, at: now, in: connection)
            }
        }
    }

    // MARK: - Runtime resolution

    /// The plaintext secret of credential `name` in `workspace`, or nil when there is none.
    ///
    /// For the bridge and the agent runtime only, which resolve `${credential:NAME}` references of
    /// configurations they already run on behalf of that workspace; never expose it on an admin
    /// surface and never log the result. Throws `CredentialSecretError` when the stored value does
    /// not open (typically: a different master key).
    public func secret(workspace: String, name: String) throws -> String? {
        let sealed = try database.read { connection in
            try connection.queryOne(
                "SELECT sealed_secret FROM credentials WHERE workspace_id = ? AND name = ?", [.text(workspace), .text(name)]
            )?.blob("sealed_secret")
        }
        guard let sealed else { return nil }
        do {
            let plaintext = try box.open(sealed, associatedData: Self.associatedData(workspace: workspace, name: name))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw CredentialSecretError(workspaceID: workspace, name: name, cause: error)
        }
    }

    // MARK: - Rows

    /// `workspace NUL name`: binds a sealed secret to its row (neither part can contain NUL).
    static func associatedData(workspace: String, name: String) -> [UInt8] {
        Array(workspace.utf8) + [0] + Array(name.utf8)
    }

    private static func credential(from row: Row) throws -> Credential {
        Credential(
            name: try row.string("name"), workspaceID: try row.string("workspace_id"), kind: try row.string("kind"),
            createdAt: try row.int64("created_at"), rotatedAt: try row.optionalInt64("rotated_at"))
    }
}
