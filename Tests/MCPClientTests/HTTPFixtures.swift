#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPTestSupport
import HTTPClient
import HTTPServer
import JSON
import MCPClient
import MCPHTTP
import MCPServer
import ReferenceServer
import Synchronization

/// Real MCP HTTP servers on loopback for the `HTTPClientTransport` tests: our own endpoint in
/// process, and the official Python SDK servers as child processes.
struct LiveHTTPEndpoint: Sendable {
    let http: HTTPServer
    let endpoint: MCPHTTPEndpoint
    let url: String
    /// Every HTTP request the server received, in arrival order.
    let log: RequestLog

    /// `ReferenceServer` behind `MCPHTTPEndpoint` on `127.0.0.1:0`.
    static func start(pageSize: Int = 100, tools: Int = 100, authenticator: Authenticator = .none) throws -> LiveHTTPEndpoint {
        let server = ReferenceServer.make(version: "test", configuration: .init(benchmarkTools: tools, pageSize: pageSize))
        var config = MCPHTTPEndpoint.Configuration()
        config.authenticator = authenticator
        config.sseAfter = .seconds(30)
        let endpoint = MCPHTTPEndpoint(server: server, configuration: config)
        let router = HTTPRouter()
        endpoint.install(on: router)
        var httpConfig = HTTPServer.Configuration()
        httpConfig.addresses = ["127.0.0.1:0"]
        httpConfig.loopCount = 1
        httpConfig.accessLog = false
        let log = RequestLog()
        let route = router.handler
        let http = HTTPServer(configuration: httpConfig) { request in
            log.record(request)
            return await route(request)
        }
        let address = try http.start()[0]
        return LiveHTTPEndpoint(http: http, endpoint: endpoint, url: "http://\(address.host):\(address.port)/mcp", log: log)
    }

    func stop() async {
        endpoint.close()
        await http.shutdown(gracePeriod: .milliseconds(200))
    }
}

/// What the test server saw: method, headers and the JSON-RPC method of each request body.
final class RequestLog: Sendable {
    struct Entry: Sendable {
        var method: String
        var target: String
        var headers: HTTPHeaders
        var body: JSONValue?
        var rpcMethod: String? { body?["method"]?.stringValue }
    }

    private let entries = Mutex<[Entry]>([])

    func record(_ request: HTTPRequest) {
        let body = request.body.isEmpty ? nil : try? JSONParser.parse(request.body)
        entries.withLock { $0.append(Entry(method: request.method, target: request.target, headers: request.headers, body: body)) }
    }

    var all: [Entry] { entries.withLock { $0 } }

    /// The POSTs whose body has JSON-RPC method `method`.
    func posts(_ method: String) -> [Entry] { all.filter { $0.method == "POST" && $0.rpcMethod == method } }
}

/// A Python SDK fixture serving HTTP (`<script> --http <port>`) on a free loopback port: Streamable
/// HTTP at `/mcp`, or another path such as the 2024-11-05 transport's `/sse`.
final class PythonHTTPServer: @unchecked Sendable {
    // SAFETY: set up in `start`, then only read (TestProcess is internally synchronized).
    let process = TestProcess()
    let url: String
    let logURL: URL

    private init(port: Int, path: String) {
        url = "http://127.0.0.1:\(port)\(path)"
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("mcpclient-http-\(UUID().uuidString).log")
    }

    /// Spawns the fixture and waits (hang guard: 60 s) until it answers HTTP.
    static func start(python: String, script: String, client: HTTPClient, path: String = "/mcp") async throws -> PythonHTTPServer {
        let port = try TestBinaries.freePort()
        let server = PythonHTTPServer(port: port, path: path)
        _ = FileManager.default.createFile(atPath: server.logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: server.logURL)
        defer { try? log.close() }
        server.process.executableURL = URL(fileURLWithPath: python)
        server.process.arguments = [script, "--http", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        server.process.environment = environment
        server.process.standardInput = FileHandle.nullDevice
        server.process.standardOutput = log
        server.process.standardError = log
        try server.process.run()
        for _ in 0..<600 {
            guard server.process.isRunning else { break }
            // Any answer will do (a GET of /mcp is 4xx); the SSE path would open a stream.
            let probe = HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(port)/mcp", timeouts: .init(connect: .seconds(2), responseHead: .seconds(5)))
            if (try? await client.send(probe)) != nil { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = server.output
        await server.stop()
        throw ChildProcessError("the Python HTTP fixture \(script) did not start: \(output)")
    }

    var output: String {
        String(((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").suffix(3000))
    }

    func stop() async {
        if process.isRunning { process.terminate() }
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
    }

}
