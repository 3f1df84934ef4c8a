#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPServer
import HTTPTestSupport
import JSON
import JSONRPC
import MCPClient
import Synchronization
import Testing

/// `FDClientTransport` reading on an HTTP server's event loop (`readiness:`): the same framing
/// and end of file as with its own thread, on the loop's thread; no deadlock when the loop
/// writes to a full stdin while the server's stdout is full too; and a thread takes over when
/// the loop stops.
@Suite(.timeLimit(.minutes(1)))
struct LoopTransportTests {
    static func withLoop(_ body: (HTTPServer) async throws -> Void) async throws {
        var configuration = HTTPServer.Configuration()
        configuration.addresses = ["127.0.0.1:0"]
        configuration.loopCount = 1
        configuration.accessLog = false
        let server = HTTPServer(configuration: configuration) { _ in .text(404, "") }
        try server.start()
        do {
            try await body(server)
        } catch {
            await server.shutdown(gracePeriod: .milliseconds(100))
            throw error
        }
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    static func inode(_ fd: Int32) -> UInt? {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt(info.st_ino) : nil
    }

    /// A notification line of about `size` bytes carrying `index`.
    static func notification(_ index: Int, size: Int) -> String {
        let head = #"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":{"i":\#(index),"pad":""#
        return head + String(repeating: "x", count: max(0, size - head.count - 5)) + "\"}}}\n"
    }

    static func index(_ event: MCPTransportEvent) -> Int? {
        guard case .message(.notification(let n)) = event else { return nil }
        return n.params?["data"]?["i"]?.intValue.map(Int.init)
    }

    @Test func framesOnTheLoopThreadAndReportsEndOfFile() async throws {
        try await Self.withLoop { server in
            let pipes = try TransportTests.Pipes()
            let transport = FDClientTransport(readFD: pipes.fromServer[0], writeFD: pipes.toServer[1], maxLineBytes: 100, readiness: server)
            let pipeInode = Self.inode(pipes.fromServer[0])
            let events = Collector<MCPTransportEvent>()
            let offLoop = Atomic<Int>(0)
            transport.start { event in
                if !onEventLoopThread { offLoop.add(1, ordering: .relaxed) }
                events.append(event)
            }
            transport.send(MCPOutgoingMessage(message: .request(JSONRPCRequest(id: .int(1), method: "tools/call", params: ["name": "echo"])),
                                              era: .modern, protocolVersion: "2026-07-28"))
            #expect(pipes.serverReadsLine() == #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}"#)

            // A line split across writes, an oversized one, and a last line without a newline.
            pipes.serverWrites(#"{"jsonrpc":"2.0","method":"notifications/"#)
            try await Task.sleep(for: .milliseconds(20))
            pipes.serverWrites(#"tools/list_changed"}"# + "\r\n" + String(repeating: "x", count: 500) + "\n")
            pipes.serverWrites(#"{"jsonrpc":"2.0","method":"notifications/prompts/list_changed"}"#)
            close(pipes.fromServer[1])
            let seen = await events.wait(for: 4)
            guard seen.count == 4 else { Issue.record("expected 4 events, got \(seen)"); return }
            guard case .message(.notification(let first)) = seen[0], case .malformed(let bad) = seen[1],
                  case .message(.notification(let last)) = seen[2], case .closed(let reason) = seen[3] else {
                Issue.record("unexpected events \(seen)")
                return
            }
            #expect(first.method == "notifications/tools/list_changed")
            #expect(bad.reason.contains("over the limit of 100 bytes"))
            #expect(last.method == "notifications/prompts/list_changed")
            #expect(reason == "upstream closed the connection (end of stream)")
            #expect(offLoop.load(ordering: .relaxed) == 0)
            // The transport closed its read end at end of file (the number may since name
            // another test's descriptor, never this pipe again).
            #expect(pipeInode != nil && Self.inode(pipes.fromServer[0]) != pipeInode)
            transport.close()
            close(pipes.toServer[0])
        }
    }

    /// The loop writes a mebibyte to a server that first writes a mebibyte itself before it
    /// reads anything: both pipes fill. A loop that only waited for stdin would never read the
    /// server's output, and the two would wait on each other for ever.
    @Test func theLoopKeepsReadingWhileItsWriteWaitsForAFullPipe() async throws {
        try await Self.withLoop { server in
            let pipes = try TransportTests.Pipes()
            let transport = FDClientTransport(readFD: pipes.fromServer[0], writeFD: pipes.toServer[1], readiness: server)
            let events = Collector<MCPTransportEvent>()
            transport.start { events.append($0) }

            let lines = 64, size = 16 << 10
            let received = Atomic<Int>(0)
            let peer = Thread {
                for i in 0..<lines { pipes.serverWrites(Self.notification(i, size: size)) }
                var buffer = [UInt8](repeating: 0, count: 64 << 10)
                while received.load(ordering: .relaxed) < lines * size {
                    let n = buffer.withUnsafeMutableBytes { read(pipes.toServer[0], $0.baseAddress!, $0.count) }
                    if n <= 0 { break }
                    received.add(n, ordering: .relaxed)
                }
                close(pipes.fromServer[1])
            }
            peer.start()

            // Write from the loop's own thread (as the relay's batched write does).
            var idle: [Int32] = [0, 0]
            #expect(pipe(&idle) == 0)
            defer { idle.forEach { close($0) } }
            let watch = try #require(server.watchReadable(idle[0]) { _ in })
            let block = Array(String(repeating: String(repeating: "r", count: size - 1) + "\n", count: lines).utf8)
            let wroteOnLoop = Mutex<Bool?>(nil)
            watch.schedule {
                transport.sendLines(block)
                wroteOnLoop.withLock { $0 = onEventLoopThread }
            }

            let seen = await events.wait(for: lines + 1)
            #expect(seen.prefix(lines).compactMap(Self.index) == Array(0..<lines))
            guard case .closed? = seen.last else { Issue.record("expected the end after \(lines) lines, got \(seen.count) events"); return }
            #expect(received.load(ordering: .relaxed) == lines * size)
            #expect(wroteOnLoop.withLock { $0 } == true)
            watch.cancel()
            transport.close()
            close(pipes.toServer[0])
        }
    }

    @Test func aSourceThatCannotWatchLeavesTheReadingToAThread() async throws {
        var configuration = HTTPServer.Configuration()
        configuration.addresses = ["127.0.0.1:0"]
        let notRunning = HTTPServer(configuration: configuration) { _ in .text(404, "") }
        let pipes = try TransportTests.Pipes()
        let transport = FDClientTransport(readFD: pipes.fromServer[0], writeFD: pipes.toServer[1], readiness: notRunning)
        let events = Collector<MCPTransportEvent>()
        let onLoop = Atomic<Int>(0)
        transport.start { event in
            if onEventLoopThread { onLoop.add(1, ordering: .relaxed) }
            events.append(event)
        }
        pipes.serverWrites(Self.notification(7, size: 300))
        close(pipes.fromServer[1])
        let seen = await events.wait(for: 2)
        #expect(seen.compactMap(Self.index) == [7])
        guard case .closed? = seen.last, seen.count == 2 else { Issue.record("expected the line and the end, got \(seen)"); return }
        #expect(onLoop.load(ordering: .relaxed) == 0)
        transport.close()
        close(pipes.toServer[0])
    }

    @Test func aThreadTakesOverWhenTheLoopStops() async throws {
        let pipes = try TransportTests.Pipes()
        let events = Collector<MCPTransportEvent>()
        var transport: FDClientTransport?
        try await Self.withLoop { server in
            let t = FDClientTransport(readFD: pipes.fromServer[0], writeFD: pipes.toServer[1], readiness: server)
            transport = t
            t.start { events.append($0) }
            pipes.serverWrites(Self.notification(0, size: 200))
            _ = await events.wait(for: 1)
        }
        // The server is gone: what the upstream writes now still arrives, then its end.
        pipes.serverWrites(Self.notification(1, size: 200))
        pipes.serverWrites(Self.notification(2, size: 200))
        close(pipes.fromServer[1])
        let seen = await events.wait(for: 4)
        #expect(seen.prefix(3).compactMap(Self.index) == [0, 1, 2])
        guard case .closed? = seen.last, seen.count == 4 else { Issue.record("expected three lines and the end, got \(seen)"); return }
        transport?.close()
        close(pipes.toServer[0])
    }
}
