import Foundation
import HTTPTestSupport
import Testing
import HTTPClient

/// `python3 -m http.server` on a temporary directory: a foreign HTTP/1.0 implementation
/// (it closes after every response and writes head and body separately).
final class PythonHTTPServer: Sendable {
    let directory: URL
    let port: Int
    private let process: TestProcess

    init(files: [String: [UInt8]]) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("httpclient-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let handle = out.fileHandleForReading
        // "Serving HTTP on 127.0.0.1 port 43567 (http://127.0.0.1:43567/) ..." (blocking read:
        // on its own thread, never on the cooperative pool)
        let line = try await offload { () throws -> String in
            var text = ""
            while !text.contains("\n") {
                let data = handle.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            return text
        }
        guard let range = line.range(of: " port "), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
            kill(p.processIdentifier, SIGKILL)
            throw ScriptError.system("python3 http.server did not start: \(line)", 0)
        }
        directory = dir
        self.port = port
        process = p
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Kills the server (SIGKILL: the child may inherit a blocked SIGTERM from the test
    /// runner's threads) and reaps it on its own thread.
    func stop() async {
        kill(process.processIdentifier, SIGKILL)
        let p = process
        _ = try? await offload { p.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Starts a python server with `files`, runs `body`, and always stops the server.
func withPythonServer(files: [String: [UInt8]], _ body: (PythonHTTPServer) async throws -> Void) async throws {
    let server = try await PythonHTTPServer(files: files)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

@Suite("Against python3 -m http.server")
struct ForeignServerTests {
    static let pythonAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
        || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/python3")
        }

    @Test(.enabled(if: pythonAvailable)) func getHeadAnd404AgainstAForeignHTTP10Server() async throws {
        let big = (0..<(2 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await withPythonServer(files: ["hello.txt": Array("hello from python\n".utf8), "big.bin": big]) { server in
            try await withClient { client in
                try await hangGuard {
                    let a = try await client.send(HTTPClientRequest(url: "\(server.url)/hello.txt?x=1"))
                    #expect(a.status == 200 && a.version == "HTTP/1.0")
                    #expect(a.text == "hello from python\n" && a.headers["Content-Length"] == "18")
                    // HTTP/1.0 without keep-alive: the next request needs (and gets) a new connection.
                    let b = try await client.send(HTTPClientRequest(url: "\(server.url)/big.bin"))
                    #expect(b.body == big)
                    let head = try await client.send(HTTPClientRequest(method: "HEAD", url: "\(server.url)/big.bin"))
                    #expect(head.status == 200 && head.body.isEmpty && head.headers["Content-Length"] == String(big.count))
                    let missing = try await client.send(HTTPClientRequest(url: "\(server.url)/nope"))
                    #expect(missing.status == 404 && !missing.body.isEmpty)
                }
            }
        }
    }

    @Test(.enabled(if: pythonAvailable)) func theURLSessionPathAgreesOnTheSameServer() async throws {
        try await withPythonServer(files: ["a.json": Array("{\"ok\":true}".utf8)]) { server in
            try await withClient({ $0.transportPreference = .urlSession }) { client in
                let r = try await hangGuard { try await client.send(HTTPClientRequest(url: "\(server.url)/a.json")) }
                #expect(r.status == 200 && r.text == "{\"ok\":true}")
            }
        }
    }
}
