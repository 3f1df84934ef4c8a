#if canImport(Glibc)
import Glibc
#endif
import JSON
import Platform
import Storage

/// `agentbridge-bench platform`: the platform database's hot writes and reads on a real file in
/// a temporary directory (WAL, synchronous=NORMAL, the production settings):
///
/// - API key verification (`APIKeyStore.authenticate`: hash, indexed lookup, constant-time
///   compare, revocation/expiry check) — once per HTTP request;
/// - a rejected (unknown) key — what a brute-force attempt costs us;
/// - event appends, one transaction per event and batches of 10 and 100 per transaction (the
///   runtime batches streamed deltas);
/// - reading 100 events "after N".
enum PlatformCommand {
    static func run(seconds: Double) throws {
        var template = Array("/tmp/agentbridge-bench-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchmarkFailure("mkdtemp failed")
        }
        let directory = String(cString: made)
        let path = directory + "/bench.sqlite"
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            rmdir(directory)
        }
        let database = try PlatformSchema.open(path: path)
        let caller = Caller.local(.cli)
        let keys = APIKeyStore(database: database)
        for index in 0..<1000 { _ = try keys.create(workspace: "default", name: "filler\(index)", scopes: [.mcpTools]) }
        let secret = try keys.create(workspace: "default", name: "bench", scopes: [.mcpTools]).secret
        let unknown = "ab_" + String(repeating: "Q", count: 43)

        let spec = try AgentSpec.parse(["name": "Bench", "instructions": "Benchmark.", "model": "scripted/bench"])
        _ = try AgentStore(database: database).create(caller: caller, id: "bench", spec: spec)
        let session = try SessionStore(database: database).resolve(
            caller: caller, agentID: "bench", sessionID: nil, sessionReference: "bench", userReference: nil).session
        let runID = try RunStore(database: database).create(caller: caller, sessionID: session.id, trigger: .cli, input: ["text": "x"]).id
        let events = EventLog(database: database)
        let data: JSONValue = ["text": "a streamed chunk of model output, about sixty bytes long"]

        var rows: [(String, Timing, Int)] = []
        var loop = TimedLoop(seconds: seconds)
        rows.append(("verify a valid API key", try loop.measure {
            guard try keys.authenticate(secret: secret) != nil else { throw BenchmarkFailure("key refused") }
        }, 1))
        rows.append(("reject an unknown API key", try loop.measure {
            guard try keys.authenticate(secret: unknown) == nil else { throw BenchmarkFailure("unknown key accepted") }
        }, 1))
        loop.batchTarget = 0.02
        rows.append(("append 1 event per transaction", try loop.measure {
            _ = try events.append(sessionID: session.id, runID: runID, type: .messageDelta, data: data)
        }, 1))
        for size in [10, 100] {
            let batch = (0..<size).map { _ in (runID: Optional(runID), type: EventType.messageDelta, data: data) }
            rows.append(("append \(size) events per transaction", try loop.measure {
                _ = try events.append(batch: batch, sessionID: session.id)
            }, size))
        }
        rows.append(("read 100 events after N", try loop.measure {
            let read = try events.read(caller: caller, sessionID: session.id, after: 500, limit: 100)
            guard read.count == 100 else { throw BenchmarkFailure("read \(read.count) events") }
        }, 100))

        print("## Platform database (real file, WAL, synchronous=NORMAL)\n")
        var table = MarkdownTable([("operation", false), ("µs/op", true), ("ops/s", true), ("items/s", true)])
        for (name, timing, items) in rows {
            table.add([
                name, NumberFormat.significant(timing.microsecondsPerOp), NumberFormat.fixed(timing.opsPerSecond, 0),
                NumberFormat.fixed(timing.opsPerSecond * Double(items), 0),
            ])
        }
        print(table.render())
    }
}
