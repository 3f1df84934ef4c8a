import Foundation
import JSON

/// An HTTP server under test, running: started on a free port (pinned like every server), waited
/// for, opened the way its clients open it (a 2025-11-25 session when the variant has one) and
/// checked with one echo call before any load is put on it.
final class HTTPTarget {
    let variant: HTTPVariant
    let process: Subprocess
    let port: UInt16
    private(set) var session: String?
    /// The version the server agreed to (the session's, or the one every 2026 request names).
    private(set) var negotiated: String

    init(_ variant: HTTPVariant, pinning: CPUPinning, log: String, extraArguments: [String] = []) throws {
        self.variant = variant
        port = try HTTPConnection.freePort()
        let command = variant.command(port) + extraArguments
        process = try pinning.spawningServer {
            try Subprocess(command, environment: variant.environment, stdinPipe: false, stdout: .file(log), stderrPath: log)
        }
        negotiated = variant.raw ? "n/a (raw HTTP)" : variant.era.protocolVersion
        let deadline = Monotonic.seconds() + 60
        while !HTTPConnection.isListening(port: port) {
            guard process.isRunning else { throw BenchmarkFailure("\(command.joined(separator: " ")) exited before listening; see \(log)") }
            guard Monotonic.seconds() < deadline else {
                process.stop()
                throw BenchmarkFailure("\(command[0]) did not listen on \(port) within 60 s; see \(log)")
            }
            usleep(20_000)
        }
        do {
            if variant.session { try openSession() }
            try validate()
        } catch {
            process.stop()
            throw error
        }
    }

    /// `initialize` + `notifications/initialized`; the session id is then sent with every request.
    private func openSession() throws {
        let connection = try HTTPConnection(port: port)
        let reply = try connection.post(variant.path, body: Era.initialize)
        guard reply.status == 200, let version = reply.message?["result"]?["protocolVersion"]?.stringValue,
              let id = reply.headers["mcp-session-id"] else {
            throw BenchmarkFailure("initialize failed: \(reply.status) \(reply.text.prefix(300))")
        }
        session = id
        negotiated = version + " (session)"
        let initialized = try connection.post(
            variant.path, headers: [("Mcp-Session-Id", id), ("MCP-Protocol-Version", version)], body: Era.initialized)
        guard initialized.status == 200 || initialized.status == 202 else {
            throw BenchmarkFailure("notifications/initialized failed: \(initialized.status) \(initialized.text.prefix(300))")
        }
    }

    /// One echo call that must answer "hello" (the C responder: any 200).
    func validate() throws {
        guard variant.checksEcho else { return }
        let reply = try HTTPConnection(port: port).post(variant.path, headers: echoHeaders, body: Self.echoBody(era: variant.era, id: 1))
        guard reply.status == 200 else { throw BenchmarkFailure("echo answered \(reply.status): \(reply.text.prefix(300))") }
        if variant.raw { return }
        guard let result = reply.message?["result"], JSONWriter.string(result).contains("hello") else {
            throw BenchmarkFailure("echo did not answer hello: \(reply.text.prefix(400))")
        }
    }

    /// The headers of an echo call in the variant's era.
    var echoHeaders: [(String, String)] {
        switch variant.era {
        case .modern: return [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "echo")]
        case .legacy: return [("MCP-Protocol-Version", "2025-11-25")] + (session.map { [("Mcp-Session-Id", $0)] } ?? [])
        }
    }

    static func echoBody(era: Era, id: Int) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{\#(era.echoParams)}}"#
    }

    func stop() { process.stop() }
}
