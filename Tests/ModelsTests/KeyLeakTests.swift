import HTTPServer
import JSON
import Models
import class HTTPTestSupport.RefusingPort
import Testing

/// The API key must never reach an error description, whatever the provider sends back. The
/// fixture echoes every request header (the key included) into each error it produces, in
/// every place an error can come from.
@Suite("The API key never leaks into errors")
struct KeyLeakTests {
    /// One way for a turn to fail, answered with the request's headers echoed back.
    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case badRequest, unauthorized, rateLimited, serverError, errorEvent, malformedEvent, wrongContentType, timeout

        var testDescription: String { rawValue }

        func respond(_ provider: Provider, _ request: HTTPRequest) async -> HTTPResponse {
            let echo = headerDump(request)
            switch self {
            case .badRequest: return echoingError(400, request)
            case .unauthorized: return echoingError(401, request, type: "authentication_error")
            case .rateLimited: return echoingError(429, request, type: "rate_limit_error", headers: ["retry-after": "0"])
            case .serverError: return echoingError(500, request, type: "api_error")
            case .errorEvent:
                let error: JSONValue = ["type": "error", "error": ["type": "api_error", "message": .string(echo)]]
                let opening = provider.openingTranscript
                return sseResponse(opening + "event: error\ndata: \(JSONWriter.string(error))\n\n")
            case .malformedEvent:
                return sseResponse(provider.openingTranscript + "event: message_delta\ndata: {\"echo\": \"\(echo)\n\n")
            case .wrongContentType:
                var headers = HTTPHeaders()
                headers.add("X-Echo", "1")
                var response = HTTPResponse(status: 200, headers: headers, body: Array(echo.utf8))
                response.headers.set("Content-Type", "text/html; note=\(request.headers["x-api-key"] ?? request.headers["authorization"] ?? "")")
                return response
            case .timeout:
                try? await Task.sleep(for: .seconds(60))
                return echoingError(500, request)
            }
        }
    }

    @Test(arguments: Provider.allCases, Path.allCases)
    func noErrorDescriptionContainsTheKey(_ provider: Provider, _ path: Path) async throws {
        try await withFixture({ request, _ in await path.respond(provider, request) }) { fixture, http in
            let client = provider.client(fixture, http, timeoutSeconds: path == .timeout ? 1 : 30, retry: fastRetry)
            var failure: (any Error)?
            do {
                _ = try await hangGuard { try await collect(client.stream(helloRequest)) }
            } catch {
                failure = error
            }
            let error = try #require(failure as? ModelError)
            // The fixture really did receive (and could echo) the key. Assertions here compare
            // booleans, so not even a failing run prints the key.
            let sent = try #require(fixture.requests.first)
            let received = headerDump(sent).contains(testKey)
            #expect(received, "the fixture did not receive the key")

            var dumped = ""
            dump(error, to: &dumped)
            let renderings = ["\(error)", String(describing: error), String(reflecting: error), error.description, dumped]
            for (index, rendering) in renderings.enumerated() {
                let leaked = rendering.contains(testKey)
                #expect(!leaked, "rendering \(index) of the \(path) error contains the key")
            }
            if path == .badRequest || path == .serverError || path == .errorEvent {
                let scrubbed = error.description.contains("[redacted]")
                #expect(scrubbed, "the echoed headers should appear with the key scrubbed")
            }
        }
    }

    @Test(arguments: Provider.allCases)
    func anUnreachableProviderDoesNotLeakTheKeyEither(_ provider: Provider) async throws {
        let gone = try RefusingPort()
        defer { withExtendedLifetime(gone) {} }  // refused until the test ends
        try await withFixture({ _, _ in .text(200, "") }) { _, http in
            let client: any ModelClient =
                switch provider {
                case .anthropic: AnthropicModelClient(baseURL: gone.baseURL, apiKey: testKey, httpClient: http, retry: .none)
                case .openai: OpenAIModelClient(baseURL: gone.baseURL, apiKey: testKey, httpClient: http, retry: .none)
                }
            let error = try #require(try await hangGuard { await modelError(client.stream(helloRequest)) })
            let leaked = String(reflecting: error).contains(testKey)
            #expect(!leaked)
        }
    }
}
