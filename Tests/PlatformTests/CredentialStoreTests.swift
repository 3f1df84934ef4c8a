// CredentialStoreTests: set (create / rotate), list, get, delete (refused while referenced, with
// the referrers named), referencedBy, and the runtime resolver — plus the vault's promises: the
// secret never reaches the database file, the WAL, audit rows or error messages in plaintext; a
// sealed blob moved to another row or opened under another master key fails with a clear error;
// other workspaces see not-found (audited); missing scopes are forbidden; the chain stays intact.

import Hashing
import JSON
import Platform
import Storage
import Testing

@Suite("CredentialStore")
struct CredentialStoreTests {
    let admin = VaultFixture.admin

    /// A distinctive secret that cannot appear by chance.
    static func makeSecret() -> String { "sk-live-" + SecureRandom.token(bytes: 24) }

    @Test("set creates a credential (kind defaults to generic) and secret() resolves it")
    func create() throws {
        let f = try VaultFixture()
        let secret = Self.makeSecret()
        let (credential, created) = try f.credentials.set(caller: admin, name: "github", secret: secret)
        #expect(created)
        #expect(credential == Credential(name: "github", workspaceID: "default", kind: "generic", createdAt: f.clock.milliseconds, rotatedAt: nil))
        #expect(try f.credentials.get(caller: admin, name: "github") == credential)
        #expect(try f.credentials.secret(workspace: "default", name: "github") == secret)
        let audit = try #require(try f.lastAudit())
        #expect(try audit.string("action") == "credentials.create")
        #expect(try audit.string("target_kind") == "credential")
        #expect(try audit.string("target_id") == "github")
        #expect(try audit.string("detail") == #"{"kind":"generic"}"#)
        let withKind = try f.credentials.set(caller: admin, name: "openai", kind: "api_key", secret: "x")
        #expect(withKind.credential.kind == "api_key")
        #expect(try f.auditIntact())
    }

    @Test("set on an existing name rotates: new secret, created_at kept, rotated_at now, kind kept unless given")
    func rotate() throws {
        let f = try VaultFixture()
        let first = try f.credentials.set(caller: admin, name: "github", kind: "bearer", secret: "old-secret").credential
        f.clock.advance(by: 60_000)
        let (rotated, created) = try f.credentials.set(caller: admin, name: "github", secret: "new-secret")
        #expect(!created)
        #expect(rotated == Credential(name: "github", workspaceID: "default", kind: "bearer", createdAt: first.createdAt, rotatedAt: first.createdAt + 60_000))
        #expect(try f.credentials.get(caller: admin, name: "github") == rotated)
        #expect(try f.credentials.secret(workspace: "default", name: "github") == "new-secret")
        #expect(try f.lastAudit()?.string("action") == "credentials.rotate")
        #expect(try f.lastAudit()?.string("detail") == #"{"kind":"bearer"}"#)
        f.clock.advance(by: 1)
        let rekinded = try f.credentials.set(caller: admin, name: "github", kind: "pat", secret: "newer")
        #expect(rekinded.credential.kind == "pat")
        #expect(rekinded.credential.rotatedAt == first.createdAt + 60_001)
        #expect(try f.credentials.list(caller: admin).count == 1)
    }

    @Test("validation names $.name, $.kind and $.secret, all at once, and never quotes the secret")
    func validation() throws {
        let f = try VaultFixture()
        let secret = Self.makeSecret()
        let tooLong = String(repeating: "s", count: 16385)
        #expect(throws: PlatformError.invalid([
            ValidationIssue(path: "$.name", reason: #"must be 1–64 of A–Z a–z 0–9 _ - (got "my key")"#),
            ValidationIssue(path: "$.kind", reason: #"must be 1–64 of A–Z a–z 0–9 _ - (got "")"#),
        ])) { try f.credentials.set(caller: admin, name: "my key", kind: "", secret: secret) }
        #expect(throws: PlatformError.invalid("$.secret", "must not be empty")) { try f.credentials.set(caller: admin, name: "a", secret: "") }
        #expect(throws: PlatformError.invalid("$.secret", "must be at most 16384 bytes (got 16385)")) {
            try f.credentials.set(caller: admin, name: "a", secret: tooLong)
        }
        #expect(throws: PlatformError.invalid("$.secret", "must not contain NUL bytes")) {
            try f.credentials.set(caller: admin, name: "a", secret: secret + "\u{0}")
        }
        #expect(throws: PlatformError.invalid("$.name", #"must be 1–64 of A–Z a–z 0–9 _ - (got "")"#)) {
            try f.credentials.set(caller: admin, name: "", secret: secret)
        }
        // Multi-byte characters count in bytes; the limit itself is accepted; newlines are fine (PEM keys).
        #expect(throws: PlatformError.invalid("$.secret", "must be at most 16384 bytes (got 16386)")) {
            try f.credentials.set(caller: admin, name: "a", secret: String(repeating: "é", count: 8193))
        }
        #expect(try f.credentials.set(caller: admin, name: "big", secret: String(tooLong.dropFirst())).created)
        let pem = "-----BEGIN KEY-----\nabc\n-----END KEY-----\n"
        try f.credentials.set(caller: admin, name: "pem", kind: "private_key", secret: pem)
        #expect(try f.credentials.secret(workspace: "default", name: "pem") == pem)
        let error = #expect(throws: PlatformError.self) { try f.credentials.set(caller: admin, name: "bad name", secret: secret) }
        #expect(error != nil && !"\(error!)".contains(secret))
        #expect(try f.credentials.list(caller: admin).map(\.name) == ["big", "pem"])
    }

    @Test("list returns metadata of the caller's workspace sorted by name; get of a missing name is not found")
    func listAndGet() throws {
        let f = try VaultFixture()
        for name in ["zeta", "alpha", "mid"] { try f.credentials.set(caller: admin, name: name, secret: "s-\(name)") }
        let other = try f.workspace("other")
        try f.credentials.set(caller: other, name: "theirs", secret: "t")
        #expect(try f.credentials.list(caller: admin).map(\.name) == ["alpha", "mid", "zeta"])
        #expect(try f.credentials.list(caller: other).map(\.name) == ["theirs"])
        #expect(throws: PlatformError.notFound(kind: .credential, id: "nope")) { try f.credentials.get(caller: admin, name: "nope") }
        #expect(try f.credentials.secret(workspace: "default", name: "nope") == nil)
        #expect(try f.credentials.secret(workspace: "default", name: "theirs") == nil, "the resolver is per workspace")
    }

    @Test("delete is refused while agents or servers reference the credential, listing them; then succeeds")
    func deleteRefusedWhenReferenced() throws {
        let f = try VaultFixture()
        try f.credentials.set(caller: admin, name: "github", secret: Self.makeSecret())
        try f.credentials.set(caller: admin, name: "unused", secret: "u")
        let spec = try UpstreamServerSpec.parse(try JSONParser.parse(
            #"{"transport": "http", "url": "https://h/mcp", "headers": {"Authorization": "Bearer ${credential:github}"}}"#))
        try f.upstreams.create(caller: admin, id: "gh", spec: spec)
        try f.insertAgentRefs("triage", credentials: ["github"])
        try f.insertAgentRefs("support", credentials: ["github", "unused-elsewhere"])
        let before = try f.auditRows().count

        let message = #"credential "github" is used by agents support, triage and servers gh; remove those references first"#
        #expect(throws: PlatformError.conflict(message)) { try f.credentials.delete(caller: admin, name: "github") }
        #expect(try f.credentials.get(caller: admin, name: "github").name == "github")
        #expect(try f.auditRows().count == before)
        #expect(try f.credentials.referencedBy(caller: admin, name: "github") ==
            CredentialReferences(agentIDs: ["support", "triage"], serverIDs: ["gh"]))
        #expect(try f.credentials.referencedBy(caller: admin, name: "unused").isEmpty)

        // An agent-restricted caller sees the other agents counted, not named.
        let restricted = VaultFixture.caller([.credentialsRead, .credentialsWrite], agents: ["triage"])
        #expect(throws: PlatformError.conflict(
            #"credential "github" is used by agents triage, 1 other not visible to you and servers gh; remove those references first"#)) {
            try f.credentials.delete(caller: restricted, name: "github")
        }
        #expect(try f.credentials.referencedBy(caller: restricted, name: "github") ==
            CredentialReferences(agentIDs: ["triage"], hiddenAgentCount: 1, serverIDs: ["gh"]))

        // Only servers left: the message has just that group.
        try f.database.write { try $0.execute("DELETE FROM credential_refs WHERE referrer_kind = 'agent'") }
        #expect(throws: PlatformError.conflict(#"credential "github" is used by servers gh; remove those references first"#)) {
            try f.credentials.delete(caller: admin, name: "github")
        }
        // Removing the reference from the server's spec frees it.
        try f.upstreams.update(caller: admin, id: "gh", spec: try UpstreamServerSpec.parse(try JSONParser.parse(
            #"{"transport": "http", "url": "https://h/mcp", "headers": {"Authorization": "Bearer ${credential:other}"}}"#)))
        try f.credentials.delete(caller: admin, name: "github")
        #expect(throws: PlatformError.notFound(kind: .credential, id: "github")) { try f.credentials.get(caller: admin, name: "github") }
        #expect(try f.credentials.secret(workspace: "default", name: "github") == nil)
        #expect(try f.lastAudit()?.string("action") == "credentials.delete")
        #expect(try f.lastAudit()?.string("target_id") == "github")
        try f.credentials.delete(caller: admin, name: "unused")
        #expect(try f.credentials.list(caller: admin).isEmpty)
        #expect(try f.auditIntact())
    }

    @Test("the secret never appears in plaintext in the database file, the WAL, audit rows or errors")
    func secretNeverOnDisk() throws {
        let f = try VaultFixture()
        let secret = Self.makeSecret()
        let rotatedSecret = Self.makeSecret()
        try f.credentials.set(caller: admin, name: "github", kind: "bearer", secret: secret)
        try f.credentials.set(caller: admin, name: "github", secret: rotatedSecret)
        try f.credentials.set(caller: admin, name: "second", secret: secret)
        try f.insertAgentRefs("support", credentials: ["github"])
        var errors: [String] = []
        do { try f.credentials.delete(caller: admin, name: "github") } catch { errors.append("\(error)") }
        do { try f.credentials.set(caller: admin, name: "bad name", kind: "bad kind", secret: secret) } catch { errors.append("\(error)") }
        do { try f.credentials.set(caller: VaultFixture.caller([.credentialsRead]), name: "x", secret: secret) } catch { errors.append("\(error)") }
        #expect(errors.count == 3)
        for message in errors { #expect(!message.contains(secret) && !message.contains(rotatedSecret), "\(message)") }

        for row in try f.auditRows() {
            for value in row.values {
                if case .text(let text) = value { #expect(!text.contains(secret) && !text.contains(rotatedSecret)) }
                if case .blob(let bytes) = value {
                    let found = contains(bytes, Array(secret.utf8))
                    #expect(!found)
                }
            }
        }
        let stored = try f.database.read { try $0.query("SELECT sealed_secret FROM credentials").map { try $0.blob("sealed_secret") } }
        #expect(stored.count == 2)
        for blob in stored {
            let found = contains(blob, Array(secret.utf8)) || contains(blob, Array(rotatedSecret.utf8))
            #expect(!found)
            #expect(blob.first == SecretBox.formatVersion)
        }
        // Every file of the database (main, -wal, -shm), before and after a checkpoint.
        let needles = [Array(secret.utf8), Array(rotatedSecret.utf8), Array(secret.utf8.suffix(20))]
        let files = f.directory.entries()
        #expect(files.contains("platform.sqlite") && files.contains("platform.sqlite-wal"))
        for name in files {
            let bytes = readBytes(f.directory.file(name))
            for needle in needles {
                let found = contains(bytes, needle)
                #expect(!found, "secret found in \(name)")
            }
        }
        try f.database.write { connection in _ = try connection.query("PRAGMA wal_checkpoint(TRUNCATE)") }
        let main = readBytes(f.directory.file())
        for needle in needles {
            let found = contains(main, needle)
            #expect(!found, "secret found in the checkpointed database file")
        }
        // The secrets still resolve.
        #expect(try f.credentials.secret(workspace: "default", name: "github") == rotatedSecret)
        #expect(try f.credentials.secret(workspace: "default", name: "second") == secret)
    }

    @Test("another master key cannot open the secrets, with an error that says so and names only the credential")
    func wrongMasterKey() throws {
        let f = try VaultFixture()
        let secret = Self.makeSecret()
        try f.credentials.set(caller: admin, name: "github", secret: secret)
        let otherVault = try CredentialStore(database: f.database, clock: f.clock.clock, masterKey: SecureRandom.bytes(32))
        let error = #expect(throws: CredentialSecretError.self) { try otherVault.secret(workspace: "default", name: "github") }
        #expect(error == CredentialSecretError(workspaceID: "default", name: "github", cause: .authenticationFailed))
        let text = error?.description ?? ""
        #expect(text.hasPrefix(#"credential "github" in workspace "default" cannot be decrypted"#))
        #expect(text.contains("master key (AGENTBRIDGE_MASTER_KEY or the key file) is probably not the one it was stored with"))
        #expect(!text.contains(secret))
        // Metadata operations do not need the key to match; the right key still opens it.
        #expect(try otherVault.get(caller: admin, name: "github").name == "github")
        #expect(try f.credentials.secret(workspace: "default", name: "github") == secret)
        // A master key of the wrong length is refused up front.
        #expect(throws: SecretBoxError.invalidKeyLength(16)) {
            try CredentialStore(database: f.database, masterKey: SecureRandom.bytes(16))
        }
    }

    @Test("a sealed blob copied to another row or workspace does not open there (associated data binds it)")
    func swappedBlobsFail() throws {
        let f = try VaultFixture()
        try f.credentials.set(caller: admin, name: "github", secret: "github-secret")
        try f.credentials.set(caller: admin, name: "gitlab", secret: "gitlab-secret")
        let other = try f.workspace("other")
        try f.credentials.set(caller: other, name: "github", secret: "their-secret")
        try f.database.write { connection in
            try connection.execute(
                "UPDATE credentials SET sealed_secret = (SELECT sealed_secret FROM credentials WHERE workspace_id = 'default' AND name = 'github') WHERE workspace_id = 'default' AND name = 'gitlab'")
            try connection.execute(
                "UPDATE credentials SET sealed_secret = (SELECT sealed_secret FROM credentials WHERE workspace_id = 'default' AND name = 'github') WHERE workspace_id = 'other' AND name = 'github'")
        }
        #expect(throws: CredentialSecretError(workspaceID: "default", name: "gitlab", cause: .authenticationFailed)) {
            try f.credentials.secret(workspace: "default", name: "gitlab")
        }
        #expect(throws: CredentialSecretError(workspaceID: "other", name: "github", cause: .authenticationFailed)) {
            try f.credentials.secret(workspace: "other", name: "github")
        }
        #expect(try f.credentials.secret(workspace: "default", name: "github") == "github-secret")
        // A damaged blob gets the "damaged" hint.
        try f.database.write { try $0.execute("UPDATE credentials SET sealed_secret = x'0102' WHERE workspace_id = 'default' AND name = 'gitlab'") }
        let error = #expect(throws: CredentialSecretError.self) { try f.credentials.secret(workspace: "default", name: "gitlab") }
        #expect(error?.cause == .tooShort(byteCount: 2))
        #expect(error?.description.hasSuffix("the stored value is damaged; set the credential again") == true)
    }

    @Test("another workspace's credential is not found for every operation, each attempt audited as denied; set there is independent")
    func crossWorkspace() throws {
        let f = try VaultFixture()
        try f.credentials.set(caller: admin, name: "github", secret: "mine")
        let intruder = try f.workspace("other")
        let notFound = PlatformError.notFound(kind: .credential, id: "github")
        let operations: [(String, () throws -> Void)] = [
            ("credentials.read", { _ = try f.credentials.get(caller: intruder, name: "github") }),
            ("credentials.read", { _ = try f.credentials.referencedBy(caller: intruder, name: "github") }),
            ("credentials.write", { try f.credentials.delete(caller: intruder, name: "github") }),
        ]
        for (action, operation) in operations {
            #expect(throws: notFound) { try operation() }
            let audit = try #require(try f.lastAudit())
            #expect(try audit.string("action") == action)
            #expect(try audit.string("outcome") == "denied")
            #expect(try audit.string("workspace_id") == "other")
            #expect(try audit.string("target_kind") == "credential")
            #expect(try audit.string("target_id") == "github")
            #expect(try audit.string("detail") == #"{"reason":"not found (other_workspace)"}"#)
        }
        #expect(try f.credentials.list(caller: intruder).isEmpty)
        // Setting the same name in the other workspace creates an independent credential.
        #expect(try f.credentials.set(caller: intruder, name: "github", secret: "theirs").created)
        #expect(try f.credentials.secret(workspace: "other", name: "github") == "theirs")
        #expect(try f.credentials.secret(workspace: "default", name: "github") == "mine")
        #expect(try f.credentials.get(caller: admin, name: "github").rotatedAt == nil)
        #expect(try f.auditIntact())
    }

    @Test("missing scopes are forbidden and audited; credentials:read reads metadata but cannot set or delete")
    func scopes() throws {
        let f = try VaultFixture()
        try f.credentials.set(caller: admin, name: "github", secret: "s")
        let reader = VaultFixture.caller([.credentialsRead])
        let nobody = VaultFixture.caller([.mcpRead, .mcpWrite])
        #expect(try f.credentials.get(caller: reader, name: "github").name == "github")
        #expect(try f.credentials.list(caller: reader).count == 1)
        #expect(try f.credentials.referencedBy(caller: reader, name: "github").isEmpty)
        #expect(throws: PlatformError.forbidden(.credentialsWrite)) { try f.credentials.set(caller: reader, name: "github", secret: "evil") }
        #expect(try f.lastAudit()?.string("detail") == #"{"reason":"missing scope credentials:write"}"#)
        #expect(throws: PlatformError.forbidden(.credentialsWrite)) { try f.credentials.delete(caller: reader, name: "github") }
        for operation: () throws -> Void in [
            { _ = try f.credentials.list(caller: nobody) },
            { _ = try f.credentials.get(caller: nobody, name: "github") },
            { _ = try f.credentials.get(caller: nobody, name: "missing") },
            { _ = try f.credentials.referencedBy(caller: nobody, name: "github") },
        ] {
            #expect(throws: PlatformError.forbidden(.credentialsRead)) { try operation() }
            #expect(try f.lastAudit()?.string("outcome") == "denied")
        }
        #expect(try f.credentials.secret(workspace: "default", name: "github") == "s", "refused writes changed nothing")
        let writer = VaultFixture.caller([.credentialsWrite])
        #expect(try f.credentials.set(caller: writer, name: "ci", secret: "c").created)
        #expect(try f.lastAudit()?.string("actor") == "key_test")
        #expect(try f.auditIntact())
    }
}
