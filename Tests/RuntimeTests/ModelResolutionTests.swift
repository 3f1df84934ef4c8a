import Foundation
import JSON
import Models
import Platform
import Runtime
import Synchronization
import Testing

/// `provider/model` → the provider's spec → a ModelEndpoint (API key from the environment or the
/// vault) → the factory's client. A missing key or a kind this build has no client for fails the
/// run with the reason, before any model call.
@Suite("Runtime: model provider resolution", .serialized)
struct ModelResolutionTests {
    /// A factory that records the endpoints it is asked for and answers with a fixed text.
    final class RecordingFactory: ModelClientFactory {
        let seen = Mutex<[ModelEndpoint]>([])

        func client(for endpoint: ModelEndpoint, agent: AgentSpec) throws -> any ModelClient {
            seen.withLock { $0.append(endpoint) }
            return FixedModel(text: "from \(endpoint.providerID)/\(endpoint.modelName)")
        }
    }

    struct FixedModel: ModelClient {
        let text: String

        func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelEvent, any Error> {
            AsyncThrowingStream { continuation in
                continuation.yield(.textDelta(text))
                continuation.yield(.finished(.endTurn, ModelUsage(inputTokens: 11, outputTokens: 3)))
                continuation.finish()
            }
        }
    }

    static let manifest = """
        {"model_providers": {
           "local": {"kind": "openai", "base_url": "http://127.0.0.1:1/v1", "api_key_env": "LOCAL_KEY"},
           "vaulted": {"kind": "openai", "api_key_credential": "model_key"},
           "claude": {"kind": "anthropic", "api_key_env": "ANTHROPIC_TEST_KEY"}},
         "credentials": {"model_key": {"kind": "api_key", "from_env": "MODEL_KEY_SOURCE"}},
         "agents": {
           "env": {"name": "E", "instructions": "i", "model": "local/llama3"},
           "vault": {"name": "V", "instructions": "i", "model": "vaulted/gpt-x"},
           "claude": {"name": "C", "instructions": "i", "model": "claude/sonnet"}}}
        """

    @Test func theAPIKeyComesFromTheEnvironmentOrTheVaultAndReachesTheFactory() async throws {
        let factory = RecordingFactory()
        try await RuntimeHarness.with(
            manifest: Self.manifest, models: factory,
            environment: ["LOCAL_KEY": "env-secret", "MODEL_KEY_SOURCE": "vault-secret"]
        ) { harness in
            let viaEnvironment = try await harness.run("env", "hi")
            #expect(viaEnvironment.name == "completed")
            #expect(viaEnvironment.text == "from local/llama3")
            #expect(viaEnvironment.run.tokensIn == 11 && viaEnvironment.run.tokensOut == 3)
            let viaVault = try await harness.run("vault", "hi")
            #expect(viaVault.name == "completed")
            let endpoints = factory.seen.withLock { $0 }
            #expect(endpoints.map(\.apiKey) == ["env-secret", "vault-secret"])
            #expect(endpoints.first?.baseURL == "http://127.0.0.1:1/v1")
            #expect(endpoints.first?.kind == .openai)
            #expect(!endpoints.map(\.description).joined().contains("secret"), "an endpoint never prints its key")
        }
    }

    @Test func aMissingKeyOrAKindWithoutAClientFailsTheRunBeforeAnyModelCall() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest, environment: ["MODEL_KEY_SOURCE": "vault-secret", "ANTHROPIC_TEST_KEY": "k"]) { harness in
            let missing = try await harness.run("env", "hi")
            #expect(missing.name == "failed")
            #expect(missing.run.error?.contains("LOCAL_KEY") == true, "\(missing.run.error ?? "")")
            #expect(missing.run.steps == 0)
            let noClient = try await harness.run("claude", "hi")
            #expect(noClient.name == "failed")
            #expect(noClient.run.error?.contains("anthropic") == true, "\(noClient.run.error ?? "")")
        }
    }
}
