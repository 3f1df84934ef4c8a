#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import JSONRPC
import MCPClient
import Testing

/// `FDClientTransport` on plain pipes: framing, the line limit, end of file, a broken pipe.
@Suite(.timeLimit(.minutes(1)))
struct TransportTests {
    /// Two pipes: the transport reads `fromServer[0]` and writes `toServer[1]`.
    struct Pipes {
        var fromServer: [Int32] = [0, 0]
        var toServer: [Int32] = [0, 0]

        init() throws {
            guard pipe(&fromServer) == 0, pipe(&toServer) == 0 else { throw ChildProcessError("pipe failed") }
            for fd in fromServer + toServer { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }

        func serverWrites(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(fromServer[1], $0.baseAddress!, $0.count) }
        }

        /// Reads one line the transport wrote.
        func serverReadsLine() -> String {
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while read(toServer[0], &byte, 1) == 1 {
                if byte == 0x0A { break }
                line.append(byte)
            }
            return String(decoding: line, as: UTF8.self)
        }
    }

    @Test func framesLinesEnforcesTheLimitAndReportsEndOfFile() async throws {
        let pipes = try Pipes()
        let transport = FDClientTransport(readFD: pipes.fromServer[0], writeFD: pipes.toServer[1], maxLineBytes: 100)
        let events = Collector<MCPTransportEvent>()
        transport.start { events.append($0) }

        transport.send(MCPOutgoingMessage(message: .request(JSONRPCRequest(id: .int(1), method: "tools/call", params: ["name": "echo"])),
                                          era: .modern, protocolVersion: "2026-07-28"))
        #expect(pipes.serverReadsLine() == #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}"#)

        pipes.serverWrites(String(repeating: "x", count: 500) + "\n")
        pipes.serverWrites(#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"# + "\r\n")
        close(pipes.fromServer[1])
        let seen = await events.wait(for: 3)
        guard seen.count == 3 else { Issue.record("expected 3 events, got \(seen)"); return }
        guard case .malformed(let bad) = seen[0] else { Issue.record("expected the oversized line first"); return }
        #expect(bad.reason.contains("over the limit of 100 bytes"))
        guard case .message(.notification(let n)) = seen[1] else { Issue.record("expected the notification"); return }
        #expect(n.method == "notifications/tools/list_changed")
        guard case .closed(let reason) = seen[2] else { Issue.record("expected the end"); return }
        #expect(reason == "upstream closed the connection (end of stream)")
        transport.close()
        close(pipes.toServer[0])
    }

    @Test func aBrokenPipeIsReportedOnce() async throws {
        let pipes = try Pipes()
        let transport = FDClientTransport(readFD: pipes.fromServer[0], writeFD: pipes.toServer[1])
        let events = Collector<MCPTransportEvent>()
        transport.start { events.append($0) }
        close(pipes.toServer[0])  // the server stopped reading
        let ping = MCPOutgoingMessage(message: .notification(JSONRPCNotification(method: "notifications/initialized")), era: .legacy, protocolVersion: "2025-11-25")
        transport.send(ping)
        transport.send(ping)
        let seen = await events.wait(for: 1)
        guard case .closed(let reason)? = seen.first else { Issue.record("expected .closed, got \(seen)"); return }
        #expect(reason.contains("write failed"))
        close(pipes.fromServer[1])  // end of file now reports nothing more
        transport.close()
        try await Task.sleep(for: .milliseconds(100))
        #expect(events.values.count == 1)
    }

    @Test func outgoingMessagesDescribeThemselvesForHTTP() {
        let call = MCPOutgoingMessage(message: .request(JSONRPCRequest(id: .string("a"), method: "resources/read", params: ["uri": "test://x"])),
                                      era: .modern, protocolVersion: "2026-07-28")
        #expect(call.method == "resources/read")
        #expect(call.nameValue == "test://x")
        #expect(call.requestID == .string("a"))
        let list = MCPOutgoingMessage(message: .request(JSONRPCRequest(id: .int(2), method: "tools/list")), era: .legacy, protocolVersion: "2025-11-25")
        #expect(list.nameValue == nil)
        let response = MCPOutgoingMessage(message: .response(JSONRPCResponse(id: .int(1), result: [:])), era: .legacy, protocolVersion: nil)
        #expect(response.method == nil)
    }

    @Test func batchesAreDecodedElementByElement() {
        let events = MCPTransportEvent.decode(Array(#"[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"1.0","id":2,"method":"x"}]"#.utf8))
        #expect(events.count == 2)
        guard case .message(.response) = events[0], case .malformed(let bad) = events[1] else {
            Issue.record("unexpected \(events)")
            return
        }
        #expect(bad.looksLikeRequest)
        #expect(bad.id == .int(2))
    }
}
