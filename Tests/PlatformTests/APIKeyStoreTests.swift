// APIKeyStoreTests: secrets (format, entropy, uniqueness, hash-only storage down to the file
// bytes), authentication (good, wrong, garbled, revoked, expired), cheap last-used tracking,
// listing without secrets, validation and workspace isolation — on real SQLite files.

import Hashing
import Platform
import Storage
import Testing

@Suite("APIKeyStore")
struct APIKeyStoreTests {
    @Test("a secret is ab_ plus 43 base64url characters encoding 32 random bytes, and secrets never repeat")
    func secretFormat() throws {
        let fixture = try Fixture()
        var seen = Set<String>()
        for index in 0..<50 {
            let (key, secret) = try fixture.keys.create(workspace: "default", name: "k\(index)", scopes: [.mcpTools])
            #expect(secret.hasPrefix("ab_"))
            #expect(secret.utf8.count == 46)
            let random = String(secret.dropFirst(3))
            #expect(Base64URL.decode(random)?.count == 32)
            #expect(key.prefix == "ab_" + random.prefix(6))
            #expect(seen.insert(secret).inserted)
        }
    }

    @Test("only the SHA-256 of the secret is stored: the row holds the hash and no file byte holds the secret")
    func onlyHashStored() throws {
        let fixture = try Fixture()
        let (key, secret) = try fixture.keys.create(workspace: "default", name: "ci", scopes: [.admin])
        let row = try #require(try fixture.database.read { connection in
            try connection.queryOne("SELECT * FROM api_keys WHERE id = ?", [.text(key.id)])
        })
        #expect(try row.blob("secret_hash") == SHA256.hash(secret))
        for value in row.values {
            if case .text(let text) = value {
                #expect(!text.contains(String(secret.dropFirst(3))))
            }
        }
        // Check the main file and the WAL, before and after a checkpoint.
        let random = Array(secret.dropFirst(3).utf8)
        let files = fixture.directory.entries()
        #expect(files.contains("platform.sqlite"))
        for name in files {
            #expect(!contains(readBytes(fixture.directory.file(name)), random), "secret found in \(name)")
        }
        try fixture.database.write { connection in _ = try connection.query("PRAGMA wal_checkpoint(TRUNCATE)") }
        let main = readBytes(fixture.directory.file())
        #expect(!contains(main, random))
        #expect(contains(main, SHA256.hash(secret)), "the hash is what is stored")
    }

    @Test("the secret authenticates to a principal with the key's workspace, scopes and agent restriction")
    func authenticates() throws {
        let fixture = try Fixture()
        let (key, secret) = try fixture.keys.create(
            workspace: "default", name: "bot", scopes: [.mcpTools, .runsRead], agentIDs: ["support", "triage"])
        let principal = try #require(try fixture.keys.authenticate(secret: secret))
        #expect(principal.workspaceID == "default")
        #expect(principal.keyID == key.id)
        #expect(principal.actorID == key.id)
        #expect(principal.scopes == [.mcpTools, .runsRead])
        #expect(principal.agentIDs == ["support", "triage"])
    }

    @Test("wrong, garbled, truncated, padded and other-prefix secrets are refused")
    func wrongSecrets() throws {
        let fixture = try Fixture()
        let (_, secret) = try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin])
        let random = String(secret.dropFirst(3))
        let lastFlipped = String(secret.dropLast()) + (secret.hasSuffix("A") ? "B" : "A")
        let candidates = [
            "", "ab_", "ab", secret + "x", String(secret.dropLast()), lastFlipped,
            "sk_" + random, "AB_" + random, "ab-" + random, random, " " + secret, secret + "\n",
            "Bearer " + secret, "ab_" + String(repeating: "A", count: 43),
            "ab_" + String(random.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 }.dropLast()) + "=",
            try fixture.keys.create(workspace: "default", name: "other", scopes: [.mcpTools]).secret.uppercased(),
        ]
        for candidate in candidates where candidate != secret {
            #expect(try fixture.keys.authenticate(secret: candidate) == nil, "accepted \(candidate)")
        }
        #expect(try fixture.keys.authenticate(secret: secret) != nil)
    }

    @Test("a revoked key fails on the very next authenticate, and revoking again keeps the first time")
    func revocation() throws {
        let fixture = try Fixture()
        let (key, secret) = try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin])
        #expect(try fixture.keys.authenticate(secret: secret) != nil)
        let revoked = try fixture.keys.revoke(id: key.id, workspace: "default")
        #expect(revoked.revokedAt == fixture.clock.milliseconds)
        #expect(try fixture.keys.authenticate(secret: secret) == nil)
        fixture.clock.advance(by: 5000)
        #expect(try fixture.keys.revoke(id: key.id, workspace: "default").revokedAt == revoked.revokedAt)
        #expect(try fixture.keys.authenticate(secret: secret) == nil)
    }

    @Test("a key authenticates until its expiry and fails from the expiry instant on")
    func expiry() throws {
        let fixture = try Fixture()
        let expiresAt = fixture.clock.milliseconds + 60_000
        let (key, secret) = try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin], expiresAt: expiresAt)
        #expect(key.expiresAt == expiresAt)
        fixture.clock.advance(by: 59_999)
        #expect(try fixture.keys.authenticate(secret: secret) != nil)
        fixture.clock.advance(by: 1)
        #expect(try fixture.keys.authenticate(secret: secret) == nil)
    }

    @Test("an expiry that is not in the future is refused at creation")
    func expiryInPast() throws {
        let fixture = try Fixture()
        let now = fixture.clock.milliseconds
        #expect(throws: APIKeyError.expiryNotInFuture(expiresAt: now, now: now)) {
            try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin], expiresAt: now)
        }
    }

    @Test("isValid follows revocation and expiry like authenticate but is not a use of the key")
    func isValidIsNotAUse() throws {
        let fixture = try Fixture(lastUsedIntervalMilliseconds: 60_000)
        let (_, secret) = try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin], expiresAt: fixture.clock.milliseconds + 600_000)
        for _ in 0..<3 {
            #expect(try fixture.keys.isValid(secret: secret))
            fixture.clock.advance(by: 120_000)
        }
        #expect(try fixture.keys.list(workspace: "default").first?.lastUsedAt == nil, "checks are not uses")
        #expect(try fixture.keys.flushLastUsed() == 0)
        #expect(try !fixture.keys.isValid(secret: "ab_not_a_key"))
        fixture.clock.advance(by: 240_000)
        #expect(try !fixture.keys.isValid(secret: secret), "expired")
        let (other, otherSecret) = try fixture.keys.create(workspace: "default", name: "k2", scopes: [.admin])
        #expect(try fixture.keys.isValid(secret: otherSecret))
        _ = try fixture.keys.revoke(id: other.id, workspace: "default")
        #expect(try !fixture.keys.isValid(secret: otherSecret), "revoked")
    }

    @Test("last_used_at is written once per interval, not per request, and a flush writes the latest use")
    func lastUsedIsCheap() throws {
        let fixture = try Fixture(lastUsedIntervalMilliseconds: 60_000)
        let (key, secret) = try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin])
        func stored() throws -> Int64? {
            try fixture.database.read { connection in
                try connection.queryOne("SELECT last_used_at FROM api_keys WHERE id = ?", [.text(key.id)])?
                    .optionalInt64("last_used_at")
            }
        }
        func totalChanges() throws -> Int { try fixture.database.write { $0.totalChanges } }
        #expect(try stored() == nil)

        let first = fixture.clock.milliseconds
        #expect(try fixture.keys.authenticate(secret: secret) != nil)
        #expect(try stored() == first)  // first use is recorded at once

        let changesBefore = try totalChanges()
        for _ in 0..<200 {
            fixture.clock.advance(by: 100)
            #expect(try fixture.keys.authenticate(secret: secret) != nil)
        }
        #expect(try totalChanges() == changesBefore, "no write per request")
        #expect(try stored() == first)
        // list already shows the unflushed use.
        #expect(try fixture.keys.list(workspace: "default").first?.lastUsedAt == fixture.clock.milliseconds)

        #expect(try fixture.keys.flushLastUsed() == 1)
        #expect(try stored() == fixture.clock.milliseconds)
        #expect(try fixture.keys.flushLastUsed() == 0)

        // After the interval, the next use writes again by itself.
        fixture.clock.advance(by: 60_000)
        #expect(try fixture.keys.authenticate(secret: secret) != nil)
        #expect(try stored() == fixture.clock.milliseconds)
    }

    @Test("list returns metadata only: no secret, no hash, and only the asked workspace")
    func listHasNoSecrets() throws {
        let fixture = try Fixture()
        try fixture.workspaces.create(id: "acme", name: "Acme")
        let (a, secretA) = try fixture.keys.create(workspace: "default", name: "first", scopes: [.agentsRead])
        fixture.clock.advance(by: 1)
        let (b, _) = try fixture.keys.create(workspace: "default", name: "second", scopes: [.admin], agentIDs: ["x"])
        _ = try fixture.keys.create(workspace: "acme", name: "theirs", scopes: [.admin])
        let listed = try fixture.keys.list(workspace: "default")
        #expect(listed.map(\.id) == [b.id, a.id])
        #expect(listed.map(\.name) == ["second", "first"])
        #expect(listed[0].agentIDs == ["x"])
        #expect(listed[1].scopes == [.agentsRead])
        let rendered = String(describing: listed) + String(reflecting: listed)
        #expect(!rendered.contains(String(secretA.dropFirst(3))))
        #expect(!rendered.contains(Hex.encode(SHA256.hash(secretA))))
        // The type itself has no place for a secret or a hash.
        let labels = Mirror(reflecting: listed[0]).children.compactMap(\.label)
        #expect(!labels.contains { $0.lowercased().contains("secret") || $0.lowercased().contains("hash") })
    }

    @Test("key names must be 1 to 64 characters without control characters")
    func nameValidation() throws {
        let fixture = try Fixture()
        for bad in ["", String(repeating: "n", count: 65), "line\nbreak", "tab\there", "nul\u{0}", "bell\u{7}", "sep\u{2028}"] {
            #expect(throws: APIKeyError.self) { try fixture.keys.create(workspace: "default", name: bad, scopes: [.admin]) }
        }
        for good in ["n", String(repeating: "n", count: 64), "CI deploy key — prod 🚀"] {
            #expect(try fixture.keys.create(workspace: "default", name: good, scopes: [.admin]).key.name == good)
        }
    }

    @Test("a key needs scopes, well-formed agent ids and an existing workspace")
    func creationValidation() throws {
        let fixture = try Fixture()
        #expect(throws: APIKeyError.noScopes) { try fixture.keys.create(workspace: "default", name: "k", scopes: []) }
        #expect(throws: APIKeyError.emptyAgentRestriction) {
            try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin], agentIDs: [])
        }
        #expect(throws: APIKeyError.invalidAgentID("bad id")) {
            try fixture.keys.create(workspace: "default", name: "k", scopes: [.admin], agentIDs: ["ok", "bad id"])
        }
        #expect(throws: APIKeyError.workspaceNotFound("nope")) {
            try fixture.keys.create(workspace: "nope", name: "k", scopes: [.admin])
        }
        #expect(try fixture.keys.list(workspace: "default").isEmpty)
    }

    @Test("revoking a key from another workspace reports not found and leaves the key working")
    func crossWorkspaceRevoke() throws {
        let fixture = try Fixture()
        try fixture.workspaces.create(id: "acme", name: "Acme")
        let (key, secret) = try fixture.keys.create(workspace: "acme", name: "theirs", scopes: [.admin])
        #expect(throws: APIKeyError.notFound(key.id)) { try fixture.keys.revoke(id: key.id, workspace: "default") }
        #expect(throws: APIKeyError.notFound("key_missing")) { try fixture.keys.revoke(id: "key_missing", workspace: "default") }
        #expect(try fixture.keys.authenticate(secret: secret)?.workspaceID == "acme")
    }

    @Test("keys and their revocation survive reopening the database file")
    func persistence() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let (kept, revoked): (String, String)
        do {
            let database = try PlatformSchema.open(path: directory.file(), clock: clock.clock)
            let keys = APIKeyStore(database: database, clock: clock.clock)
            kept = try keys.create(workspace: "default", name: "kept", scopes: [.runsRead]).secret
            let other = try keys.create(workspace: "default", name: "gone", scopes: [.runsRead])
            revoked = other.secret
            try keys.revoke(id: other.key.id, workspace: "default")
        }
        let database = try PlatformSchema.open(path: directory.file(), clock: clock.clock)
        let keys = APIKeyStore(database: database, clock: clock.clock)
        #expect(try keys.authenticate(secret: kept)?.scopes == [.runsRead])
        #expect(try keys.authenticate(secret: revoked) == nil)
    }
}
