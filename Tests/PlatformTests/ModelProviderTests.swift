// ModelProviderTests: provider specs (kinds, URLs, key references — never key values), the
// idempotent put, listing, and deletion refused while an agent uses the provider.

import JSON
import Platform
import Storage
import Testing

@Suite("Model providers")
struct ModelProviderTests {
    func parse(_ text: String) throws -> ModelProviderSpec { try ModelProviderSpec.parse(try JSONParser.parse(text)) }

    func problems(_ text: String) throws -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            guard case PlatformError.invalid(let issues) = error else { return ["unexpected \(error)"] }
            return issues.map(\.description)
        }
    }

    @Test("valid specs parse with defaults made explicit, and round-trip")
    func valid() throws {
        let spec = try parse(#"{"kind":"anthropic","api_key_env":"ANTHROPIC_API_KEY"}"#)
        #expect(spec.kind == .anthropic && spec.timeoutSeconds == 120 && spec.maxRetries == 2)
        #expect(JSONWriter.string(spec.json) == #"{"kind":"anthropic","api_key_env":"ANTHROPIC_API_KEY","timeout_s":120,"max_retries":2}"#)
        #expect(try ModelProviderSpec.parse(spec.json) == spec)
        let local = try parse(#"{"kind":"openai","base_url":"http://127.0.0.1:11434/v1","timeout_s":30}"#)
        #expect(local.baseURL == "http://127.0.0.1:11434/v1")
    }

    @Test("every rule names its path")
    func invalid() throws {
        #expect(try problems(#"{"kind":"gpt"}"#) == [#"$.kind: must be one of anthropic, openai, scripted (got "gpt")"#])
        #expect(try problems(#"{"kind":"openai","base_url":"ftp://x"}"#) == ["$.base_url: must start with http:// or https://"])
        #expect(try problems(#"{"kind":"openai","base_url":"https://user:pw@api.example.com"}"#)
            == ["$.base_url: must not contain credentials (user:pass@); put credentials in headers with ${credential:NAME}"])
        #expect(try problems(#"{"kind":"openai","api_key_env":"1BAD"}"#) == ["$.api_key_env: must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)"])
        #expect(try problems(#"{"kind":"openai","api_key_env":"A","api_key_credential":"b"}"#) == ["$.api_key_credential: give either api_key_env or api_key_credential, not both"])
        #expect(try problems(#"{"kind":"openai","api_key":"sk-123"}"#) == ["$.api_key: unknown field"])
        #expect(try problems(#"{"kind":"scripted","base_url":"http://x"}"#) == ["$: a scripted provider takes no base_url or API key"])
        #expect(try problems(#"{"kind":"openai","timeout_s":0,"max_retries":11}"#) == ["$.timeout_s: must be between 1 and 600 (got 0)", "$.max_retries: must be between 0 and 10 (got 11)"])
        #expect(try problems("{}") == ["$.kind: is required"])
    }

    @Test("put creates, updates, and reports an identical put as unchanged without writing")
    func put() throws {
        let fixture = try Fixture()
        let store = ModelProviderStore(database: fixture.database, clock: fixture.clock.clock)
        let spec = try parse(#"{"kind":"openai","base_url":"http://127.0.0.1:11434/v1"}"#)
        #expect(try store.put(caller: .local(.cli), id: "local", spec: spec).change == .created)
        #expect(try store.put(caller: .local(.cli), id: "local", spec: spec).change == .unchanged)
        var changed = spec
        changed.timeoutSeconds = 10
        #expect(try store.put(caller: .local(.cli), id: "local", spec: changed).change == .updated)
        #expect(try store.get(caller: .local(.cli), id: "local").spec == changed)
        #expect(try store.list(caller: .local(.cli)).map(\.id) == ["local"])
        let audit = AuditLog(database: fixture.database)
        #expect(try audit.list(caller: .local(.cli)).map(\.action) == ["model_providers.create", "model_providers.update"])
        #expect(throws: PlatformError.invalid("$.id", "\"scripted\" is the built-in offline provider and cannot be redefined")) {
            try store.put(caller: .local(.cli), id: "scripted", spec: spec)
        }
        let reader = Caller(principal: Principal(workspaceID: "default", keyID: "k", scopes: [.agentsRead], agentIDs: nil), origin: .http)
        #expect(throws: PlatformError.forbidden(.agentsWrite)) { try store.put(caller: reader, id: "x", spec: spec) }
        #expect(try store.list(caller: reader).count == 1)
        try fixture.workspaces.create(id: "acme", name: "Acme")
        #expect(throws: PlatformError.notFound(kind: .modelProvider, id: "local")) {
            try store.get(caller: .local(.cli, workspace: "acme"), id: "local")
        }
        #expect(try audit.verify() == .intact(records: 3))
    }

    @Test("deleting a provider an agent uses is refused, naming the agent")
    func deleteRefused() throws {
        let fixture = try Fixture()
        let store = ModelProviderStore(database: fixture.database, clock: fixture.clock.clock)
        try store.put(caller: .local(.cli), id: "local", spec: try parse(#"{"kind":"openai"}"#))
        try store.put(caller: .local(.cli), id: "loc", spec: try parse(#"{"kind":"openai"}"#))
        try fixture.database.write { connection in
            try connection.execute("INSERT INTO agents VALUES ('default', 'helper', 1, 'active', NULL, 0, 0)")
            try connection.execute(#"INSERT INTO agent_versions VALUES ('default', 'helper', 1, '{"model":"local/llama3"}', 0, 'local')"#)
        }
        #expect(throws: PlatformError.conflict("model provider \"local\" is used by agents helper; change their model first")) {
            try store.delete(caller: .local(.cli), id: "local")
        }
        try store.delete(caller: .local(.cli), id: "loc")  // a prefix of "local/…" is not a use
        #expect(throws: PlatformError.notFound(kind: .modelProvider, id: "loc")) { try store.delete(caller: .local(.cli), id: "loc") }
    }
}
