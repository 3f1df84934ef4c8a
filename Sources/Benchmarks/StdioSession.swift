import JSON
#if canImport(Glibc)
import Glibc
#endif

/// One stdio MCP server under test, driven the way a client drives it: spawned on pipes, opened
/// in one era, then sent `tools/call echo {"text":"hello"}` or `tools/list` one at a time or many
/// in flight. Every answer is checked — its id, a `result`, the expected text — and a wrong one is
/// counted as an error, never as a fast answer.
///
/// The same driver measures every server (ours, the Python peers, the C null server), so their
/// figures differ only by the server.
final class StdioSession {
    enum Request { case echo, list }

    /// What one phase measured.
    struct Phase {
        var count: Int
        var errors: Int
        var seconds: Double
        var latencies: Latencies
        var perSecond: Double { Double(count) / max(seconds, 1e-9) }
    }

    let process: Subprocess
    let era: Era
    /// Spawn → first `tools/list` answer (the handshake included in the legacy era).
    private(set) var coldStartMilliseconds = 0.0
    /// The protocol version the server answered with.
    private(set) var negotiated = ""
    /// Tools in the first `tools/list` answer, and that answer's size.
    private(set) var listedTools = 0
    private(set) var listBytes = 0
    /// Echo calls answered so far, warm-up included.
    private(set) var echoCalls = 0
    private let reader: LineReader
    private var nextID: UInt64 = 1
    private var outgoing: [UInt8] = []
    private let echoPrefix: [UInt8], echoSuffix: [UInt8], listPrefix: [UInt8], listSuffix: [UInt8]
    private static let hello = Array("hello".utf8)

    init(_ command: [String], environment: [String: String] = [:], era: Era, pinning: CPUPinning, stderrPath: String,
         timeoutMilliseconds: Int32 = 60_000) throws {
        self.era = era
        echoPrefix = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        echoSuffix = Array(#","method":"tools/call","params":{\#(era.echoParams)}}"#.utf8) + [0x0A]
        listPrefix = echoPrefix
        listSuffix = Array(#","method":"tools/list","params":{\#(era.listParams)}}"#.utf8) + [0x0A]
        outgoing.reserveCapacity(1 << 16)
        let started = Monotonic.nanoseconds()
        process = try pinning.spawningServer {
            try Subprocess(command, environment: environment, stdinPipe: true, stdout: .pipe, stderrPath: stderrPath)
        }
        reader = LineReader(fd: process.output, timeoutMilliseconds: timeoutMilliseconds)
        do {
            try open()
            let id = nextID
            nextID += 1
            append(.list, id: id)
            try flush()
            let line = try awaitAnswer(id: id)
            coldStartMilliseconds = Double(Monotonic.nanoseconds() - started) / 1e6
            let answer = try? JSONParser.parse(line)
            guard let answer, let tools = answer["result"]?["tools"]?.arrayValue else {
                throw BenchmarkFailure("the first tools/list of \(command.joined(separator: " ")) failed: \(answer.map { JSONWriter.string($0) } ?? "no answer")")
            }
            listedTools = tools.count
            if era == .modern {
                negotiated = answer["result"]?["resultType"] != nil ? "2026-07-28" : "2026-07-28 asked; answered without resultType"
            }
        } catch {
            process.stop(grace: 0.2)
            throw error
        }
    }

    /// The era's opening: nothing for 2026-07-28, the `initialize` handshake for 2025-11-25.
    private func open() throws {
        guard era == .legacy else { return }
        outgoing += Array(Era.initialize.utf8) + [0x0A]
        try flush()
        guard let answer = try? JSONParser.parse(try awaitAnswer(id: 0)), let version = answer["result"]?["protocolVersion"]?.stringValue else {
            throw BenchmarkFailure("initialize failed")
        }
        negotiated = version
        outgoing += Array(Era.initialized.utf8) + [0x0A]
        try flush()
    }

    /// Reads until the answer to `id` and returns a copy of it.
    private func awaitAnswer(id: UInt64) throws -> [UInt8] {
        while true {
            let line = try reader.next()
            let scanned = ScannedMessage(line)
            if scanned.isResponse && scanned.id == id {
                listBytes = line.count
                return Array(line)
            }
        }
    }

    /// `count` echo calls answered one at a time, none timed (caches, allocator, lazy metadata).
    func warm(_ count: Int) throws {
        let phase = try sequential(.echo, count: count)
        if phase.errors > 0 { throw BenchmarkFailure("\(phase.errors) of \(count) warm-up calls failed") }
    }

    /// `count` requests strictly one at a time; latency per request.
    func sequential(_ request: Request, count: Int, expect: [UInt8]? = nil) throws -> Phase {
        let needle = expect ?? (request == .echo ? Self.hello : [])
        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        var errors = 0
        let started = Monotonic.nanoseconds()
        for _ in 0..<count {
            let id = nextID
            nextID += 1
            append(request, id: id)
            let sent = Monotonic.nanoseconds()
            try flush()
            while true {
                let line = try reader.next()
                let scanned = ScannedMessage(line)
                guard scanned.isResponse else { continue }
                samples.append(Monotonic.nanoseconds() - sent)
                if scanned.id != id || !scanned.hasResult || !ScannedMessage.contains(needle, in: line) { errors += 1 }
                if request == .list { listBytes = line.count }
                break
            }
        }
        let seconds = Double(Monotonic.nanoseconds() - started) / 1e9
        if request == .echo { echoCalls += count }
        return Phase(count: count, errors: errors, seconds: seconds, latencies: Latencies(nanoseconds: samples))
    }

    /// `count` requests with `window` in flight: as soon as answers arrive, more are sent.
    func pipelined(_ request: Request, count: Int, window: Int = 64, expect: [UInt8]? = nil) throws -> Phase {
        let needle = expect ?? (request == .echo ? Self.hello : [])
        let base = nextID
        nextID += UInt64(count)
        var sentAt = [UInt64](repeating: 0, count: count)
        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        var sent = 0, done = 0, errors = 0
        let started = Monotonic.nanoseconds()
        while done < count {
            let now = Monotonic.nanoseconds()
            while sent < count && sent - done < window {
                append(request, id: base + UInt64(sent))
                sentAt[sent] = now
                sent += 1
            }
            try flush()
            repeat {
                let line = try reader.next()
                let scanned = ScannedMessage(line)
                guard scanned.isResponse else { continue }
                done += 1
                if let id = scanned.id, id >= base, id - base < UInt64(count), scanned.hasResult, ScannedMessage.contains(needle, in: line) {
                    samples.append(Monotonic.nanoseconds() - sentAt[Int(id - base)])
                } else {
                    errors += 1
                }
            } while done < count && reader.hasBufferedLine
        }
        let seconds = Double(Monotonic.nanoseconds() - started) / 1e9
        if request == .echo { echoCalls += count }
        return Phase(count: count, errors: errors, seconds: seconds, latencies: Latencies(nanoseconds: samples))
    }

    /// The server's resident memory (its whole process tree), KiB.
    var residentKilobytes: Int { ProcessTree.residentKilobytes(of: process.pid) }

    /// EOF, then half a second to exit before SIGTERM (a stdio server has nothing to drain here).
    func stop() { process.stop(grace: 0.5) }

    private func append(_ request: Request, id: UInt64) {
        outgoing += request == .echo ? echoPrefix : listPrefix
        var digits: [UInt8] = []
        var rest = id
        repeat {
            digits.append(UInt8(rest % 10) + 0x30)
            rest /= 10
        } while rest > 0
        outgoing += digits.reversed()
        outgoing += request == .echo ? echoSuffix : listSuffix
    }

    private func flush() throws {
        var offset = 0
        while offset < outgoing.count {
            let written = outgoing.withUnsafeBytes { write(process.input, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw BenchmarkFailure("write to the server failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        outgoing.removeAll(keepingCapacity: true)
    }
}
