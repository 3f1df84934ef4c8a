import Bridge
import Foundation
import MCPClient
import Supervision
import Synchronization
import Testing

/// A 2026 upstream announces list changes only on `subscriptions/listen`, and replays nothing
/// sent while no listen was open. When the stream ends, the gateway drops its cached catalog at
/// once (a change may have been missed) and listens again, so later changes arrive too — all
/// with a catalog the server says stays fresh for ten minutes, longer than any test waits.
@Suite("Upstream listen renewal")
struct ListenRenewalTests {
    /// A 2026 server in Python whose one tool is named after its list's version. `end_listen`
    /// ends every open listen (the graceful result, DIGEST §6) and then changes the list while
    /// none is open; `change` changes it and says so on the open listens. Logs each method.
    static let server = #"""
    import json, sys
    log = open(sys.argv[1], "a"); version = 1; listens = []
    def send(message):
        print(json.dumps(message), flush=True)
    def changed(id):
        send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
              "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": id}}})
    for line in sys.stdin:
        message = json.loads(line)
        method = message.get("method")
        log.write(f"{method}\n"); log.flush()
        if method == "notifications/cancelled":
            listens = [id for id in listens if id != message["params"]["requestId"]]
            continue
        if "id" not in message:
            continue
        if method == "server/discover":
            result = {"resultType": "complete", "supportedVersions": ["2026-07-28"], "capabilities": {"tools": {"listChanged": True}},
                      "ttlMs": 0, "cacheScope": "public", "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "relisten", "version": "1"}}}
        elif method == "subscriptions/listen":
            listens.append(message["id"])
            send({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                  "params": {"notifications": {"toolsListChanged": True}, "_meta": {"io.modelcontextprotocol/subscriptionId": message["id"]}}})
            continue
        elif method == "tools/list":
            result = {"resultType": "complete", "tools": [{"name": f"v{version}", "inputSchema": {"type": "object"}}],
                      "ttlMs": 600000, "cacheScope": "public"}
        elif method == "tools/call" and message["params"]["name"] == "end_listen":
            for id in listens:
                send({"jsonrpc": "2.0", "id": id, "result": {"resultType": "complete", "_meta": {"io.modelcontextprotocol/subscriptionId": id}}})
            listens = []
            version += 1
            result = {"resultType": "complete", "content": [{"type": "text", "text": "ended"}]}
        elif method == "tools/call" and message["params"]["name"] == "change":
            version += 1
            for id in listens:
                changed(id)
            result = {"resultType": "complete", "content": [{"type": "text", "text": "changed"}]}
        else:
            send({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "not here"}})
            continue
        send({"jsonrpc": "2.0", "id": message["id"], "result": result})
    """#

    @Test func aListenThatEndsIsOpenedAgainAndTheCatalogIsFetchedAgainWithoutWaitingForTheTTL() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relisten-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("server.py").path, log = directory.appendingPathComponent("methods.log").path
        try Self.server.write(toFile: script, atomically: false, encoding: .utf8)
        let methods = { (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? [] }
        var options = UpstreamConnection.Options()
        options.connectTimeout = .seconds(60)
        let environment = ChildProcess.minimalEnvironment(from: ProcessInfo.processInfo.environment, extra: [])
        let upstream = UpstreamConnection(
            key: UpstreamKey(workspaceID: "default", serverID: "relisten"),
            launch: LaunchSpec(command: "python3", arguments: [script, log], environment: environment), options: options)

        #expect(try await upstream.tools(timeout: .seconds(60)).map(\.name) == ["v1"])
        let changes = Mutex(0)
        upstream.onToolsChanged { changes.withLock { $0 += 1 } }

        // The server ends the listen, then changes its tools while none is open.
        #expect(try await upstream.callTool("end_listen", arguments: [:], timeout: .seconds(60)).text == "ended")
        #expect(await eventually { changes.withLock { $0 } >= 1 }, "the end was reported as a possible change")
        #expect(await eventually { (try? await upstream.tools(timeout: .seconds(60)))?.map(\.name) == ["v2"] },
                "the catalog was fetched again: \(methods())")

        // Listening again: a change announced on the new listen arrives as before.
        #expect(await eventually { methods().filter { $0 == "subscriptions/listen" }.count == 2 }, "listened again: \(methods())")
        #expect(try await upstream.callTool("change", arguments: [:], timeout: .seconds(60)).text == "changed")
        #expect(await eventually { (try? await upstream.tools(timeout: .seconds(60)))?.map(\.name) == ["v3"] },
                "the change on the new listen arrived: \(methods())")
        #expect(methods().filter { $0 == "subscriptions/listen" }.count == 2, "one listen open at a time: \(methods())")
        await upstream.stop()
    }
}
